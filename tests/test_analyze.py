"""`minami-kg analyze`: sections that share measures, with evidence, and network exports."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from minami_kg.analysis import centrality, communities, read_network, section_pairs
from minami_kg.cli import main
from minami_kg.config import Settings
from minami_kg.store import EmbeddedStore

BASE = "http://127.0.0.1:8000/"
KOSEKI = BASE + "id/minami/section/koseki"
HOKEN = BASE + "id/minami/section/hoken-nenkin"


def test_network_is_bipartite_with_evidence_on_every_edge(seed_store: EmbeddedStore) -> None:
    graph = read_network(seed_store)
    assert nx.is_bipartite(graph)
    kinds = {kind for _, kind in graph.nodes(data="kind")}
    assert kinds == {"section", "measure"}
    for a, b, data in graph.edges(data=True):
        assert data["evidence"], (a, b)


def test_koseki_and_hoken_nenkin_share_the_ict_counter_measure(seed_store: EmbeddedStore) -> None:
    graph = read_network(seed_store)
    pairs = {frozenset((p.a, p.b)): p for p in section_pairs(graph)}
    pair = pairs[frozenset((KOSEKI, HOKEN))]
    labels = [graph.nodes[m]["label"] for m in pair.shared]
    assert "ICTを活用した窓口サービス向上" in labels
    weights = [p.weight for p in section_pairs(graph)]
    assert weights == sorted(weights, reverse=True)


def test_centrality_and_communities_cover_linked_sections(seed_store: EmbeddedStore) -> None:
    graph = read_network(seed_store)
    sections = {n for n, kind in graph.nodes(data="kind") if kind == "section"}
    assert set(centrality(graph)) == sections
    grouped = [s for community in communities(graph) for s in community]
    assert sorted(grouped) == sorted(sections)


def test_one_plan_only(seed_store: EmbeddedStore) -> None:
    assert read_network(seed_store, BASE + "id/minami/2022").number_of_edges() > 0
    assert read_network(seed_store, BASE + "id/minami/1999").number_of_edges() == 0


def test_analyze_prints_pairs_with_evidence(runner: CliRunner, seed_settings: Settings) -> None:
    result = runner.invoke(main, ["analyze", "--store", str(seed_settings.store)])
    assert result.exit_code == 0, result.output + result.stderr
    lines = result.output.splitlines()
    pair_heads = ("戸籍課 — 保険年金課:", "保険年金課 — 戸籍課:")
    start = next(i for i, line in enumerate(lines) if line.startswith(pair_heads))
    block = "\n".join(lines[start : start + 12])
    assert "ICTを活用した窓口サービス向上" in block
    assert "戸籍課: explicit-mention" in block
    assert "保険年金課: explicit-mention" in block
    assert "measure l.113 “戸籍課”" in block
    assert "section centrality" in result.output
    assert "communities:" in result.output


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_export_network(
    fmt: str, runner: CliRunner, seed_settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / f"network.{fmt}"
    result = runner.invoke(
        main, ["analyze", "--store", str(seed_settings.store), "--export", fmt, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output + result.stderr
    graph = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
    assert graph.number_of_edges() > 20
    assert graph.edges[KOSEKI, BASE + "id/minami/2022/measure/steady-work-09"]["method"] == (
        "explicit-mention"
    )


def test_export_needs_an_output(runner: CliRunner, seed_settings: Settings) -> None:
    result = runner.invoke(
        main, ["analyze", "--store", str(seed_settings.store), "--export", "gexf"]
    )
    assert result.exit_code == 2
    assert "-o FILE" in result.stderr

"""The seed document built into a real store: counts, a golden slice, determinism."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import NamedNode, Variable

from minami_kg.build import build, graph_quads, read_sources
from minami_kg.config import PROJECT_ROOT
from minami_kg.curation import load_curation
from minami_kg.stats import graph_stats
from minami_kg.store import EmbeddedStore

from .conftest import FIXTURES, settings_for

BASE = "http://127.0.0.1:8000/"
GOLDEN = Path(__file__).parent / "golden"
LINK_COUNTS = ("contributions", "accepted links", "partners", "topics", "cited plans")


def test_seed_counts(seed_store: EmbeddedStore) -> None:
    stats = graph_stats(seed_store)
    assert stats.counts == {
        "plans": 1,
        "basic goals": 1,
        "focus areas": 6,
        "priority focus areas": 4,
        "measures": 36,
        "actions": 39,
        "organisational principles": 2,
        "sections": 14,
        "section goals": 14,
        "contact points": 1,
    } | {label: stats.counts[label] for label in LINK_COUNTS}
    assert stats.counts["partners"] == 27
    assert stats.counts["cited plans"] == 4
    assert stats.counts["topics"] >= 40
    assert 20 <= stats.counts["accepted links"] < stats.counts["contributions"]
    assert stats.named_graphs == [
        BASE + "graph/curated",
        BASE + "graph/links",
        BASE + "graph/meta",
        BASE + "graph/ontology",
        BASE + "graph/org/minami",
        BASE + "graph/plan/minami/2022",
        BASE + "graph/topics",
    ]


def _slice(store: EmbeddedStore, subjects: list[str]) -> set[str]:
    """Every quad whose subject is one of `subjects`, as N-Quads lines.

    The links graph is left out: what the linker finds is tested against the gold list.
    """
    lines = set()
    for subject in subjects:
        query = f"SELECT * WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{BASE}graph/links>) }}"
        for row in store.query(query, substitutions={Variable("s"): NamedNode(subject)}):
            lines.add(f"<{subject}> {row['p']} {row['o']} {row['g']} .")
    return lines


def test_golden_slice(seed_store: EmbeddedStore) -> None:
    """A few measures, actions, a section with sites and a goal, quad for quad."""
    expected = {
        line
        for line in (GOLDEN / "seed-slice.nq").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    subjects = sorted({line.split(" ", 1)[0][1:-1] for line in expected})
    assert _slice(seed_store, subjects) == expected


def test_two_builds_give_identical_sorted_nquads(tmp_path: Path, seed_store: EmbeddedStore) -> None:
    again = settings_for(tmp_path / "store")
    build(again)
    assert EmbeddedStore(again.store).sorted_nquads() == seed_store.sorted_nquads()


def test_quads_do_not_depend_on_document_order() -> None:
    settings = settings_for(Path("unused"))
    curation = load_curation(settings.curation)
    plans = read_sources(PROJECT_ROOT / "data" / "sources", curation)
    plans += read_sources(FIXTURES / "plans", curation)
    assert len(plans) > 1
    forward = graph_quads(plans, settings, curation)
    backward = graph_quads(list(reversed(plans)), settings, curation)
    assert forward == backward


def test_no_blank_nodes(seed_store: EmbeddedStore) -> None:
    ask = (
        "ASK { GRAPH ?g { { ?s ?p ?o FILTER isBlank(?s) } UNION { ?s ?p ?o FILTER isBlank(?o) } } }"
    )
    assert not bool(seed_store.query(ask))


def test_every_source_line_is_quoted_verbatim(seed_store: EmbeddedStore) -> None:
    """mkg:sourceText is exactly the document's lines named by mkg:sourceLine."""
    lines = (
        (PROJECT_ROOT / "data/sources/minami/2022/minami-r4-unei-hoshin.txt")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    query = """
    PREFIX mkg: <https://w3id.org/minami-kg/def#>
    SELECT ?s ?text (GROUP_CONCAT(STR(?line); separator=",") AS ?lines)
    WHERE { ?s mkg:sourceText ?text ; mkg:sourceLine ?line } GROUP BY ?s ?text
    """
    rows = list(seed_store.query(query))
    assert len(rows) >= 36 + 39 + 14
    for row in rows:
        numbers = sorted(int(n) for n in row["lines"].value.split(","))
        assert row["text"].value == "\n".join(lines[n - 1] for n in numbers), row["s"]


def test_plan_metadata(seed_store: EmbeddedStore) -> None:
    query = """
    PREFIX mkg: <https://w3id.org/minami-kg/def#>
    PREFIX dcterms: <http://purl.org/dc/terms/>
    PREFIX dcat: <http://www.w3.org/ns/dcat#>
    PREFIX org: <http://www.w3.org/ns/org#>
    PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT * WHERE {
      ?plan mkg:fiscalYear ?fy ; dcterms:temporal ?t ; dcterms:publisher ?ward ;
            prov:qualifiedPrimarySource/prov:entity ?doc .
      ?t dcat:startDate ?start ; dcat:endDate ?end .
      ?ward a org:OrganizationalUnit ; skos:prefLabel "南区"@ja ; skos:altLabel "横浜市南区"@ja ;
            mkg:localGovernmentCode ?code ;
            org:unitOf ?city .
      ?city skos:prefLabel "横浜市"@ja .
      ?doc a prov:Entity ; mkg:sha256 ?sha .
      ?pq a prov:PrimarySource ; prov:entity ?doc .
    }
    """
    rows = list(seed_store.query(query))
    assert len(rows) == 1
    row = rows[0]
    assert row["plan"].value == BASE + "id/minami/2022"
    assert row["fy"].value == "2022"
    assert (row["start"].value, row["end"].value) == ("2022-04-01", "2023-03-31")
    assert row["code"].value == "14105"
    assert len(row["sha"].value) == 64

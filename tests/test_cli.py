"""The `minami-kg` command, driven through click's runner against real stores."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from minami_kg.cli import main
from minami_kg.config import Settings
from minami_kg.store import EXPORT_FORMATS, EmbeddedStore

RDFLIB_FORMATS = {
    "ttl": "turtle",
    "nt": "nt",
    "nq": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
    "rdfxml": "xml",
}


def _store_dataset(store: EmbeddedStore) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=store.sorted_nquads(), format="nquads")
    return dataset


def _union(dataset: Dataset) -> Graph:
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


@pytest.mark.parametrize("fmt", sorted(RDFLIB_FORMATS))
def test_export_parses_back_isomorphic(
    fmt: str,
    runner: CliRunner,
    seed_settings: Settings,
    seed_store: EmbeddedStore,
    tmp_path: Path,
) -> None:
    out = tmp_path / f"graph.{fmt}"
    result = runner.invoke(
        main, ["export", "--store", str(seed_settings.store), "--format", fmt, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    expected = _store_dataset(seed_store)
    if EXPORT_FORMATS[fmt].supports_datasets:
        exported = Dataset()
        exported.parse(out, format=RDFLIB_FORMATS[fmt])
        graphs = {g.identifier for g in expected.graphs() if len(g)}
        assert graphs == {g.identifier for g in exported.graphs() if len(g)}
        for name in graphs:
            assert isomorphic(expected.graph(name), exported.graph(name)), name
    else:
        exported = Graph().parse(out, format=RDFLIB_FORMATS[fmt])
        assert len(exported) == len(_union(expected))
        assert isomorphic(exported, _union(expected))


def test_query_canned_by_name(runner: CliRunner, seed_settings: Settings) -> None:
    result = runner.invoke(
        main,
        ["query", "measures-by-area", "--store", str(seed_settings.store), "--format", "csv"],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 36
    assert rows[0]["area"] == "減災"
    assert rows[0]["measure"] == "防災・減災意識の向上"
    assert sum(int(r["actions"]) for r in rows) == 39


def test_query_text_as_json(runner: CliRunner, seed_settings: Settings) -> None:
    text = (
        "PREFIX mkg: <https://w3id.org/minami-kg/def#> "
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a mkg:Section }"
    )
    result = runner.invoke(
        main, ["query", text, "--store", str(seed_settings.store), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"n": "14"}]


def test_query_table_and_file(runner: CliRunner, seed_settings: Settings, tmp_path: Path) -> None:
    query_file = tmp_path / "areas.rq"
    query_file.write_text(
        "PREFIX mkg: <https://w3id.org/minami-kg/def#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?label WHERE { ?a a mkg:FocusArea ; mkg:order ?o ; skos:prefLabel ?label "
        "FILTER(lang(?label)='ja') } ORDER BY ?o",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["query", str(query_file), "--store", str(seed_settings.store)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "label"
    assert lines[2:8] == [
        "減災",
        "賑わい",
        "健やか",
        "子ども",
        "地域の力",
        "着実に取り組む事業・業務",
    ]
    assert lines[-1] == "(6 rows)"


def test_query_syntax_error_is_one_line(runner: CliRunner, seed_settings: Settings) -> None:
    result = runner.invoke(main, ["query", "SELECT WHERE {", "--store", str(seed_settings.store)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: bad query:")
    assert "Traceback" not in result.output + result.stderr


def test_stats(runner: CliRunner, seed_settings: Settings) -> None:
    result = runner.invoke(main, ["stats", "--store", str(seed_settings.store)])
    assert result.exit_code == 0, result.output
    counts = {
        line.rsplit(None, 1)[0].strip(): int(line.rsplit(None, 1)[1])
        for line in result.output.splitlines()
    }
    assert counts["measures"] == 36
    assert counts["actions"] == 39
    assert counts["sections"] == 14
    assert counts["priority focus areas"] == 4
    assert counts["quads"] > 1000


def test_validate_has_no_violations(runner: CliRunner, seed_settings: Settings) -> None:
    result = runner.invoke(main, ["validate", "--store", str(seed_settings.store)])
    assert result.exit_code == 0, result.output + result.stderr
    assert result.output.splitlines()[-1].startswith("0 violations, 0 warnings")


def test_commands_on_a_missing_store_say_so(runner: CliRunner, tmp_path: Path) -> None:
    for command in (["stats"], ["export"], ["validate"], ["query", "ASK {}"]):
        result = runner.invoke(main, [*command, "--store", str(tmp_path / "nothing")])
        assert result.exit_code == 1, command
        assert "run `minami-kg build` first" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1

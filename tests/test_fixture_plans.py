"""Other wards and years (tests/fixtures/plans): bare files, many plans in one store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from minami_kg.build import build
from minami_kg.cli import main
from minami_kg.config import Settings
from minami_kg.queries import find_query
from minami_kg.stats import graph_stats
from minami_kg.store import EmbeddedStore
from minami_kg.validate import validate_store

from .conftest import FIXTURES, SEED, settings_for

BASE = "http://127.0.0.1:8000/"


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One store holding every fixture plan, built from bare files (no manifests)."""
    documents = tmp_path_factory.mktemp("documents")
    for folder in (FIXTURES / "plans", FIXTURES / "family"):
        for path in folder.glob("*.txt"):
            shutil.copy(path, documents / path.name)
    settings = settings_for(tmp_path_factory.mktemp("family") / "store")
    build(settings, documents)
    return settings


def test_ward_and_year_come_from_the_title(family: Settings) -> None:
    stats = graph_stats(EmbeddedStore(family.store))
    assert sorted(stats.per_plan) == [
        BASE + "id/aoba/2023",
        BASE + "id/asahi/2021",
        BASE + "id/isogo/2024",
        BASE + "id/kanagawa/2021",
        BASE + "id/kanazawa/2020",
        BASE + "id/kohoku/2024",
        BASE + "id/naka/2018",
        BASE + "id/seya/2022",
        BASE + "id/totsuka/2018",
        BASE + "id/tsurumi/2023",
        BASE + "id/tsuzuki/2019",
    ]
    assert stats.per_plan[BASE + "id/kohoku/2024"] == {
        "areas": 4,
        "measures": 10,
        "actions": 14,
        "sections": 7,
    }
    assert BASE + "graph/org/kohoku" in stats.named_graphs


def test_ward_codes_and_city_from_curation(family: Settings) -> None:
    query = """
    PREFIX mkg: <https://w3id.org/minami-kg/def#>
    PREFIX org: <http://www.w3.org/ns/org#>
    SELECT ?ward ?code WHERE { ?ward a mkg:Ward ; mkg:localGovernmentCode ?code ;
                                     org:unitOf <http://127.0.0.1:8000/id/city/yokohama> }
    ORDER BY ?code
    """
    rows = [(r["ward"].value, r["code"].value) for r in EmbeddedStore(family.store).query(query)]
    assert rows[:4] == [
        (BASE + "id/tsurumi", "14101"),
        (BASE + "id/kanagawa", "14102"),
        (BASE + "id/naka", "14104"),
        (BASE + "id/isogo", "14107"),
    ]
    assert len(rows) == 11


def test_validate_warns_about_each_missing_english_label(family: Settings) -> None:
    store = EmbeddedStore(family.store)
    report = validate_store(
        store, family.ontology / "shapes.ttl", family.ontology / "minami-kg.ttl"
    )
    assert report.violations == []
    canned = find_query(family.queries, "missing-english-labels")
    assert canned is not None
    missing = {row["thing"].value for row in store.query(canned.text)}
    assert len(missing) > 20
    assert {w.focus for w in report.warnings} == missing
    assert all("English" in w.message for w in report.warnings)


def test_manifest_year_must_match_the_title(tmp_path: Path, runner: CliRunner) -> None:
    folder = tmp_path / "minami" / "2023"
    folder.mkdir(parents=True)
    shutil.copy(SEED, folder / "plan.txt")
    (folder / "manifest.toml").write_text(
        'ward = "minami"\nward_name = "南区"\nfiscal_year = 2023\n', encoding="utf-8"
    )
    result = runner.invoke(
        main, ["build", "--source", str(tmp_path), "--store", str(tmp_path / "store")]
    )
    assert result.exit_code == 1
    assert "the title says fiscal year 2022 but the manifest says 2023" in result.stderr
    assert not (tmp_path / "store").exists()


def test_two_plans_for_one_ward_and_year_are_refused(tmp_path: Path, runner: CliRunner) -> None:
    shutil.copy(SEED, tmp_path / "a.txt")
    shutil.copy(SEED, tmp_path / "b.txt")
    result = runner.invoke(
        main, ["build", "--source", str(tmp_path), "--store", str(tmp_path / "store")]
    )
    assert result.exit_code == 1
    assert "a second plan for 南区 2022" in result.stderr


def test_sections_persist_across_years(tmp_path: Path) -> None:
    """The same ward in two years: one section IRI, a goal per year."""
    for year, era in ((2022, "令和4年度"), (2023, "令和5年度")):
        text = SEED.read_text(encoding="utf-8").replace(
            "令和4年度 南区運営方針", f"{era} 南区運営方針"
        )
        (tmp_path / f"minami-{year}.txt").write_text(text, encoding="utf-8")
    settings = settings_for(tmp_path / "store")
    build(settings, tmp_path)
    store = EmbeddedStore(settings.store)
    stats = graph_stats(store)
    assert stats.counts["sections"] == 14
    assert stats.counts["section goals"] == 28
    query = """
    PREFIX mkg: <https://w3id.org/minami-kg/def#>
    SELECT ?goal WHERE { ?goal mkg:goalOf <http://127.0.0.1:8000/id/minami/section/somu> }
    ORDER BY ?goal
    """
    assert [r["goal"].value for r in store.query(query)] == [
        BASE + "id/minami/2022/goal/somu",
        BASE + "id/minami/2023/goal/somu",
    ]

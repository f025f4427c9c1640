"""Year over year on the fixture ward 架空区 (tests/fixtures/years), whose two years differ
by construction: one measure added, one dropped, one renamed slightly, one moved to another
focus area, one whose section changed (its action names 税務課 instead of 戸籍課), one area
renamed, the basic goal's slogan and one section's goal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from minami_kg.build import build
from minami_kg.cli import main
from minami_kg.config import Settings
from minami_kg.diff import (
    MATCH_THRESHOLD,
    MeasureState,
    PlanState,
    Ref,
    SameYear,
    UnknownPlan,
    diff,
    diff_plans,
    match_best_first,
    similarity,
)
from minami_kg.server import create_app
from minami_kg.store import EmbeddedStore, RemoteStore, open_store

from .conftest import FIXTURES, settings_for
from .oxigraph_server import OxigraphServer

YEARS = FIXTURES / "years"
BASE = "http://127.0.0.1:8000/"

EXPECTED: dict[str, Any] = {
    "added": [("脱炭素の取組", "着実に取り組む事業・業務")],
    "dropped": [("家具転倒防止の啓発", "防災・減災の推進")],
    "renamed": [("妊娠期からの切れ目のない支援", "妊娠期からの切れ目ない支援の充実")],
    "moved": [("高齢者の見守り活動の推進", "健康づくりと地域福祉", "地域の力")],
    "sections_changed": [("窓口サービスの向上", ["税務課"], ["戸籍課"])],
    "unchanged": 8,
    "areas_renamed": [("子育て支援", "子育て支援の充実")],
    "areas_added": [],
    "areas_dropped": [],
    "basic_goal": ("みんなでつくる安心のまちかくう", "みんなでつくる笑顔のまちかくう"),
    "section_goals": [
        (
            "区政推進課",
            "区民の皆さまの声を丁寧に伺い、施策に反映します。",
            "区民の皆さまの声を丁寧に伺い、施策に反映します。また、区の魅力を広く発信します。",
        )
    ],
}


def summary(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON form of a diff reduced to the labels the fixtures were written with."""
    measures, areas = body["measures"], body["areas"]
    return {
        "added": [(m["label"], m["area"]["label"]) for m in measures["added"]],
        "dropped": [(m["label"], m["area"]["label"]) for m in measures["dropped"]],
        "renamed": [(m["old"]["label"], m["new"]["label"]) for m in measures["renamed"]],
        "moved": [
            (m["new"]["label"], m["old"]["area"]["label"], m["new"]["area"]["label"])
            for m in measures["moved"]
        ],
        "sections_changed": [
            (
                m["new"]["label"],
                [s["label"] for s in m["sections_added"]],
                [s["label"] for s in m["sections_removed"]],
            )
            for m in measures["sections_changed"]
        ],
        "unchanged": measures["unchanged"],
        "areas_renamed": [
            (a["old"]["label"], a["new"]["label"])
            for a in areas["matched"]
            if a["old"]["label"] != a["new"]["label"]
        ],
        "areas_added": [a["label"] for a in areas["added"]],
        "areas_dropped": [a["label"] for a in areas["dropped"]],
        "basic_goal": (body["basic_goal"]["old"]["slogan"], body["basic_goal"]["new"]["slogan"]),
        "section_goals": [
            (g["section"]["label"], g["old"], g["new"]) for g in body["section_goals"]
        ],
    }


@pytest.fixture(scope="module")
def years(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = settings_for(tmp_path_factory.mktemp("years") / "store")
    result = build(settings, YEARS)
    assert [(p.document.ward, p.document.fiscal_year) for p in result.plans] == [
        ("kaku", 2023),
        ("kaku", 2024),
    ]
    return settings


@pytest.fixture(scope="module")
def store(years: Settings) -> EmbeddedStore:
    return EmbeddedStore(years.store)


@pytest.fixture(scope="module")
def web(years: Settings) -> FlaskClient:
    return create_app(years).test_client()


# --- similarity and matching --------------------------------------------------------------


def test_similarity_is_bigram_dice_on_folded_text() -> None:
    assert similarity("地域活動の支援", "地域活動の支援") == 1.0
    assert similarity("ＡＢ Ｃ", "ABC") == 1.0  # NFKC, whitespace ignored
    assert similarity("防災", "子育て") == 0.0
    # 切れ目のない支援 → 切れ目ない支援の充実: 11 of 13 + 15 bigrams shared
    assert similarity("妊娠期からの切れ目のない支援", "妊娠期からの切れ目ない支援の充実") == 22 / 28


def test_matching_is_one_to_one_and_best_first() -> None:
    old = ["地域活動の支援", "防災訓練"]
    new = ["地域活動の支援の充実", "地域活動の支援", "脱炭素"]
    pairs = match_best_first(old, new, similarity)
    assert pairs == [(0, 1, 1.0)]  # the exact match wins; 地域活動の支援の充実 stays added
    assert all(score >= MATCH_THRESHOLD for _, _, score in pairs)


def _plan(year: int, areas: list[str], measures: list[tuple[str, int]]) -> PlanState:
    """A plan by hand: area labels, and measures as (label, index of their area)."""
    refs = [Ref(f"x:{year}/area/{n}", label) for n, label in enumerate(areas)]
    states = tuple(
        MeasureState(f"x:{year}/m/{n}", label, None, refs[area], (area, n))
        for n, (label, area) in enumerate(measures)
    )
    ordered = tuple((r, n) for n, r in enumerate(refs))
    return PlanState("x", year, Ref(f"x:{year}", str(year)), ordered, states, None, {})


def test_equal_scores_keep_a_measure_in_its_own_area() -> None:
    """Two measures named alike in two areas: each stays in its own, none has moved."""
    old = _plan(1, ["防災", "地域の力"], [("地域活動の支援", 0), ("地域活動の支援", 1)])
    new = _plan(2, ["防災", "地域の力"], [("地域活動の支援", 1), ("地域活動の支援", 0)])
    result = diff_plans(old, new)
    assert {(m.old.iri, m.new.iri) for m in result.matched} == {
        ("x:1/m/1", "x:2/m/0"),
        ("x:1/m/0", "x:2/m/1"),
    }
    assert not result.moved and not result.added and not result.dropped


def test_a_measure_whose_area_is_gone_has_moved() -> None:
    old = _plan(1, ["防災", "減災"], [("地域防災拠点の機能強化", 1)])
    new = _plan(2, ["防災", "子育て"], [("地域防災拠点の機能強化", 0)])
    result = diff_plans(old, new)
    assert [a.label for a in result.areas_dropped] == ["減災"]
    assert [a.label for a in result.areas_added] == ["子育て"]
    assert [m.new.label for m in result.moved] == ["地域防災拠点の機能強化"]


# --- the module ---------------------------------------------------------------------------


def test_the_diff_is_what_the_fixtures_were_written_to_show(store: EmbeddedStore) -> None:
    result = diff(store, BASE, "kaku", 2023, 2024)
    assert summary(result.as_json()) == EXPECTED
    (renamed,) = result.renamed
    assert renamed.score == pytest.approx(round(2 / 3 * 22 / 28 + 1 / 3, 3))
    assert renamed.old.iri == BASE + "id/kaku/2023/measure/kosodate-shien-01"
    assert renamed.new.iri == BASE + "id/kaku/2024/measure/kosodate-shien-no-jujitsu-01"
    (moved,) = result.moved
    assert (moved.score, moved.renamed) == (1.0, False)
    assert moved.new.iri == BASE + "id/kaku/2024/measure/chiiki-no-chikara-03"
    assert len(result.matched) == 11 and result.threshold == MATCH_THRESHOLD


def test_the_diff_backwards_is_the_mirror_image(store: EmbeddedStore) -> None:
    forward = summary(diff(store, BASE, "kaku", 2023, 2024).as_json())
    backward = summary(diff(store, BASE, "kaku", 2024, 2023).as_json())
    assert backward["added"] == forward["dropped"] and backward["dropped"] == forward["added"]
    assert backward["renamed"] == [(b, a) for a, b in forward["renamed"]]
    assert backward["moved"] == [(m, b, a) for m, a, b in forward["moved"]]
    assert backward["sections_changed"] == [(m, r, a) for m, a, r in forward["sections_changed"]]


def test_unknown_plans_and_the_same_year_are_errors(store: EmbeddedStore) -> None:
    with pytest.raises(UnknownPlan, match="kaku 2025"):
        diff(store, BASE, "kaku", 2023, 2025)
    with pytest.raises(UnknownPlan):
        diff(store, BASE, "nowhere", 2023, 2024)
    with pytest.raises(UnknownPlan):
        diff(store, BASE, "no ward>", 2023, 2024)
    with pytest.raises(SameYear):
        diff(store, BASE, "kaku", 2023, 2023)


# --- the command --------------------------------------------------------------------------


def _cli(years: Settings, *args: str) -> Any:
    return CliRunner().invoke(main, ["diff", *args, "--store", str(years.store)])


def test_cli_json_is_the_modules_json(years: Settings, store: EmbeddedStore) -> None:
    result = _cli(years, "kaku", "2023", "2024", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body == diff(store, BASE, "kaku", 2023, 2024).as_json()
    assert summary(body) == EXPECTED


def test_cli_table(years: Settings) -> None:
    result = _cli(years, "kaku", "2023", "2024")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("  + 脱炭素の取組 [着実に取り組む事業・業務]") for line in lines)
    assert any(line.startswith("  - 家具転倒防止の啓発 [防災・減災の推進]") for line in lines)
    assert (
        "  妊娠期からの切れ目のない支援 → 妊娠期からの切れ目ない支援の充実 (score 0.857)" in lines
    )
    assert "  高齢者の見守り活動の推進: 健康づくりと地域福祉 → 地域の力 (score 1)" in lines
    assert "  窓口サービスの向上: +税務課 -戸籍課" in lines
    assert "  ~ 子育て支援 → 子育て支援の充実 (score 0.727)" in lines
    assert "unchanged measures: 8" in lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("kaku", "2023", "2023"), "both years are 2023"),
        (("kaku", "2023", "2030"), "no plan for kaku 2030"),
        (("nowhere", "2023", "2024"), "no plan for nowhere 2023"),
    ],
)
def test_cli_errors_are_one_line(years: Settings, args: tuple[str, ...], message: str) -> None:
    result = _cli(years, *args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


# --- the web ------------------------------------------------------------------------------


def test_json_twin_three_ways(web: FlaskClient, store: EmbeddedStore) -> None:
    expected = diff(store, BASE, "kaku", 2023, 2024).as_json()
    for response in (
        web.get("/diff/kaku/2023/2024.json"),
        web.get("/diff/kaku/2023/2024?format=json"),
        web.get("/diff/kaku/2023/2024", headers={"Accept": "application/json"}),
    ):
        assert response.status_code == 200 and response.mimetype == "application/json"
        assert response.get_json() == expected
    assert summary(expected) == EXPECTED


def test_html_page_links_every_measure_to_its_page(web: FlaskClient) -> None:
    response = web.get("/diff/kaku/2023/2024")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert '</diff/kaku/2023/2024.json>; rel="alternate"' in response.headers["Link"]
    page = response.get_data(as_text=True)
    body = web.get("/diff/kaku/2023/2024.json").get_json()["measures"]
    shown = [m["iri"] for m in body["added"] + body["dropped"]]
    shown += [m[side]["iri"] for m in body["renamed"] for side in ("old", "new")]
    shown += [m["new"]["iri"] for m in body["moved"] + body["sections_changed"]]
    assert len(shown) == 6
    for iri in shown:
        path = "/page/" + iri.removeprefix(BASE + "id/")
        assert f'href="{path}"' in page
        assert web.get(path).status_code == 200
    for section in ("zeimu", "koseki", "kusei-suishin"):
        assert f'href="/page/kaku/section/{section}"' in page


def test_html_speaks_english_on_request(web: FlaskClient) -> None:
    page = web.get("/diff/kaku/2023/2024?lang=en").get_data(as_text=True)
    assert "Measures added" in page and "Tax Section" in page
    assert "追加された施策" in web.get("/diff/kaku/2023/2024?lang=ja").get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/diff/kaku/2023/2030", "/diff/nowhere/2023/2024", "/diff/kaku/r5/2024"],
)
def test_unknown_ward_or_year_is_404_with_a_message(web: FlaskClient, path: str) -> None:
    page = web.get(path)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "運営方針はありません" in page.get_data(as_text=True)
    twin = web.get(path + ".json")
    assert twin.status_code == 404 and "error" in twin.get_json()


def test_the_same_year_twice_is_400(web: FlaskClient) -> None:
    page = web.get("/diff/kaku/2023/2023")
    assert page.status_code == 400 and "異なる二つの年度" in page.get_data(as_text=True)
    twin = web.get("/diff/kaku/2023/2023?format=json")
    assert twin.status_code == 400 and "both years are 2023" in twin.get_json()["error"]


# --- a remote store -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def remote_years(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A real `oxigraph serve` with the fixture years built into it."""
    folder = tmp_path_factory.mktemp("remote-years")
    server = OxigraphServer(folder / "oxigraph")
    server.start()
    try:
        build(server.settings().with_changes(dumps=folder / "dumps"), YEARS)
        yield server
    finally:
        server.stop()


def test_a_remote_store_gives_the_same_diff(
    remote_years: OxigraphServer, store: EmbeddedStore, tmp_path: Path
) -> None:
    remote = open_store(remote_years.settings())
    assert isinstance(remote, RemoteStore)
    expected = diff(store, BASE, "kaku", 2023, 2024).as_json()
    assert diff(remote, BASE, "kaku", 2023, 2024).as_json() == expected
    client = create_app(remote_years.settings()).test_client()
    assert client.get("/diff/kaku/2023/2024.json").get_json() == expected
    result = CliRunner().invoke(
        main, ["diff", "kaku", "2023", "2024", "--format", "json", *remote_years.options()]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == expected

"""Search: the index the build writes, `/search`, `/api/search`, `minami-kg index|search`.

The queries below are of the kinds people type: spelling variants (こども,
子供, 子ども), full- and half-width forms, one character, kana readings of
kanji, English, names of sections and partners. Each must bring the named
resource into the first five hits.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import Markup

from minami_kg.build import build
from minami_kg.cli import main
from minami_kg.config import PROJECT_ROOT, Settings
from minami_kg.search import IndexMissing, SearchIndex, build_index, search
from minami_kg.search import query as ranking
from minami_kg.search.corpus import Corpus
from minami_kg.search.index import write_index
from minami_kg.search.query import plan_query
from minami_kg.search.snippet import render, spans
from minami_kg.search.tokens import fold, fold_with_offsets, label_key, runs
from minami_kg.server import create_app
from minami_kg.server.follower import get_follower

from .conftest import SEED, settings_for
from .oxigraph_server import OxigraphServer

BASE = Settings().base
M = "minami/2022/measure/"

# (query, the resource that must be among the first five hits, by its path after id/)
EXPECTED = [
    ("こども", M + "kodomo-01"),  # 子ども家庭総合支援拠点機能の充実, written 子ども
    ("こども", "topic/kodomo"),
    ("子供", "minami/2022/area/kodomo"),
    ("子ども", M + "kodomo-01"),
    ("桜", "topic/sakura"),
    ("桜", M + "nigiwai-03"),  # the text says さくら
    ("さくら", M + "nigiwai-03"),
    ("ｻｸﾗ", "topic/sakura"),  # half-width katakana
    ("ＩＣＴ", M + "steady-work-09"),  # full-width Latin
    ("ict", M + "steady-work-09"),
    ("ＩＣＴ 窓口", M + "steady-work-09"),
    ("ぼうさい", "topic/bousai"),  # kana for 防災
    ("ぼうさい", M + "gensai-01"),
    ("ぼうさいきょてん", M + "gensai-04"),  # the reading of 防災拠点
    ("しょうてんがい", M + "nigiwai-04"),
    ("ｼｮｳﾃﾝｶﾞｲ", M + "nigiwai-04"),
    ("じさつたいさく", M + "sukoyaka-03"),
    ("disaster prevention", M + "gensai-01"),
    ("disaster prevention", M + "gensai-04"),
    ("children", "minami/2022/area/kodomo"),
    ("dementia", M + "sukoyaka-06"),
    ("shopping street", M + "nigiwai-04"),
    ("evacuation center", M + "gensai-04"),
    ("suicide", M + "sukoyaka-03"),
    ("welfare and health section", "minami/section/fukushi-hoken"),
    ("福祉保健課", "minami/section/fukushi-hoken"),
    ("税務課", "minami/section/zeimu"),
    ("区会計室", "minami/section/kaikei"),
    ("南土木事務所", "minami/section/doboku"),
    ("プロムナード", "minami/section/doboku"),  # only in the section's goal text
    ("自治会町内会", "partner/jichikai-chonaikai"),
    ("民生委員", "partner/minsei-iin"),
    ("区社協", "partner/kushakyo"),
    ("ﾎﾞﾗﾝﾃｨｱ", "partner/volunteer"),
    ("防災拠点", M + "gensai-04"),
    ("児童虐待", M + "kodomo-04"),
    ("認知症", M + "sukoyaka-06"),
    ("商店街", M + "nigiwai-04"),
    ("脱炭素", M + "steady-work-10"),
    ("多文化共生", M + "steady-work-03"),
    ("外国人", M + "steady-work-03"),  # through its topic's alias 外国人住民
    ("家具転倒防止", M + "gensai-02/action/1"),
    ("3R", M + "steady-work-02"),
    ("個人情報", M + "steady-work-08"),
    ("介護予防", M + "sukoyaka-05"),
    ("子育て", M + "kodomo-02"),
    ("まつり", M + "nigiwai-01"),
    ("祭り", M + "nigiwai-01"),
    ("見守り", M + "sukoyaka-06"),
    ("保育園", "minami/section/hoikuen"),
]

ODD = ['"', "*", "NEAR(", "OR", "AND NOT", "a OR b", '"子ども" NEAR("防災")', "name_word:子ども",
       "{name_word}:x", "^桜", "子ども*", "\x00\x01\x7f", "(", ")", "-", "'; DROP TABLE docs; --",
       "<script>alert(1)</script>", "\u200b", "🌸", "%", "\\"]  # fmt: skip


def _top(client: FlaskClient, query: str, n: int = 5, **params: str) -> list[str]:
    answer = client.get("/api/search", query_string={"q": query, "limit": n, **params})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [hit["iri"].removeprefix(BASE + "id/") for hit in answer.json["results"]]


# -- the index beside the store --------------------------------------------------------


def test_build_writes_the_index_beside_the_store(
    seed_settings: Settings, seed_build: object
) -> None:
    path = seed_settings.search_index_path
    assert path == seed_settings.store.parent / "search.sqlite"
    assert path.is_file()
    assert not list(path.parent.glob(".search-*")), "a staging file was left behind"


def test_the_setting_names_another_file(tmp_path: Path) -> None:
    settings = Settings.from_env({"MINAMI_KG_SEARCH_INDEX": str(tmp_path / "x.sqlite")})
    assert settings.search_index_path == tmp_path / "x.sqlite"


# -- tokens --------------------------------------------------------------------------


def test_variants_fold_to_one_key() -> None:
    assert label_key("こども") == label_key("子ども") == label_key("子供")
    assert label_key("ＩＣＴ") == label_key("ict") == "ict"
    assert fold("ｶﾀｶﾅ") == "カタカナ"
    assert label_key("Children") == label_key("child")


def test_folding_keeps_the_original_offsets() -> None:
    text = "ｶﾞｲﾄﾞとＩＣＴ"
    folded = fold_with_offsets(text)
    assert folded.text == "ガイドとict"
    start = folded.text.index("ict")
    assert text[slice(*folded.original_span(start, start + 3))] == "ＩＣＴ"
    start = folded.text.index("ガイド")
    assert text[slice(*folded.original_span(start, start + 3))] == "ｶﾞｲﾄﾞ"


def test_snippets_mark_the_text_as_written_and_escape_it() -> None:
    text = "<b>子ども</b> & ＩＣＴ"
    marks = spans(text, runs(fold("こども")) + runs(fold("ict")))
    assert [text[s:e] for s, e in marks] == ["子ども", "ＩＣＴ"]
    html = render(text, marks)
    assert isinstance(html, Markup)
    assert html == "&lt;b&gt;<mark>子ども</mark>&lt;/b&gt; &amp; <mark>ＩＣＴ</mark>"


def test_a_kana_query_marks_the_kanji_it_reads() -> None:
    text = "防災拠点の運営強化"
    marks = spans(text, runs(fold("ぼうさいきょてん")))
    assert [text[s:e] for s, e in marks] == ["防災拠点"]


# -- ranking over the seed -------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), EXPECTED)
def test_expected_hit_in_the_first_five(client: FlaskClient, query: str, expected: str) -> None:
    assert expected in _top(client, query)


def test_the_support_hub_measure_for_kodomo(client: FlaskClient, seed_store: object) -> None:
    hits = client.get("/api/search", query_string={"q": "こども", "limit": 5}).json["results"]
    labels = [hit["label"] for hit in hits]
    assert "子ども家庭総合支援拠点機能の充実" in labels


def test_variants_find_the_same_things(client: FlaskClient) -> None:
    found = [set(_top(client, q, n=100)) for q in ("こども", "子供", "子ども")]
    assert found[0] == found[1] == found[2]
    assert len(found[0]) > 20


def test_english_labels_in_english(client: FlaskClient) -> None:
    hits = client.get("/api/search?q=dementia&lang=en").json["results"]
    assert hits[0]["label"] == hits[0]["label_en"] != hits[0]["label_ja"]
    hits = client.get("/api/search?q=dementia&lang=ja").json["results"]
    assert hits[0]["label"] == hits[0]["label_ja"]


def test_every_kind_of_thing_is_searchable(client: FlaskClient) -> None:
    assert "minami/2022" in _top(client, "南区運営方針")  # the plan
    assert "minami/2022/basic-goal" in _top(client, "warm and caring")
    assert "minami/2022/goal/zeimu" in _top(client, "税務課", type="section-goal")
    assert "plan/chiku-betsu-keikaku" in _top(client, "地区別計画", type="cited-plan")
    assert "minami/2022/area/gensai" in _top(client, "減災")


# -- the API ------------------------------------------------------------------------


def test_api_shape(client: FlaskClient) -> None:
    answer = client.get("/api/search?q=防災")
    assert answer.status_code == 200
    body = answer.json
    assert body["query"] == "防災"
    assert body["total"] >= len(body["results"]) > 0
    for hit in body["results"]:
        assert {"iri", "label", "type", "snippet", "score"} <= hit.keys()
        assert hit["iri"].startswith(BASE + "id/")
        assert hit["href"] == "/page/" + hit["iri"].removeprefix(BASE + "id/")
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert all("<mark>" in hit["snippet"] for hit in body["results"]), body["results"]
    assert any("<mark>防災</mark>" in hit["snippet"] for hit in body["results"])


def test_facets_count_what_the_filters_give(client: FlaskClient) -> None:
    body = client.get("/api/search?q=こども&limit=100").json
    types = {}
    for hit in body["results"]:
        types[hit["type"]] = types.get(hit["type"], 0) + 1
    assert {v["value"]: v["count"] for v in body["facets"]["type"]} == types
    assert sum(types.values()) == body["total"]
    for kind in ("type", "area", "section"):
        assert body["facets"][kind], kind
        for value in body["facets"][kind]:
            narrowed = client.get(
                "/api/search", query_string={"q": "こども", kind: value["value"], "limit": 100}
            ).json
            assert narrowed["total"] == value["count"], (kind, value)


def test_filters_filter(client: FlaskClient) -> None:
    measures = client.get("/api/search?q=こども&type=measure&limit=100").json["results"]
    assert measures and {hit["type"] for hit in measures} == {"measure"}
    in_area = _top(client, "支援", n=100, type="measure", area="minami/2022/area/kodomo")
    assert in_area and all(iri.startswith(M + "kodomo-") for iri in in_area)
    same = _top(client, "支援", n=100, type="measure", area=BASE + "id/minami/2022/area/kodomo")
    assert same == in_area
    of_section = _top(client, "防災", n=100, section="minami/section/somu", type="measure")
    assert M + "gensai-04" in of_section  # 総務課 carries 防災拠点の運営強化
    assert M + "kodomo-01" not in of_section


def test_facet_values_are_labelled(client: FlaskClient) -> None:
    facets = client.get("/api/search?q=こども&lang=en").json["facets"]
    areas = {v["value"]: v["label"] for v in facets["area"]}
    assert areas[BASE + "id/minami/2022/area/kodomo"] == "Children"
    kinds = {v["value"] for v in facets["type"]}
    assert {"measure", "section", "topic"} <= kinds


@pytest.mark.parametrize("query", ["", "   ", "\x00\x01"])
def test_empty_query_is_400(client: FlaskClient, query: str) -> None:
    answer = client.get("/api/search", query_string={"q": query})
    assert answer.status_code == 400
    assert "empty" in answer.json["error"]
    assert client.get("/api/search").status_code == 400


def test_long_query_is_400(client: FlaskClient) -> None:
    answer = client.get("/api/search", query_string={"q": "防災" * 101})
    assert answer.status_code == 400
    assert "too long" in answer.json["error"]
    assert client.get("/search", query_string={"q": "防災" * 101}).status_code == 400
    assert client.get("/api/search", query_string={"q": "防災" * 100}).status_code == 200


@pytest.mark.parametrize("params", [{"limit": "abc"}, {"limit": "0"}, {"offset": "-1"}])
def test_bad_paging_is_400(client: FlaskClient, params: dict[str, str]) -> None:
    assert client.get("/api/search", query_string={"q": "桜", **params}).status_code == 400


@pytest.mark.parametrize("query", ODD)
def test_odd_input_never_reaches_fts5_as_syntax(client: FlaskClient, query: str) -> None:
    for path in ("/api/search", "/search"):
        answer = client.get(path, query_string={"q": query})
        assert answer.status_code in (200, 400), (path, answer.get_data(as_text=True))
        if path == "/search" and answer.status_code == 200:
            assert "<script>alert" not in answer.get_data(as_text=True)


def test_fts5_words_are_searched_as_words(client: FlaskClient) -> None:
    """Quotes, stars and operators typed by a person are neither syntax nor errors."""
    plain = client.get("/api/search?q=子ども").json["total"]
    for query in ('"子ども"', "子ども*", "(子ども)", "子ども:", "^子ども"):
        assert client.get("/api/search", query_string={"q": query}).json["total"] == plain
    with_or = client.get("/api/search", query_string={"q": "子ども OR 桜"}).json
    assert with_or["relaxed"]  # nothing has all three words (or is a word), so any will do


def test_typed_text_only_inside_quoted_phrases(seed_settings: Settings, seed_build: object) -> None:
    index = SearchIndex(seed_settings.search_index_path)
    with index.reading() as db:
        plan = plan_query(db, 'NEAR(子ども "x" OR y) AND z* {name_word}:a -b ^c')
    assert plan.candidates is not None
    outside = re.sub(r'"(?:[^"]|"")*"', "", plan.candidates)
    assert re.fullmatch(r"[{}a-z_ :()*ANDOR]*", outside), outside
    assert "near" not in outside.lower() and "NOT" not in outside


# -- how the ranking reads FTS5: the same scores and documents as one MATCH per way ----------


@pytest.fixture
def seed_index(seed_settings: Settings, seed_build: object) -> Iterator[sqlite3.Connection]:
    index = SearchIndex(seed_settings.search_index_path)
    with index.reading() as db:
        yield db
    index.close()


def _every_run(plan: ranking._Plan) -> list[ranking.Ways]:
    every = [*plan.own, *(ways for label in plan.synonyms for ways in label)]
    return list({tuple(ways): ways for ways in every}.values())


def _alone(db: sqlite3.Connection, way: ranking.Way, limit: int = -1) -> dict[int, float]:
    rows = db.execute(
        f"SELECT rowid, -bm25(fts, {ranking._WEIGHTS}) FROM fts WHERE fts MATCH ? LIMIT ?",
        (way.match, limit),
    )
    return dict(rows)


def _best(db: sqlite3.Connection, ways: ranking.Ways, limit: int = -1) -> dict[int, float]:
    best: dict[int, float] = {}
    for way in ways:
        for doc, score in _alone(db, way, limit).items():
            best[doc] = max(best.get(doc, 0.0), score)
    return best


@pytest.mark.parametrize("text", ["こども", "さくら", "桜", "ict", "child care", "ＩＣＴ 窓口"])
def test_a_run_scores_as_its_best_way_matched_alone(
    seed_index: sqlite3.Connection, text: str
) -> None:
    """One MATCH of a run's ways of different kinds gives each way its own BM25."""
    plan = plan_query(seed_index, text)
    kinds = set()
    for ways in _every_run(plan):
        found = ranking._Matches(seed_index).run(ways)
        assert found == pytest.approx(_best(seed_index, ways), rel=1e-12), [w.match for w in ways]
        kinds.add(tuple(sorted(w.kind for w in ways)))
    assert any(len(set(k)) > 1 for k in kinds), kinds  # a MATCH of several kinds was made


def test_past_the_cap_each_way_scores_the_documents_it_would_alone(
    seed_index: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranking, "MATCH_CAP", 5)
    ways = plan_query(seed_index, "こども").own[0]
    assert len({way.kind for way in ways}) == 3
    matches = ranking._Matches(seed_index)
    assert matches.run(ways) == pytest.approx(_best(seed_index, ways, limit=5), rel=1e-12)
    assert matches.capped


def test_a_prefix_way_is_left_out_only_when_it_adds_nothing(
    seed_index: sqlite3.Connection,
) -> None:
    dropped = kept = 0
    for text in ("ict", "children", "child care", "support", "disaster prevention"):
        for ways in _every_run(plan_query(seed_index, text)):
            needed = ranking._needed(seed_index, ways)
            for way in ways:
                if not way.prefix:
                    continue
                if way in needed:
                    kept += 1
                    continue
                dropped += 1
                exact = next(w for w in ways if not w.prefix)
                assert _alone(seed_index, way) in ({}, _alone(seed_index, exact)), way.match
    assert dropped and kept, (dropped, kept)
    words = [w for w in ranking._ways(runs("child")[0]) if w.prefix]
    assert ranking._needed(seed_index, words) == words  # childcare, childrearing …


@pytest.mark.parametrize(
    ("text", "relaxed"),
    [("こども", False), ("ＩＣＴ 窓口", False), ("民生委員", False), ("子ども OR 桜", True),
     ("disaster prevention", False), ("防災 welfare", True)],
)  # fmt: skip
def test_candidates_from_the_runs_are_those_fts5_matches(
    seed_index: sqlite3.Connection, text: str, relaxed: bool
) -> None:
    plan = plan_query(seed_index, text)
    matches = ranking._Matches(seed_index)
    found = [row[0] for row in ranking._candidates(seed_index, plan, matches, relaxed)]
    expression = plan.relaxed if relaxed else plan.candidates
    rows = seed_index.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (expression,))
    assert found == [doc for (doc,) in rows]
    assert found and not matches.capped


def test_candidates_past_the_cap_are_those_fts5_gives_first(
    seed_index: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranking, "MATCH_CAP", 3)
    plan = plan_query(seed_index, "こども")
    matches = ranking._Matches(seed_index)
    found = [row[0] for row in ranking._candidates(seed_index, plan, matches, False)]
    rows = seed_index.execute("SELECT rowid FROM fts WHERE fts MATCH ? LIMIT 3", (plan.candidates,))
    assert matches.capped
    assert found == [doc for (doc,) in rows]


def test_offset_pages_through(client: FlaskClient) -> None:
    everything = _top(client, "支援", n=40)
    second = client.get("/api/search?q=支援&limit=10&offset=10").json["results"]
    assert [hit["iri"].removeprefix(BASE + "id/") for hit in second] == everything[10:20]


# -- the page -------------------------------------------------------------------------


def test_empty_page_is_a_form(client: FlaskClient) -> None:
    page = client.get("/search?lang=ja")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<form class="search-form" role="search" action="/search" method="get">' in html
    assert '<label for="q">' in html
    assert "件見つかりました" not in html


def test_page_shows_hits_snippets_and_facets(client: FlaskClient) -> None:
    page = client.get("/search?q=こども&lang=ja")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/page/minami/2022/measure/kodomo-01"' in html
    assert "<mark>子ども</mark>" in html
    assert "件見つかりました" in html
    assert 'href="/search?q=%E3%81%93%E3%81%A9%E3%82%82&amp;type=measure"' in html
    assert "area=minami%2F2022%2Farea%2Fkodomo" in html
    assert 'value="こども"' in html  # the query stays in the box
    assert page.headers["Link"].endswith('rel="alternate"; type="application/json"')


def test_page_in_english_and_filtered(client: FlaskClient) -> None:
    html = client.get("/search?q=こども&type=measure&lang=en").get_data(as_text=True)
    assert "Strengthening the comprehensive support hub for children and families" in html
    assert '<strong aria-current="true">Measure</strong>' in html
    assert 'href="/search?q=%E3%81%93%E3%81%A9%E3%82%82">clear' in html
    assert '<input type="hidden" name="type" value="measure">' in html


def test_page_json_twin(client: FlaskClient) -> None:
    twin = client.get("/search?q=桜&format=json")
    assert twin.json["results"] == client.get("/api/search?q=桜").json["results"]
    assert client.get("/search", headers={"Accept": "application/json"}).status_code == 400


def test_page_error_for_long_query(client: FlaskClient) -> None:
    page = client.get("/search", query_string={"q": "あ" * 300, "lang": "en"})
    assert page.status_code == 400
    assert 'role="alert"' in page.get_data(as_text=True)


# -- escaping, over a document with markup in it -----------------------------------------


@pytest.fixture(scope="module")
def marked_up(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """A store built from the seed with HTML inside one measure's action."""
    root = tmp_path_factory.mktemp("markup")
    sources = root / "sources" / "minami" / "2022"
    sources.mkdir(parents=True)
    text = SEED.read_text(encoding="utf-8")
    action = "家具転倒防止、ガラス飛散防止"
    assert action in text
    text = text.replace(action, '家具転倒防止<b onclick="x()">&amp;</b>、ガラス飛散防止', 1)
    (sources / SEED.name).write_text(text, encoding="utf-8")
    for extra in (PROJECT_ROOT / "data" / "sources" / "minami" / "2022").glob("*.toml"):
        shutil.copy(extra, sources / extra.name)
    settings = settings_for(root / "store").with_changes(sources=root / "sources")
    build(settings)
    return create_app(settings)


def test_snippets_escape_the_document(marked_up: Flask) -> None:
    client = marked_up.test_client()
    hits = client.get("/api/search?q=家具転倒防止").json["results"]
    snippet = next(h["snippet"] for h in hits if "&lt;b onclick" in h["snippet"])
    assert "<mark>家具転倒防止</mark>&lt;b onclick=&#34;x()&#34;&gt;&amp;amp;&lt;/b&gt;" in snippet
    html = client.get("/search?q=家具転倒防止").get_data(as_text=True)
    assert "<b onclick" not in html
    assert "&lt;b onclick=&#34;x()&#34;&gt;" in html


# -- a missing or replaced index ---------------------------------------------------------


def test_missing_index_is_503_saying_it_is_being_built(
    seed_settings: Settings, tmp_path: Path
) -> None:
    settings = seed_settings.with_changes(search_index=tmp_path / "none.sqlite")
    app = create_app(settings)
    get_follower(app).stop()  # so that the index stays missing (test_instances: it is built)
    client = app.test_client()
    answer = client.get("/api/search?q=桜")
    assert answer.status_code == 503
    assert "being built" in answer.json["error"]
    assert "minami-kg index" in answer.json["error"]
    assert answer.headers["Retry-After"].isdigit()
    page = client.get("/search?q=桜")
    assert page.status_code == 503
    assert page.headers["Retry-After"].isdigit()
    assert "minami-kg index" in page.get_data(as_text=True)
    assert client.get("/search").status_code == 200  # the empty form still shows
    assert not (tmp_path / "none.sqlite").exists()


def test_a_replaced_index_is_read_without_a_restart(
    seed_settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "search.sqlite"
    settings = seed_settings.with_changes(search_index=path)
    app = create_app(settings)
    get_follower(app).stop()  # the index is written by the test alone
    client = app.test_client()
    assert client.get("/api/search?q=桜").status_code == 503
    from minami_kg.store import open_store

    build_index(open_store(seed_settings), seed_settings.base, path)
    assert client.get("/api/search?q=桜").json["total"] > 0
    write_index(Corpus(documents=[], synonyms=[]), path)
    assert client.get("/api/search?q=桜").json["total"] == 0


def test_an_index_of_another_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(IndexMissing, match="minami-kg index"):
        search(SearchIndex(path), "桜")


# -- the command line --------------------------------------------------------------------


def test_cli_index_and_search(seed_settings: Settings, seed_build: object, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"MINAMI_KG_SEARCH_INDEX": str(tmp_path / "cli.sqlite")}
    store = ["--store", str(seed_settings.store)]
    done = runner.invoke(main, ["index", *store], env=env)
    assert done.exit_code == 0, done.output
    assert "resources indexed in" in done.output
    found = runner.invoke(main, ["search", "こども", "--limit", "5", *store], env=env)
    assert found.exit_code == 0, found.output
    assert "子ども家庭総合支援拠点機能の充実" in found.output
    assert "found" in found.output.splitlines()[-1]
    found = runner.invoke(
        main, ["search", "防災", "--type", "measure", "--format", "json", *store], env=env
    )
    body = json.loads(found.output)
    assert body["results"] and {hit["type"] for hit in body["results"]} == {"measure"}
    assert "<mark>" in body["results"][0]["snippet"]


def test_cli_search_errors(seed_settings: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    store = ["--store", str(seed_settings.store)]
    empty = runner.invoke(main, ["search", "  ", *store])
    assert empty.exit_code == 2
    missing = runner.invoke(
        main, ["search", "桜", *store], env={"MINAMI_KG_SEARCH_INDEX": str(tmp_path / "no")}
    )
    assert missing.exit_code == 1
    assert "minami-kg index" in missing.output


# -- the remote backend --------------------------------------------------------------------


@pytest.fixture(scope="module")
def remote_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path_factory.mktemp("remote-search") / "oxigraph")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_remote_build_index_and_search(remote_server: OxigraphServer, tmp_path: Path) -> None:
    runner = CliRunner()
    index = tmp_path / "remote.sqlite"
    env = {"MINAMI_KG_SEARCH_INDEX": str(index), "MINAMI_KG_STORE": str(tmp_path / "unused")}
    built = runner.invoke(main, ["build", *remote_server.options()], env=env)
    assert built.exit_code == 0, built.output + remote_server.stderr()
    assert index.is_file()
    first = index.stat().st_ino
    again = runner.invoke(main, ["index", *remote_server.options()], env=env)
    assert again.exit_code == 0, again.output
    assert index.stat().st_ino != first  # written aside and renamed over
    settings = remote_server.settings().with_changes(search_index=index)
    client = create_app(settings).test_client()
    assert M + "kodomo-01" in _top(client, "こども")
    assert M + "gensai-01" in _top(client, "disaster prevention")
    assert not os.path.exists(tmp_path / "unused")

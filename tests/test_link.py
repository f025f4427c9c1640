"""The linker on the seed, measured against a gold list read from the document by hand.

`tests/gold/section-measure-links.toml` lists section → measure links as
"plain" (the text states them) or "likely" (right, but only implied).
Recall is measured on plain links; precision counts an accepted link as right
when it is in either list.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from minami_kg.config import PROJECT_ROOT
from minami_kg.curation import Curation, LinkOverride, load_curation
from minami_kg.extract import read_plan
from minami_kg.extract.model import Plan
from minami_kg.link import PlanLinks, link_plan

from .conftest import SEED

GOLD = Path(__file__).parent / "gold" / "section-measure-links.toml"
MIN_RECALL = 0.90
MIN_PRECISION = 0.80


@pytest.fixture(scope="module")
def plan() -> Plan:
    return read_plan(SEED)


@pytest.fixture(scope="module")
def curation() -> Curation:
    return load_curation(PROJECT_ROOT / "data" / "curation")


@pytest.fixture(scope="module")
def links(plan: Plan, curation: Curation) -> PlanLinks:
    return link_plan(plan, curation, ward="minami", fiscal_year=2022)


def _gold(kind: str) -> set[tuple[str, str]]:
    entries = tomllib.loads(GOLD.read_text(encoding="utf-8"))["link"]
    return {(e["section"], e["measure"]) for e in entries if e["kind"] == kind}


def _accepted(plan: Plan, links: PlanLinks) -> set[tuple[str, str]]:
    return {
        (plan.sections[c.section].name, plan.focus_areas[c.area].measures[c.measure].title)
        for c in links.contributions
        if c.accepted
    }


def _recall_precision(plan: Plan, links: PlanLinks) -> tuple[float, float]:
    accepted = _accepted(plan, links)
    plain, likely = _gold("plain"), _gold("likely")
    recall = len(plain & accepted) / len(plain)
    precision = len(accepted & (plain | likely)) / len(accepted)
    return recall, precision


def test_gold_list_names_real_measures_and_sections(plan: Plan) -> None:
    titles = {m.title for m in plan.measures}
    names = {s.name for s in plan.sections}
    for section, measure in _gold("plain") | _gold("likely"):
        assert measure in titles
        assert section in names


def test_recall_and_precision_against_the_gold_list(plan: Plan, links: PlanLinks) -> None:
    recall, precision = _recall_precision(plan, links)
    assert recall >= MIN_RECALL, f"recall {recall:.2f}"
    assert precision >= MIN_PRECISION, f"precision {precision:.2f}"


def test_the_linker_alone_meets_the_bar(plan: Plan, curation: Curation) -> None:
    """Without the curated overrides, the figures still hold."""
    bare = Curation(**{**curation.__dict__, "overrides": ()})
    recall, precision = _recall_precision(plan, link_plan(plan, bare))
    assert recall >= MIN_RECALL, f"recall {recall:.2f}"
    assert precision >= MIN_PRECISION, f"precision {precision:.2f}"


def test_every_link_has_evidence_on_both_sides(plan: Plan, links: PlanLinks) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    assert links.contributions
    for c in links.contributions:
        assert c.evidence, c
        for ev in c.evidence:
            for side in (ev.section_side, ev.measure_side):
                assert side.exact
                raw = "".join(lines[side.line - 1].split())
                assert "".join(side.exact.split()) in raw or c.method == "curated", (c, side)


def test_explicit_mention_links_both_sections_of_line_113(plan: Plan, links: PlanLinks) -> None:
    found = {
        plan.sections[c.section].name: c
        for c in links.contributions
        if plan.focus_areas[c.area].measures[c.measure].title == "ICTを活用した窓口サービス向上"
    }
    for name in ("戸籍課", "保険年金課"):
        link = found[name]
        assert link.method == "explicit-mention"
        assert link.accepted
        (evidence,) = link.evidence
        assert evidence.measure_side.exact == name
        assert evidence.measure_side.line == 113


def test_no_link_on_common_words_alone(plan: Plan, links: PlanLinks) -> None:
    common = {"地域", "支援", "推進", "向上", "区民", "連携"}
    for c in links.contributions:
        assert {ev.basis for ev in c.evidence} - common, c


def test_overrides_add_and_reject(plan: Plan, curation: Curation) -> None:
    measure = "商店街活性化"
    add = LinkOverride("add", "区会計室", measure, "test: added by hand")
    added = link_plan(plan, Curation(**{**curation.__dict__, "overrides": (add,)}))
    (link,) = [
        c
        for c in added.contributions
        if plan.sections[c.section].name == "区会計室"
        and plan.focus_areas[c.area].measures[c.measure].title == measure
    ]
    assert (link.method, link.accepted, link.note) == ("curated", True, "test: added by hand")
    assert link.evidence

    reject = LinkOverride("reject", "戸籍課", "ICTを活用した窓口サービス向上", "test: rejected")
    rejected = link_plan(plan, Curation(**{**curation.__dict__, "overrides": (reject,)}))
    assert ("戸籍課", "ICTを活用した窓口サービス向上") not in _accepted(plan, rejected)


def test_partners_topics_and_cited_plans_are_found(plan: Plan, links: PlanLinks) -> None:
    partners = {m.target for m in links.partners}
    assert partners >= {
        "jichikai-chonaikai",
        "kushakyo",
        "chiiki-care-plaza",
        "minsei-iin",
        "hoken-katsudo-suishinin",
        "ishikai",
        "hama-road-supporter",
        "koen-aigokai",
        "minkan-en",
    }
    cited = {m.target for m in links.citations}
    assert cited >= {"chiiki-fukushi-hoken-keikaku", "minami-action-plan", "yokohama-3r-yume-plan"}
    assert len({m.target for m in links.topics}) >= 40
    # 区社協 is named by the action of measure 地域支援チーム (line 98)
    (kushakyo,) = [m for m in links.partners if m.target == "kushakyo"]
    assert (kushakyo.quote.exact, kushakyo.quote.line, kushakyo.quote.ref.kind) == (
        "区社協",
        98,
        "action",
    )
    for mention in (*links.partners, *links.topics, *links.citations):
        assert mention.quote.exact
        assert mention.quote.line > 0


def test_assigned_sections_are_accepted_explicit_links_with_the_annotation() -> None:
    plan = read_plan(
        Path(__file__).parent / "fixtures" / "layouts" / "mine" / "kawabe-r6-tanto.txt"
    )
    links = link_plan(plan, Curation())
    explicit = {
        (plan.sections[c.section].name, plan.focus_areas[c.area].measures[c.measure].title): c
        for c in links.contributions
        if c.method == "explicit-mention"
    }
    assert set(explicit) == {
        ("総務課", "防災拠点の機能強化"),
        ("高齢・障害支援課", "見守りの推進"),
        ("地域振興課", "見守りの推進"),
        ("地域振興課", "区民まつりの開催"),
        ("区政推進課", "区民まつりの開催"),
        ("地域振興課", "商店街の支援"),
    }
    assert all(c.accepted for c in explicit.values())
    festival = explicit[("区政推進課", "区民まつりの開催")].evidence[0]
    assert festival.measure_side.exact == "（担当：地域振興課、区政推進課）"

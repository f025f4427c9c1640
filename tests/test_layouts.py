"""Documents in every layout of the family (tests/fixtures/layouts/), read as expected.

Each document's expected reading in `text/expected.toml` was written by hand from
the document before the reader ran on it; every field listed there must come out
exactly. The documents are invented wards with invented words.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from minami_kg.build import ReadOptions, read_source
from minami_kg.curation import Curation
from minami_kg.extract import PlanError
from minami_kg.extract.model import AreaKind, Plan
from minami_kg.sources import discover

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"
# text/: one document per layout of the family; round2/ and round3/: the same written
# again, combined differently, as web pages and PDFs, by someone who had not seen the reader
FOLDERS = ("text", "round2", "round3", "round4", "round5", "round6", "round7")
EXPECTED: dict[str, dict] = {
    f"{folder}/{name}": expected
    for folder in FOLDERS
    for name, expected in tomllib.loads(
        (LAYOUTS / folder / "expected.toml").read_text(encoding="utf-8")
    ).items()
}


def _reading(plan: Plan) -> dict[str, object]:
    """The plan in the terms expected.toml uses."""
    goal = plan.basic_goal
    return {
        "ward_name": plan.ward_name,
        "fiscal_year": plan.fiscal_year,
        "basic_goal": goal.slogan if goal else "",
        "n_goal_statements": len(goal.statements) if goal else 0,
        "areas": [a.name for a in plan.focus_areas],
        "kinds": {a.name: str(a.kind) for a in plan.focus_areas if a.kind is not AreaKind.FOCUS},
        "measures_per_area": [len(a.measures) for a in plan.focus_areas],
        "measures": [[m.title for m in a.measures] for a in plan.focus_areas],
        "actions": len(plan.actions),
        "sections": [s.name for s in plan.sections],
        "explicit_links": sorted([s, m.title] for m in plan.measures for s in m.sections),
        "cross_cutting": len(plan.statements),
    }


def _read(name: str, hints: dict[str, object]) -> Plan:
    options = ReadOptions(
        ward_name=hints.get("ward_name"),  # type: ignore[arg-type]
        fiscal_year=hints.get("fiscal_year"),  # type: ignore[arg-type]
    )
    [source] = discover(LAYOUTS / name)
    return read_source(source, Curation(), options).plan


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if not e.get("refused")))
def test_layout_document(name: str) -> None:
    expected = EXPECTED[name]
    reading = _reading(_read(name, expected.get("hints", {})))
    for field, value in reading.items():
        if field not in expected:
            continue
        want = expected[field]
        if field == "explicit_links":
            want = sorted(want)
        assert value == want, field


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e.get("refused")))
def test_layout_non_plan_is_refused(name: str) -> None:
    with pytest.raises(PlanError) as info:
        _read(name, {})
    assert "\n" not in str(info.value) and name in str(info.value)


def test_every_layout_document_is_checked() -> None:
    documents = {
        f"{folder}/{p.name}"
        for folder in FOLDERS
        for p in (LAYOUTS / folder).iterdir()
        if p.name not in ("expected.toml", "README.md", "src")  # src: what the PDFs are made from
    }
    assert documents == set(EXPECTED)

"""Documents of the family written without looking at the parser (tests/fixtures/family).

Each document's expected reading is in `expected.toml`, written by hand from
the document; every field listed there must come out exactly.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from minami_kg.extract import read_plan
from minami_kg.extract.model import AreaKind, Plan

FAMILY = Path(__file__).parent / "fixtures" / "family"
EXPECTED: dict[str, dict] = tomllib.loads((FAMILY / "expected.toml").read_text(encoding="utf-8"))


def _reading(plan: Plan) -> dict[str, object]:
    """The plan in the terms expected.toml uses."""
    goal = plan.basic_goal
    kinds = {a.kind: a.name for a in reversed(plan.focus_areas)}
    return {
        "ward_name": plan.ward_name,
        "fiscal_year": plan.fiscal_year,
        "city_name": plan.city_name,
        "basic_goal": goal.slogan if goal else None,
        "subtitle": goal.subtitle if goal else None,
        "n_goal_statements": len(goal.statements) if goal else 0,
        "areas": [a.name for a in plan.focus_areas],
        "priority": [a.name for a in plan.focus_areas if a.is_priority],
        "foundation": kinds.get(AreaKind.FOUNDATION),
        "catch_all": kinds.get(AreaKind.CATCH_ALL),
        "measures_per_area": [len(a.measures) for a in plan.focus_areas],
        "actions": len(plan.actions),
        "principles": len(plan.principles),
        "sections": [s.name for s in plan.sections],
        "sites": {s.name: list(s.sites) for s in plan.sections if len(s.sites) > 1},
        "contact_tel": plan.contact.telephone if plan.contact else None,
        "contact_fax": plan.contact.fax if plan.contact else None,
        "flags": sorted(
            [[m.title, f] for m in plan.measures for f in m.flags]
            + [[a.text, f] for a in plan.actions for f in a.flags]
        ),
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_family_document(name: str) -> None:
    expected = EXPECTED[name]
    reading = _reading(read_plan(FAMILY / name))
    for field, value in reading.items():
        if field not in expected:
            assert value in (None, 0, [], {}), f"{field}: got {value!r}, expected nothing"
            continue
        want = sorted(expected[field]) if field == "flags" else expected[field]
        assert value == want, field


def test_every_family_document_is_checked() -> None:
    documents = {p.name for p in FAMILY.iterdir() if p.is_file() and p.suffix == ".txt"}
    assert documents == set(EXPECTED)

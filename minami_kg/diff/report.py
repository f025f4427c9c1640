"""The diff as lines of text for a terminal (`minami-kg diff --format table`).

The web page renders the same `PlanDiff` with its own template; the JSON form
is `PlanDiff.as_json`.
"""

from __future__ import annotations

from minami_kg.diff.model import BasicGoalState, PlanDiff
from minami_kg.diff.similarity import same_text


def text_report(d: PlanDiff) -> list[str]:
    """One line per change, grouped under a heading per kind; empty kinds left out."""
    lines = [f"{d.ward}: {d.old_plan.label} ({d.old_year}) → {d.new_plan.label} ({d.new_year})"]
    renamed_areas = [a for a in d.areas_matched if not same_text(a.old.label, a.new.label)]
    if renamed_areas or d.areas_added or d.areas_dropped:
        lines.append("focus areas:")
        lines += [f"  ~ {a.old.label} → {a.new.label} (score {a.score:g})" for a in renamed_areas]
        lines += [f"  + {a.label}" for a in d.areas_added]
        lines += [f"  - {a.label}" for a in d.areas_dropped]
    lines += _section(
        "measures added", [f"+ {m.label} [{m.area.label}]  <{m.iri}>" for m in d.added]
    )
    lines += _section(
        "measures dropped", [f"- {m.label} [{m.area.label}]  <{m.iri}>" for m in d.dropped]
    )
    lines += _section(
        "renamed", [f"{m.old.label} → {m.new.label} (score {m.score:g})" for m in d.renamed]
    )
    lines += _section(
        "moved",
        [
            f"{m.new.label}: {m.old.area.label} → {m.new.area.label} (score {m.score:g})"
            for m in d.moved
        ],
    )
    lines += _section(
        "sections changed",
        [
            f"{m.new.label}: "
            + " ".join(
                [
                    *(f"+{s.label}" for s in m.sections_added),
                    *(f"-{s.label}" for s in m.sections_removed),
                ]
            )
            for m in d.sections_changed
        ],
    )
    lines.append(f"unchanged measures: {d.unchanged}")
    if d.basic_goal:
        old, new = d.basic_goal.old, d.basic_goal.new
        lines.append(f"basic goal: {_goal_text(old)} → {_goal_text(new)}")
    for goal in d.section_goals:
        lines.append(f"section goal of {goal.section.label} (score {goal.score:g}):")
        lines.append(f"  - {_or_dash(goal.old)}")
        lines.append(f"  + {_or_dash(goal.new)}")
    return lines


def _goal_text(goal: BasicGoalState | None) -> str:
    if goal is None:
        return "—"
    return goal.slogan + (f" 〜{goal.subtitle}〜" if goal.subtitle else "")


def _or_dash(text: str | None) -> str:
    return "—" if text is None else text


def _section(title: str, items: list[str]) -> list[str]:
    return [f"{title} ({len(items)}):", *(f"  {item}" for item in items)] if items else []

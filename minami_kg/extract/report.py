"""A reading as an outline staff can check: what was read where, and what was not.

`outline()` gives plain, JSON-able data (the `read` command's `--format json`
and the JSON twin of a plan's reading page); `outline_text()` the same as
indented text. Every item carries its place in the file as published.
"""

from __future__ import annotations

import dataclasses
from pathlib import PurePath
from typing import Any

from .model import Source
from .reading import Reading

FIRST_WORDS = 40  # characters of a section's goal shown in the outline


def _at(reading: Reading, source: Source | None) -> str | None:
    """Where a thing was read, with the file's name only: "plan.txt:12", "plan.pdf p.3 y=140"."""
    if source is None:
        return None
    origin = reading.document.origin(source.first_line)
    return str(dataclasses.replace(origin, file=PurePath(origin.file).name))


def _at_line(reading: Reading, line: int) -> str:
    return _at(reading, Source((line,), "")) or ""


def _where(reading: Reading, source: Source | None) -> dict[str, Any]:
    """ "at": where in the file as published; "line": the line of the document's text."""
    return {"at": _at(reading, source), "line": None if source is None else source.first_line}


def outline(reading: Reading) -> dict[str, Any]:
    """The reading as nested dicts and lists, in document order."""
    plan = reading.plan
    goal = plan.basic_goal
    return {
        "files": [PurePath(name).name for name in reading.document.files],
        "title": plan.title,
        "ward": plan.ward_name,
        "fiscal_year": plan.fiscal_year,
        "city": plan.city_name,
        **_where(reading, plan.source),
        "basic_goal": None
        if goal is None
        else {
            "label": goal.slogan,
            "subtitle": goal.subtitle,
            "statements": list(goal.statements),
            **_where(reading, goal.source),
        },
        "areas": [
            {
                "number": area.number,
                "label": area.name,
                "kind": str(area.kind),
                "priority": area.is_priority,
                **_where(reading, area.source),
                "measures": [
                    {
                        "label": measure.title,
                        "flags": list(measure.flags),
                        "sections": list(measure.sections),
                        **_where(reading, measure.source),
                        "actions": [
                            {"label": action.text, **_where(reading, action.source)}
                            for action in measure.actions
                        ],
                    }
                    for measure in area.measures
                ],
            }
            for area in plan.focus_areas
        ],
        "statements": [
            {"label": s.title, "text": s.text, **_where(reading, s.source)} for s in plan.statements
        ],
        "principles": [{"label": p.title, **_where(reading, p.source)} for p in plan.principles],
        "sections": [
            {
                "label": entry.name,
                "sites": list(entry.sites),
                "goal": entry.goal[:FIRST_WORDS],
                **_where(reading, entry.source),
            }
            for entry in plan.sections
        ],
        "warnings": [
            {"at": _at_line(reading, w.line), "line": w.line, "message": w.message, "text": w.text}
            for w in reading.warnings
        ],
        "coverage": {
            "placed": reading.placed,
            "content": reading.content,
            "ratio": round(reading.coverage, 4),
        },
    }


def outline_text(reading: Reading) -> str:
    """The outline as indented lines, each item followed by where it was read."""
    data = outline(reading)
    out = [f"{data['title']}  ({data['ward']}, FY{data['fiscal_year']})  [{data['at']}]"]
    goal = data["basic_goal"]
    if goal:
        out.append(f"基本目標: {goal['label']}  [{goal['at']}]")
        out.extend(f"    - {s}" for s in goal["statements"])
    for area in data["areas"]:
        number = "" if area["number"] is None else f"{area['number']} "
        kind = "" if area["kind"] == "focus" else f" ({area['kind']})"
        star = " ★重点" if area["priority"] else ""
        out.append(f"{number}{area['label']}{kind}{star}  [{area['at']}]")
        for measure in area["measures"]:
            sections = f"  担当: {'、'.join(measure['sections'])}" if measure["sections"] else ""
            out.append(f"    ● {measure['label']}{sections}  [{measure['at']}]")
            out.extend(f"        ▶ {a['label']}  [{a['at']}]" for a in measure["actions"])
    for statement in data["statements"]:
        out.append(f"【{statement['label']}】  [{statement['at']}]")
    for section in data["sections"]:
        out.append(f"{section['label']}: {section['goal']}…  [{section['at']}]")
    coverage = data["coverage"]
    out.append(
        f"{len(data['warnings'])} warnings; {coverage['placed']} of {coverage['content']} "
        f"blocks placed ({coverage['ratio']:.1%})"
    )
    out.extend(f"warning: {w['at']}: {w['message']}: {w['text'][:60]}" for w in data["warnings"])
    return "\n".join(out)

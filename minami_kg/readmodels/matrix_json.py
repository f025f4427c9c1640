"""The matrix and one cell's evidence as JSON (the twins of `/matrix`, `/matrix/cell`).

Each thing has its label in the page's language (`label`) and both (`labels`).
A filled cell links to its evidence, a page of its own; `matrix.js` opens the
same JSON in a panel when scripts run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from minami_kg.readmodels.decisions import mark_json, read_reviews
from minami_kg.readmodels.matrix import (
    Area,
    Evidence,
    Link,
    Matrix,
    Measure,
    Outline,
    Quote,
    Section,
    Totals,
    named,
    rank,
    read_evidence,
    read_outline,
)
from minami_kg.readmodels.plans import PlanRef, choose_plan, list_plans, pick
from minami_kg.readmodels.refusals import Unknown
from minami_kg.readmodels.urls import Urls, page_url
from minami_kg.store import GraphStore

Json = dict[str, Any]


def cell_href(plan: PlanRef, section: Section, measure: Measure) -> str:
    """The page of one cell's evidence."""
    params = {"plan": plan.key, "section": section.key, "measure": measure.key}
    return f"/matrix/cell?{urlencode(params)}"


def status_label(link: Link, lang: str) -> str:
    return pick(lang, "採用", "accepted") if link.accepted else pick(lang, "候補", "candidate")


def _labelled(thing: Section | Measure | Area, lang: str) -> Json:
    return {
        "label": pick(lang, thing.label_ja, thing.label_en),
        "labels": {"ja": thing.label_ja, "en": thing.label_en},
    }


def _plan(plan: PlanRef, lang: str) -> Json:
    return {
        "key": plan.key,
        "iri": plan.iri,
        "label": pick(lang, plan.title, plan.title_en),
        "labels": {"ja": plan.title, "en": plan.title_en},
    }


def _header(thing: Section | Measure, lang: str, totals: Totals) -> Json:
    """A row's or a column's head: the section or measure, and the links in its line."""
    return {"key": thing.key, "iri": thing.iri, **_labelled(thing, lang), **_totals(totals)}


def _totals(totals: Totals) -> Json:
    return {"accepted": totals.accepted, "candidates": totals.candidates}


def _link(link: Link) -> Json:
    return {"status": link.status, "score": link.score, "method": link.method}


def matrix_json(table: Matrix) -> Json:
    """The JSON twin: rows, columns (with their areas), cells and totals."""
    lang, plan = table.lang, table.outline.plan
    return {
        "plan": _plan(plan, lang),
        "plans": [_plan(p, lang) for p in table.plans],
        "view": table.view.params(),
        "areas": [
            {
                "iri": area.iri,
                "slug": area.slug,
                "priority": area.priority,
                **_labelled(area, lang),
                "measures": [m.key for m in measures],
            }
            for area, measures in table.areas
        ],
        "columns": [
            {
                **_header(m, lang, table.column_totals[m.iri]),
                "area": table.outline.area_of(m).slug,
            }
            for m in table.measures
        ],
        "rows": [_header(s, lang, table.row_totals[s.iri]) for s in table.sections],
        "cells": [
            {
                "section": s.key,
                "measure": m.key,
                **_link(link),
                "href": cell_href(plan, s, m),
            }
            for s in table.sections
            for m in table.measures
            if (link := table.cell(s, m)) is not None
        ],
        "totals": _totals(table.total),
    }


def read_cell(store: GraphStore, base: str, args: Mapping[str, str], lang: str) -> Json:
    """The evidence behind one cell (`plan`, `section`, `measure`): each link, its quotes."""
    outline = read_outline(store, base, choose_plan(list_plans(store, base), args.get("plan")))
    section = named(args, "section", outline.section_by_key)
    measure = named(args, "measure", outline.measure_by_key)
    links = [
        link
        for link in outline.links
        if link.section == section.iri and link.measure == measure.iri
    ]
    review = read_reviews(store, outline.plan.iri, section.iri, measure.iri).get(
        (section.iri, measure.iri)
    )
    if not links and review is None:
        raise Unknown(f"no link or candidate between {section.key} and {measure.key}")
    links.sort(key=rank, reverse=True)
    evidence = read_evidence(store, outline.plan, section.iri, measure.iri)
    body = cell_json(Urls(base), outline, section, measure, links, evidence, lang)
    body["review"] = mark_json(review)  # a person's decision: shown with the link, or alone
    return body


def cell_json(
    urls: Urls,
    outline: Outline,
    section: Section,
    measure: Measure,
    links: list[Link],
    evidence: dict[str, list[Evidence]],
    lang: str,
) -> Json:
    area = outline.area_of(measure)
    return {
        "plan": _plan(outline.plan, lang),
        "section": {"key": section.key, "iri": section.iri, "href": page_url(section.key)}
        | _labelled(section, lang),
        "measure": {"key": measure.key, "iri": measure.iri, "href": page_url(measure.key)}
        | _labelled(measure, lang),
        "area": {"slug": area.slug, "iri": area.iri} | _labelled(area, lang),
        "links": [
            {
                "iri": link.iri,
                "href": page_url(urls.key(link.iri) or link.iri),
                **_link(link),
                "statusLabel": status_label(link, lang),
                "evidence": [_evidence(e) for e in evidence.get(link.iri, [])],
            }
            for link in links
        ],
    }


def _evidence(item: Evidence) -> Json:
    def quotes(items: list[Quote]) -> list[Json]:
        return [
            {"text": q.text, "prefix": q.prefix, "suffix": q.suffix, "line": q.line, "href": q.href}
            for q in items
        ]

    return {
        "order": item.order,
        "basis": item.basis,
        "section": quotes(item.section),
        "measure": quotes(item.measure),
    }

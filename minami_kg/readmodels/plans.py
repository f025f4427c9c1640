"""The plans in the store: the one list every page that shows a plan starts from.

A plan is one read from a document (it has focus areas); plans a document
merely cites do not count. Each is named by its key `<ward>/<fiscal year>`
(`urls.PLAN_KEY`); a plan IRI without such a key is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal

from minami_kg.rdf.namespaces import SPARQL_PREFIXES
from minami_kg.readmodels.refusals import Malformed, Unknown
from minami_kg.readmodels.urls import PLAN_KEY, Urls
from minami_kg.store import GraphStore, select

_PLANS = (
    SPARQL_PREFIXES
    + """
SELECT ?plan ?fy ?title ?titleEn WHERE {
  ?plan a mkg:Plan ; mkg:fiscalYear ?fy ; skos:prefLabel ?title .
  FILTER(lang(?title) = "ja")
  FILTER EXISTS { ?plan mkg:hasFocusArea ?area }
  OPTIONAL { ?plan skos:prefLabel ?titleEn . FILTER(lang(?titleEn) = "en") }
}
ORDER BY DESC(?fy) ?plan
"""
)


@dataclass(frozen=True)
class PlanRef:
    """A plan read from a document: `key` is `<ward>/<fy>`."""

    iri: str
    key: str
    ward: str
    fiscal_year: str
    title: str
    title_en: str | None


def list_plans(store: GraphStore, base: str) -> list[PlanRef]:
    """Every plan read from a document, newest first (then by key)."""
    urls = Urls(base)
    found: dict[str, PlanRef] = {}
    for row in select(store, _PLANS):
        iri = row["plan"].value
        match = PLAN_KEY.fullmatch(urls.key(iri) or "")
        if match is None or iri in found:
            continue
        title_en = row["titleEn"]
        found[iri] = PlanRef(
            iri,
            match.group(0),
            match.group(1),
            row["fy"].value,
            row["title"].value,
            title_en.value if isinstance(title_en, Literal) else None,
        )
    return sorted(found.values(), key=lambda p: (-int(p.key.split("/")[1]), p.key))


def find_plan(plans: list[PlanRef], key: str | None, ward: str | None = None) -> PlanRef | None:
    """The plan named `key`, else the newest (of `ward`, when given); None if there is none."""
    for plan in plans:
        if key is not None:
            if plan.key == key:
                return plan
        elif ward is None or plan.ward == ward:
            return plan
    return None


def choose_plan(plans: list[PlanRef], key: str | None) -> PlanRef:
    """The plan `key` names (`<ward>/<fy>`), or the newest when no key is given."""
    key = (key or "").strip() or None
    if key is not None and not PLAN_KEY.fullmatch(key):
        raise Malformed(
            f"plan は「区/年度」の形で指定してください（例 minami/2022）: {key}",
            f"plan={key!r}: expected <ward>/<fiscal year>, e.g. minami/2022",
        )
    plan = find_plan(plans, key)
    if plan is None:
        if key:
            raise Unknown(f"運営方針 {key} はグラフにありません", f"no plan {key}")
        raise Unknown("グラフに運営方針がありません", "there is no plan in the graph yet")
    return plan


def pick(lang: str, ja: str | None, en: str | None) -> str:
    """The label a page in `lang` shows: English on an English page when there is one."""
    if lang == "en" and en:
        return en
    return ja or en or ""

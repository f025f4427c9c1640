"""Year over year: the `PlanDiff` of a ward's plans for two fiscal years given as URL parts.

The comparison itself is `minami_kg.diff`; this reads the years from text and
names the page of each thing the diff shows. A ward or year the store does
not hold raises `minami_kg.diff.UnknownPlan`, the same year twice `SameYear`.
"""

from __future__ import annotations

from collections.abc import Callable

from minami_kg.diff import PlanDiff, diff, parse_year
from minami_kg.readmodels.urls import Urls, page_url
from minami_kg.store import GraphStore


def year_over_year(store: GraphStore, base: str, ward: str, fy1: str, fy2: str) -> PlanDiff:
    """The diff of `ward`'s plans from `fy1` to `fy2` (four-digit years, as text)."""
    return diff(store, base, ward, parse_year(fy1), parse_year(fy2))


def page_of(base: str) -> Callable[[str], str]:
    """The page of an IRI the graph minted (`/page/<key>`); any other IRI as it is."""
    urls = Urls(base)

    def href(iri: str) -> str:
        key = urls.key(iri)
        return page_url(key) if key else iri

    return href

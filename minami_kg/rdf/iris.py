"""Every IRI the graph mints, in one place (DESIGN.md, "IRIs").

`Iris(base)` is the only code that builds IRI strings, so a change of base
or of scheme is a change here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode


@dataclass(frozen=True)
class Iris:
    base: str  # ends with "/"

    def _node(self, path: str) -> NamedNode:
        return NamedNode(self.base + path)

    @property
    def id_base(self) -> str:
        """What every thing's IRI starts with (graphs and the ontology have others)."""
        return self.base + "id/"

    # things
    def city(self, city: str) -> NamedNode:
        return self._node(f"id/city/{city}")

    def ward(self, ward: str) -> NamedNode:
        return self._node(f"id/{ward}")

    def section(self, ward: str, section: str) -> NamedNode:
        return self._node(f"id/{ward}/section/{section}")

    def site(self, ward: str, section: str, site: str) -> NamedNode:
        return self._node(f"id/{ward}/section/{section}/site/{site}")

    def fiscal_year(self, fy: int) -> NamedNode:
        return self._node(f"id/fiscal-year/{fy}")

    def plan(self, ward: str, fy: int) -> NamedNode:
        return self._node(f"id/{ward}/{fy}")

    def in_plan(self, ward: str, fy: int, rest: str) -> NamedNode:
        """Something that belongs to one plan: basic-goal, area/gensai, goal/somu …"""
        return self._node(f"id/{ward}/{fy}/{rest}")

    def measure(self, ward: str, fy: int, area: str, number: int) -> NamedNode:
        return self.in_plan(ward, fy, f"measure/{area}-{number:02d}")

    def action(self, ward: str, fy: int, area: str, measure: int, number: int) -> NamedNode:
        return self.in_plan(ward, fy, f"measure/{area}-{measure:02d}/action/{number}")

    def name_of(self, thing: NamedNode) -> NamedNode:
        """The IMI name structure (ic:名称型) of an organisation: its IRI with `#name`.

        A fragment, so that it dereferences to the organisation's own page.
        """
        return NamedNode(thing.value + "#name")

    def partner(self, partner: str) -> NamedNode:
        return self._node(f"id/partner/{partner}")

    def topic_scheme(self) -> NamedNode:
        return self._node("id/topic")

    def topic(self, topic: str) -> NamedNode:
        return self._node(f"id/topic/{topic}")

    def cited_plan(self, plan: str) -> NamedNode:
        return self._node(f"id/plan/{plan}")

    # named graphs
    def graph(self, name: str) -> NamedNode:
        return self._node(f"graph/{name}")

    def ontology_graph(self) -> NamedNode:
        return self.graph("ontology")

    def org_graph(self, ward: str) -> NamedNode:
        return self.graph(f"org/{ward}")

    def plan_graph(self, ward: str, fy: int) -> NamedNode:
        return self.graph(f"plan/{ward}/{fy}")

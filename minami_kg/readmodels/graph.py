"""What the graph explorer draws, as cytoscape elements: a node's neighbourhood, a plan's sections.

Both read only through `store.query`, so the explorer works on a remote
SPARQL server as well; labels are in the page's language `lang`.

- `neighbourhood`: a node and its neighbours, one link away in either
  direction. What counts as a neighbour (the decision behind the explorer):
  a thing of ours (an IRI under `{base}id/`) linked by any property but
  `rdf:type`; the scaffolding that only qualifies a link (contributions,
  evidence, mentions, quote selectors) is left out, and a contribution is
  drawn instead as one edge from its section to its measure, accepted or
  candidate, with its score. Two things joined by a property and its inverse
  (`hasAction` / `actionOf`) get one edge, the same whichever end was asked.
- `sections_sharing_measures`: the sections of a plan joined by the number of
  measures both carry through accepted contributions (the analysis module's
  projection).

A malformed parameter raises `Malformed`, a node or plan the graph lacks `Unknown`
(`models.refusals`).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyoxigraph import Literal, NamedNode, Variable

from minami_kg.analysis.network import read_network, section_pairs
from minami_kg.rdf.namespaces import MKG, OA, ORG, RDF, SKOS
from minami_kg.readmodels.plans import PlanRef, choose_plan, find_plan, list_plans, pick
from minami_kg.readmodels.refusals import Malformed, Unknown
from minami_kg.readmodels.resources import Reader
from minami_kg.readmodels.urls import Urls
from minami_kg.store import GraphStore, select

Json = dict[str, Any]

NEIGHBOUR_LIMIT = 200
"""Most neighbours one answer carries; the answer says when there were more."""


@dataclass(frozen=True)
class NodeType:
    """A kind of node: how the explorer names, filters and draws it."""

    key: str
    cls: NamedNode | None  # the class that makes a node this type; None for "other"
    ja: str
    en: str
    colour: str
    shape: str


# First match wins: a cited plan is also a mkg:Plan. Names follow the ontology's labels.
NODE_TYPES = (
    NodeType("plan", MKG.OperatingPolicy, "区運営方針", "Operating policy", "#0b3d91", "star"),
    NodeType("cited-plan", MKG.CitedPlan, "参照される計画", "Cited plan", "#7f8fa6", "tag"),
    NodeType("basic-goal", MKG.BasicGoal, "基本目標", "Basic goal", "#6a3d9a", "star"),
    NodeType("focus-area", MKG.FocusArea, "施策", "Focus area", "#e69f00", "hexagon"),
    NodeType("measure", MKG.Measure, "取組", "Measure", "#0072b2", "ellipse"),
    NodeType("action", MKG.Action, "具体的な事業", "Action", "#56b4e9", "ellipse"),
    NodeType("section", MKG.Section, "課", "Section", "#d55e00", "round-rectangle"),
    NodeType(
        "section-goal", MKG.SectionGoal, "各職場の取組目標", "Section goal", "#cc79a7", "rectangle"
    ),
    NodeType("partner", MKG.Partner, "協働主体", "Partner", "#009e73", "diamond"),
    NodeType("topic", SKOS.Concept, "トピック", "Topic", "#a08c00", "triangle"),
    NodeType("other", None, "その他", "Other", "#8c8c8c", "round-rectangle"),
)
_TYPE_OF_CLASS = {nt.cls.value: nt for nt in NODE_TYPES if nt.cls is not None}
_OTHER = NODE_TYPES[-1]
_SECTION_TYPE = next(nt for nt in NODE_TYPES if nt.key == "section")
_TYPE_ORDER = {nt.key: i for i, nt in enumerate(NODE_TYPES)}

# Classes whose members only qualify a link; never drawn as nodes.
_SCAFFOLDING = (
    MKG.Contribution,
    MKG.Evidence,
    MKG.Mention,
    OA.SpecificResource,
    OA.TextQuoteSelector,
)

# Of a property and its inverse, the one an edge is drawn with (earlier wins).
_PREFERRED = [
    p.value
    for p in (
        MKG.hasFocusArea,
        MKG.hasBasicGoal,
        MKG.hasPrinciple,
        MKG.hasAction,
        MKG.hasGoal,
        ORG.hasUnit,
        ORG.hasSite,
        SKOS.broader,
        SKOS.inScheme,
    )
]

_R = Variable("r")
_ID_BASE = Variable("idBase")
_NEIGHBOURS = f"""
SELECT DISTINCT ?r ?idBase ?s ?p ?o ?n WHERE {{
  {{ ?r ?p ?n . BIND(?r AS ?s) BIND(?n AS ?o) }}
  UNION {{ ?n ?p ?r . BIND(?n AS ?s) BIND(?r AS ?o) }}
  FILTER(isIRI(?n) && ?p != {RDF.type} && ?p != {MKG.contributesTo})
  FILTER(STRSTARTS(STR(?n), ?idBase))
  FILTER NOT EXISTS {{ ?n a ?scaffolding . VALUES ?scaffolding {{ {" ".join(map(str, _SCAFFOLDING))} }} }}
}}
"""  # noqa: E501
_CONTRIBUTIONS = f"""
SELECT ?r ?c ?section ?measure ?accepted ?score ?method WHERE {{
  {{ ?c {MKG.section} ?r ; {MKG.measure} ?measure . BIND(?r AS ?section) }}
  UNION {{ ?c {MKG.measure} ?r ; {MKG.section} ?section . BIND(?r AS ?measure) }}
  ?c a {MKG.Contribution} .
  OPTIONAL {{ ?c {MKG.accepted} ?accepted }}
  OPTIONAL {{ ?c {MKG.score} ?score }}
  OPTIONAL {{ ?c {MKG.method} ?method }}
}}
"""


# --- parameters ---------------------------------------------------------------------------


def known_iri(store: GraphStore, base: str, text: str | None, name: str) -> str:
    """The IRI in parameter `name` (http(s), at most 2,000 characters) of a thing the graph has."""
    iri = (text or "").strip()
    if not iri:
        raise Malformed(f"give the node's IRI: ?{name}=http…")
    if len(iri) > 2000 or not iri.startswith(("http://", "https://")):
        raise Malformed(f"{name}={iri[:80]!r} is not an http(s) IRI")
    try:
        NamedNode(iri)
    except ValueError as err:
        raise Malformed(f"{name}={iri[:80]!r} is not an IRI: {err}") from err
    if not Reader(store, base).exists(iri):
        raise Unknown(f"{iri}: nothing in the graph has this IRI")
    return iri


def asked_limit(text: str | None) -> int:
    text = str(NEIGHBOUR_LIMIT) if text is None else text
    if not text.isdigit() or not 1 <= int(text) <= NEIGHBOUR_LIMIT:
        raise Malformed(f"limit={text!r}: expected a whole number from 1 to {NEIGHBOUR_LIMIT}")
    return int(text)


# --- a node and its neighbours ------------------------------------------------------------


def node_types(store: GraphStore, iris: set[str]) -> dict[str, NodeType]:
    """The explorer's type of each IRI, from its rdf:type (first match in NODE_TYPES)."""
    if not iris:
        return {}
    values = " ".join(str(NamedNode(i)) for i in sorted(iris))  # str() of a term is SPARQL
    sparql = f"SELECT ?x ?t WHERE {{ VALUES ?x {{ {values} }} ?x a ?t }}"
    found: dict[str, NodeType] = {}
    for row in select(store, sparql):
        nt = _TYPE_OF_CLASS.get(row["t"].value)
        iri = row["x"].value
        if nt and (iri not in found or _TYPE_ORDER[nt.key] < _TYPE_ORDER[found[iri].key]):
            found[iri] = nt
    return {iri: found.get(iri, _OTHER) for iri in iris}


def _node(reader: Reader, iri: str, nt: NodeType, label: str, lang: str) -> Json:
    return {
        "id": iri,
        "label": label,
        "type": nt.key,
        "typeLabel": pick(lang, nt.ja, nt.en),
        "href": reader.page_href(iri),
    }


def node_data(reader: Reader, iris: set[str], lang: str) -> dict[str, Json]:
    """Cytoscape node data for each IRI: id, label (in `lang`), type, page."""
    names, types = reader.labels(iris), node_types(reader.store, iris)
    return {
        iri: _node(reader, iri, types[iri], pick(lang, *names[iri]) or reader.short(iri), lang)
        for iri in iris
    }


@dataclass(frozen=True)
class _Link:
    """One edge before it is chosen: a triple, or a contribution (section → measure)."""

    id: str
    source: str
    target: str
    property: str
    contribution: Json | None = None

    @builtins.property  # `property` is a field here
    def rank(self) -> tuple[int, int, str]:
        """Lower draws: contributions, then preferred properties, then by IRI."""
        if self.contribution is not None:
            return (0, 0, self.id)
        preferred = _PREFERRED.index(self.property) if self.property in _PREFERRED else 99
        return (1, preferred, self.id)


def _links(store: GraphStore, base: str, iri: str) -> dict[str, _Link]:
    """The focus's links, one per neighbour (see the module docstring)."""
    bind: dict[Variable, NamedNode | Literal] = {_R: NamedNode(iri)}
    candidates: list[tuple[str, _Link]] = []
    for row in select(store, _CONTRIBUTIONS, substitutions=bind):
        section, measure = row["section"].value, row["measure"].value
        accepted, score, method = row["accepted"], row["score"], row["method"]
        other = measure if section == iri else section
        link = _Link(
            row["c"].value,
            section,
            measure,
            MKG.contributesTo.value,
            {
                "accepted": accepted is not None and accepted.value == "true",
                "score": float(score.value) if score is not None else None,
                "method": method.value if method is not None else None,
            },
        )
        candidates.append((other, link))
    bind[_ID_BASE] = Literal(Urls(base).id_base)
    for row in select(store, _NEIGHBOURS, substitutions=bind):
        s, p, o = row["s"].value, row["p"].value, row["o"].value
        candidates.append((row["n"].value, _Link(f"{s} {p} {o}", s, o, p)))
    chosen: dict[str, _Link] = {}
    for other, link in candidates:
        if other != iri and (other not in chosen or link.rank < chosen[other].rank):
            chosen[other] = link
    return chosen


def neighbourhood(
    store: GraphStore, base: str, iri: str, lang: str, limit: int = NEIGHBOUR_LIMIT
) -> Json:
    """The node, its neighbours (at most `limit`) and the edges to them, as JSON data."""
    reader = Reader(store, base)
    links = _links(store, base, iri)
    nodes = node_data(reader, {iri, *links}, lang)
    ranked = sorted(
        links, key=lambda n: (_TYPE_ORDER[str(nodes[n]["type"])], str(nodes[n]["label"]), n)
    )
    shown = ranked[:limit]
    properties = reader.property_labels({links[n].property for n in shown})
    edges = []
    for neighbour in shown:
        link = links[neighbour]
        edge: Json = {
            "id": link.id,
            "source": link.source,
            "target": link.target,
            "property": link.property,
            "label": pick(lang, *properties.get(link.property, (None, None)))
            or reader.short(link.property),
            "kind": "contribution" if link.contribution else "link",
        }
        edge.update(link.contribution or {})
        edges.append({"data": edge})
    return {
        "focus": iri,
        "elements": {
            "nodes": [{"data": nodes[n]} for n in [iri, *shown]],
            "edges": edges,
        },
        "neighbours": {
            "shown": len(shown),
            "total": len(links),
            "capped": len(links) > len(shown),
            "limit": limit,
        },
    }


# --- the sections of a plan ---------------------------------------------------------------


def _plan_json(plan: PlanRef, lang: str) -> Json:
    label = pick(lang, plan.title, plan.title_en)
    return {"key": plan.key, "iri": plan.iri, "label": label, "fiscalYear": plan.fiscal_year}


def sections_sharing_measures(
    store: GraphStore, base: str, plan_key: str | None, lang: str
) -> Json:
    """The sections of a plan and, between two, the measures both carry (accepted links)."""
    known = list_plans(store, base)
    plan = choose_plan(known, plan_key)
    network = read_network(store, plan.iri)
    pairs = section_pairs(network)
    reader = Reader(store, base)
    sections = sorted(n for n, kind in network.nodes(data="kind") if kind == "section")
    measures = {m for p in pairs for m in p.shared}
    names = reader.labels(set(sections) | measures)

    def label(iri: str) -> str:
        return pick(lang, *names.get(iri, (None, None))) or str(network.nodes[iri]["label"])

    nodes = [
        {"data": _node(reader, s, _SECTION_TYPE, label(s), lang) | {"measures": network.degree(s)}}
        for s in sections
    ]
    edges = [
        {
            "data": {
                "id": f"{p.a} {p.b}",
                "source": p.a,
                "target": p.b,
                "weight": p.weight,
                "label": str(p.weight),
                "measures": [
                    {"iri": m, "label": label(m), "href": reader.page_href(m)} for m in p.shared
                ],
            }
        }
        for p in pairs
    ]
    return {
        "plan": _plan_json(plan, lang),
        "plans": [_plan_json(p, lang) for p in known],
        "elements": {"nodes": nodes, "edges": edges},
        "maxWeight": max((p.weight for p in pairs), default=0),
    }


def without_script(data: Json) -> Json:
    """The sections view as a list, for the page's <noscript>: each section and its partners."""
    elements = data["elements"]
    nodes = {n["data"]["id"]: n["data"] for n in elements["nodes"]}
    shares: dict[str, list[Json]] = {iri: [] for iri in nodes}
    for edge in elements["edges"]:
        a, b, weight = edge["data"]["source"], edge["data"]["target"], edge["data"]["weight"]
        shares[a].append({**nodes[b], "weight": weight})
        shares[b].append({**nodes[a], "weight": weight})
    listed = [
        {**nodes[iri], "shares": shares[iri]}
        for iri in sorted(nodes, key=lambda i: str(nodes[i]["label"]))
    ]
    return {"plan": data["plan"], "list": listed}


# --- the questions, as asked --------------------------------------------------------------


def _arg(args: Mapping[str, str], name: str) -> str | None:
    return args.get(name, "").strip() or None


def node_json(store: GraphStore, base: str, args: Mapping[str, str], lang: str) -> Json:
    """`/api/graph/node`: the neighbourhood of `iri`, at most `limit` neighbours."""
    limit = asked_limit(args.get("limit"))
    iri = known_iri(store, base, args.get("iri"), "iri")
    return neighbourhood(store, base, iri, lang, limit)


def sections_json(store: GraphStore, base: str, args: Mapping[str, str], lang: str) -> Json:
    """`/api/graph/sections`: the sections of `plan` (the newest by default)."""
    return sections_sharing_measures(store, base, _arg(args, "plan"), lang)


def opening_view(store: GraphStore, base: str, args: Mapping[str, str], lang: str) -> Json:
    """The page's JSON twin: the data of the view it opens with (a node's, or the sections')."""
    focus = _arg(args, "focus")
    if focus and args.get("view") != "sections":
        iri = known_iri(store, base, focus, "focus")
        return {"view": "node", **neighbourhood(store, base, iri, lang)}
    return {"view": "sections", **sections_json(store, base, args, lang)}


@dataclass(frozen=True)
class Explorer:
    """What the page opens with; a focus or plan it cannot open is a `problem` (400 or 404)."""

    plans: list[PlanRef]
    view: str  # "node" or "sections"
    focus: str | None
    plan_key: str | None
    problem: str | None
    status: int
    sections: Json | None  # `without_script` of the plan's sections; None without plans


def explorer(store: GraphStore, base: str, args: Mapping[str, str], lang: str) -> Explorer:
    """The page for `?focus=`, `?plan=`, `?view=`, checked here so the script never asks
    for what is not there; the page opens without what it cannot find."""
    known = list_plans(store, base)
    focus, plan_key = _arg(args, "focus"), _arg(args, "plan")
    problem, status = None, 200
    if focus is not None:
        try:
            focus = known_iri(store, base, focus, "focus")
        except Malformed as err:
            problem, status, focus = str(err), 400, None
        except Unknown as err:
            problem, status, focus = str(err), 404, None
    if plan_key is not None and find_plan(known, plan_key) is None:
        problem, status, plan_key = f"no plan {plan_key}", 404, None
    sections = None
    if known:
        sections = without_script(sections_sharing_measures(store, base, plan_key, lang))
    view = "node" if focus and args.get("view") != "sections" else "sections"
    return Explorer(known, view, focus, plan_key, problem, status, sections)

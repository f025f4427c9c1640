"""The graph explorer: `/graph`, the JSON it draws from, and its script files.

The page draws with cytoscape.js in the browser; the server answers two
questions, both as cytoscape elements, reading only through `store.query`
(so the explorer works on a remote SPARQL server as well):

- `/api/graph/node?iri=…`: a node and its neighbours, one link away in either
  direction. What counts as a neighbour (the decision behind the explorer):
  a thing of ours (an IRI under `{base}id/`) linked by any property but
  `rdf:type`; the scaffolding that only qualifies a link (contributions,
  evidence, mentions, quote selectors) is left out, and a contribution is
  drawn instead as one edge from its section to its measure, accepted or
  candidate, with its score. Two things joined by a property and its inverse
  (`hasAction` / `actionOf`) get one edge, the same whichever end was asked.
- `/api/graph/sections?plan=<ward>/<fy>`: the sections of a plan joined by the
  number of measures both carry through accepted contributions (the analysis
  module's projection).

The script files come from `web/node_modules` (installed by `npm ci` from
web/package-lock.json); only the four files the page loads are served.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
)
from flask.typing import ResponseReturnValue
from pyoxigraph import Literal, NamedNode, QuerySolutions, Variable

from minami_kg.analysis.network import read_network, section_pairs
from minami_kg.config import PROJECT_ROOT, Settings
from minami_kg.rdf.namespaces import MKG, OA, ORG, RDF, SKOS
from minami_kg.server.i18n import current_language, t
from minami_kg.server.resources import Reader
from minami_kg.server.state import get_store

graph = Blueprint("graph", __name__)

Json = dict[str, Any]

NEIGHBOUR_LIMIT = 200
"""Most neighbours one answer carries; the answer says when there were more."""

NODE_MODULES = PROJECT_ROOT / "web" / "node_modules"
ASSETS = {
    "cytoscape.min.js": NODE_MODULES / "cytoscape" / "dist",
    "layout-base.js": NODE_MODULES / "layout-base",
    "cose-base.js": NODE_MODULES / "cose-base",
    "cytoscape-fcose.js": NODE_MODULES / "cytoscape-fcose",
}
"""The script files the page loads, in load order (fcose registers itself with cytoscape)."""


@dataclass(frozen=True)
class NodeType:
    """A kind of node: how the explorer names, filters and draws it."""

    key: str
    cls: NamedNode | None  # the class that makes a node this type; None for "other"
    ja: str
    en: str
    colour: str
    shape: str

    @property
    def label(self) -> str:
        return t(self.ja, self.en)


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
_PLANS = f"""
SELECT DISTINCT ?plan ?fy WHERE {{
  ?plan a {MKG.Plan} ; {MKG.fiscalYear} ?fy ; {MKG.hasFocusArea} ?area .
}} ORDER BY DESC(?fy) ?plan
"""
_PLAN_KEY = re.compile(r"[a-z0-9-]+/\d{4}")


class BadRequest(Exception):
    """A request the API cannot answer as asked; becomes a 400 with the message."""


class Unknown(Exception):
    """The request names a node or plan the graph does not have; becomes a 404."""


# --- reading -----------------------------------------------------------------------------


def _settings() -> Settings:
    return current_app.config["MINAMI_KG"]


def _reader() -> Reader:
    return Reader(get_store(current_app), _settings().base)


def _select(sparql: str, substitutions: dict[Variable, NamedNode | Literal]) -> QuerySolutions:
    result = get_store(current_app).query(sparql, substitutions=substitutions)
    assert isinstance(result, QuerySolutions)
    return result


def _values(iris: set[str]) -> str:
    """A VALUES list of IRIs read from the store; `str()` of a term is SPARQL syntax."""
    return " ".join(str(NamedNode(i)) for i in sorted(iris))


def node_types(iris: set[str]) -> dict[str, NodeType]:
    """The explorer's type of each IRI, from its rdf:type (first match in NODE_TYPES)."""
    if not iris:
        return {}
    sparql = f"SELECT ?x ?t WHERE {{ VALUES ?x {{ {_values(iris)} }} ?x a ?t }}"
    found: dict[str, NodeType] = {}
    rank = {nt.key: i for i, nt in enumerate(NODE_TYPES)}
    for row in _select(sparql, {}):
        nt = _TYPE_OF_CLASS.get(row["t"].value)
        iri = row["x"].value
        if nt and (iri not in found or rank[nt.key] < rank[found[iri].key]):
            found[iri] = nt
    return {iri: found.get(iri, _OTHER) for iri in iris}


def node_data(reader: Reader, iris: set[str]) -> dict[str, Json]:
    """Cytoscape node data for each IRI: id, label (this request's language), type, page."""
    names = reader.labels(iris)
    types = node_types(iris)
    data: dict[str, Json] = {}
    for iri in iris:
        ja, en = names.get(iri, (None, None))
        nt = types[iri]
        data[iri] = {
            "id": iri,
            "label": t(ja, en) or reader.short(iri),
            "type": nt.key,
            "typeLabel": nt.label,
            "href": reader.page_href(iri),
        }
    return data


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


def _links(iri: str) -> dict[str, _Link]:
    """The focus's links, one per neighbour (see the module docstring)."""
    bind: dict[Variable, NamedNode | Literal] = {_R: NamedNode(iri)}
    candidates: list[tuple[str, _Link]] = []
    for row in _select(_CONTRIBUTIONS, bind):
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
    bind[_ID_BASE] = Literal(_settings().base + "id/")
    for row in _select(_NEIGHBOURS, bind):
        s, p, o = row["s"].value, row["p"].value, row["o"].value
        candidates.append((row["n"].value, _Link(f"{s} {p} {o}", s, o, p)))
    chosen: dict[str, _Link] = {}
    for other, link in candidates:
        if other != iri and (other not in chosen or link.rank < chosen[other].rank):
            chosen[other] = link
    return chosen


def neighbourhood(iri: str, limit: int = NEIGHBOUR_LIMIT) -> Json:
    """The node, its neighbours (at most `limit`) and the edges to them, as JSON data."""
    reader = _reader()
    links = _links(iri)
    nodes = node_data(reader, {iri, *links})
    order = {nt.key: i for i, nt in enumerate(NODE_TYPES)}
    ranked = sorted(links, key=lambda n: (order[str(nodes[n]["type"])], str(nodes[n]["label"]), n))
    shown = ranked[:limit]
    properties = reader.property_labels({links[n].property for n in shown})
    edges = []
    for neighbour in shown:
        link = links[neighbour]
        ja, en = properties.get(link.property, (None, None))
        edge: Json = {
            "id": link.id,
            "source": link.source,
            "target": link.target,
            "property": link.property,
            "label": t(ja, en) or reader.short(link.property),
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


def plans() -> list[dict[str, str]]:
    """The ward plans that have focus areas, newest first: key (`ward/fy`), IRI, label."""
    reader = _reader()
    rows = [(row["plan"].value, row["fy"].value) for row in _select(_PLANS, {})]
    names = reader.labels({iri for iri, _ in rows})
    found = []
    for iri, fy in rows:
        key = iri.removeprefix(reader.id_base)
        if _PLAN_KEY.fullmatch(key):
            ja, en = names.get(iri, (None, None))
            found.append({"key": key, "iri": iri, "label": t(ja, en) or key, "fiscalYear": fy})
    return found


def sections_sharing_measures(plan_key: str | None) -> Json:
    """The sections of a plan and, between two, the measures both carry (accepted links)."""
    known = plans()
    if plan_key is not None and not _PLAN_KEY.fullmatch(plan_key):
        raise BadRequest(f"plan={plan_key!r}: expected <ward>/<fiscal year>, e.g. minami/2022")
    plan = next((p for p in known if plan_key in (None, p["key"])), None)
    if plan is None:
        raise Unknown(f"no plan {plan_key}" if plan_key else "there is no plan yet")
    network = read_network(get_store(current_app), plan["iri"])
    pairs = section_pairs(network)
    reader = _reader()
    sections = sorted(n for n, kind in network.nodes(data="kind") if kind == "section")
    measures = {m for p in pairs for m in p.shared}
    names = reader.labels(set(sections) | measures)

    def label(iri: str) -> str:
        ja, en = names.get(iri, (None, None))
        return t(ja, en) or str(network.nodes[iri]["label"])

    section_type = next(nt for nt in NODE_TYPES if nt.key == "section")
    nodes = [
        {
            "data": {
                "id": s,
                "label": label(s),
                "type": section_type.key,
                "typeLabel": section_type.label,
                "href": reader.page_href(s),
                "measures": network.degree(s),
            }
        }
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
        "plan": plan,
        "plans": known,
        "elements": {"nodes": nodes, "edges": edges},
        "maxWeight": max((p.weight for p in pairs), default=0),
    }


# --- requests ----------------------------------------------------------------------------


def _asked_iri(name: str) -> str:
    """The IRI in parameter `name`: absolute http(s), no longer than 2,000 characters."""
    iri = request.args.get(name, "").strip()
    if not iri:
        raise BadRequest(f"give the node's IRI: ?{name}=http…")
    if len(iri) > 2000 or not iri.startswith(("http://", "https://")):
        raise BadRequest(f"{name}={iri[:80]!r} is not an http(s) IRI")
    try:
        NamedNode(iri)
    except ValueError as err:
        raise BadRequest(f"{name}={iri[:80]!r} is not an IRI: {err}") from err
    return iri


def _known_iri(name: str) -> str:
    iri = _asked_iri(name)
    if not _reader().exists(iri):
        raise Unknown(f"{iri}: nothing in the graph has this IRI")
    return iri


def _asked_limit() -> int:
    text = request.args.get("limit", str(NEIGHBOUR_LIMIT))
    if not text.isdigit() or not 1 <= int(text) <= NEIGHBOUR_LIMIT:
        raise BadRequest(f"limit={text!r}: expected a whole number from 1 to {NEIGHBOUR_LIMIT}")
    return int(text)


def _json(data: Json, status: int = 200) -> Response:
    """JSON whose labels are in the request's language, so it varies as the language does."""
    response = jsonify(data)
    response.status_code = status
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@graph.errorhandler(BadRequest)
def bad_request(err: BadRequest) -> ResponseReturnValue:
    return _json({"error": str(err)}, 400)


@graph.errorhandler(Unknown)
def unknown(err: Unknown) -> ResponseReturnValue:
    return _json({"error": str(err)}, 404)


@graph.get("/api/graph/node")
def node() -> ResponseReturnValue:
    limit = _asked_limit()
    return _json(neighbourhood(_known_iri("iri"), limit))


@graph.get("/api/graph/sections")
def sections() -> ResponseReturnValue:
    return _json(sections_sharing_measures(request.args.get("plan") or None))


@graph.get("/assets/graph/<name>")
def asset(name: str) -> ResponseReturnValue:
    """One of the page's script files from web/node_modules; anything else is a 404."""
    folder = ASSETS.get(name)
    if folder is None:
        abort(404)
    return send_from_directory(folder, name, max_age=3600)


def _wants_json() -> bool:
    asked = request.args.get("format")
    return asked == "json" or (not asked and request.accept_mimetypes.best == "application/json")


@graph.get("/graph")
def explorer() -> ResponseReturnValue:
    """The explorer, opening on `?focus=` or on the sections of `?plan=` (default: newest).

    Its JSON twin is the data of the view it opens with. The page checks the
    focus and plan itself, so the script never asks for what is not there.
    """
    focus = request.args.get("focus", "").strip() or None
    plan_key = request.args.get("plan", "").strip() or None
    if _wants_json():
        if focus and request.args.get("view") != "sections":
            return _json({"view": "node", **neighbourhood(_known_iri("focus"))})
        return _json({"view": "sections", **sections_sharing_measures(plan_key)})
    problem, status = None, 200
    known_plans = plans()
    if focus is not None:
        try:
            focus = _known_iri("focus")
        except BadRequest as err:
            problem, status, focus = str(err), 400, None
        except Unknown as err:
            problem, status, focus = str(err), 404, None
    if plan_key is not None and plan_key not in {p["key"] for p in known_plans}:
        problem, status, plan_key = f"no plan {plan_key}", 404, None
    view = "node" if focus and request.args.get("view") != "sections" else "sections"
    config = {
        "lang": current_language(),
        "view": view,
        "focus": focus,
        "plan": plan_key,
        "types": [
            {"key": nt.key, "label": nt.label, "colour": nt.colour, "shape": nt.shape}
            for nt in NODE_TYPES
        ],
        "api": {
            "node": "/api/graph/node",
            "sections": "/api/graph/sections",
            "search": "/api/search",
        },
    }
    html = render_template(
        "graph.html",
        config=config,
        node_types=NODE_TYPES,
        plans=known_plans,
        plan_key=plan_key,
        problem=problem,
        sections=_without_script(plan_key) if known_plans else None,
        assets=list(ASSETS),
    )
    response = Response(html, status=status)
    response.headers["Link"] = '</graph?format=json>; rel="alternate"; type="application/json"'
    return response


def _without_script(plan_key: str | None) -> Json:
    """The sections view as a list, for the page's <noscript>: each section and its partners."""
    data = sections_sharing_measures(plan_key)
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

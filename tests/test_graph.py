"""The graph explorer's JSON, script files and page: over the seed store, and a real
SPARQL server (Oxigraph and Virtuoso)."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest
from flask.testing import FlaskClient
from pyoxigraph import NamedNode, QuerySolutions

from minami_kg.readmodels.graph import NEIGHBOUR_LIMIT
from minami_kg.server import create_app
from minami_kg.server.graph import ASSETS
from minami_kg.store import EmbeddedStore

from .remote_engines import RemoteServer

ID = "http://127.0.0.1:8000/id/"
SOMU = ID + "minami/section/somu"
GENSAI_01 = ID + "minami/2022/measure/gensai-01"
PLAN = ID + "minami/2022"
MKG = "https://w3id.org/minami-kg/def#"

# What a node's neighbours are, said a second way: every IRI of ours one triple
# away that is not scaffolding, and the other end of each contribution.
_EXPECTED_NEIGHBOURS = f"""
PREFIX mkg: <{MKG}>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT DISTINCT ?n WHERE {{
  {{ {{ ?x ?p ?n }} UNION {{ ?n ?p ?x }}
     FILTER(isIRI(?n) && STRSTARTS(STR(?n), "{ID}"))
     FILTER(?p NOT IN (<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>, mkg:contributesTo))
     MINUS {{ ?n a mkg:Contribution }} MINUS {{ ?n a mkg:Evidence }} MINUS {{ ?n a mkg:Mention }}
     MINUS {{ ?n a oa:SpecificResource }} MINUS {{ ?n a oa:TextQuoteSelector }} }}
  UNION {{ ?c a mkg:Contribution ; mkg:section ?x ; mkg:measure ?n }}
  UNION {{ ?c a mkg:Contribution ; mkg:measure ?x ; mkg:section ?n }}
}}
"""


def _rows(store: EmbeddedStore, sparql: str, **bound: str) -> list[dict[str, str]]:
    """Solutions as plain strings; `bound` values are placed in a VALUES block first."""
    values = " ".join(f"VALUES ?{k} {{ {NamedNode(v)} }}" for k, v in bound.items())
    result = store.query(sparql.replace("WHERE {", "WHERE { " + values, 1))
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def _node(client: FlaskClient, iri: str, **params: str) -> dict:
    response = client.get("/api/graph/node", query_string={"iri": iri, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _nodes(data: dict) -> dict[str, dict]:
    return {n["data"]["id"]: n["data"] for n in data["elements"]["nodes"]}


def _edges(data: dict) -> list[dict]:
    return [e["data"] for e in data["elements"]["edges"]]


# --- /api/graph/node -----------------------------------------------------------------------


@pytest.mark.parametrize("iri", [GENSAI_01, SOMU, PLAN, ID + "topic/bousai"])
def test_neighbours_are_those_an_independent_query_finds(
    client: FlaskClient, seed_store: EmbeddedStore, iri: str
) -> None:
    data = _node(client, iri)
    expected = {r["n"] for r in _rows(seed_store, _EXPECTED_NEIGHBOURS, x=iri)} - {iri}
    nodes = _nodes(data)
    assert set(nodes) == expected | {iri}
    assert data["focus"] == iri
    assert data["neighbours"] == {
        "shown": len(expected),
        "total": len(expected),
        "capped": False,
        "limit": NEIGHBOUR_LIMIT,
    }
    # one edge per neighbour, each joining the focus to it
    edges = _edges(data)
    assert len(edges) == len(expected)
    assert Counter(e["source"] if e["target"] == iri else e["target"] for e in edges) == Counter(
        expected
    )
    assert all(n["href"] == "/page/" + n["id"].removeprefix(ID) for n in nodes.values())


def test_a_measure_and_its_neighbours(client: FlaskClient) -> None:
    data = _node(client, GENSAI_01)
    nodes = _nodes(data)
    types = {iri.removeprefix(ID): n["type"] for iri, n in nodes.items()}
    assert types == {
        "minami/2022/measure/gensai-01": "measure",
        "minami/2022": "plan",
        "minami/2022/area/gensai": "focus-area",
        "minami/2022/measure/gensai-01/action/1": "action",
        "minami/section/somu": "section",
        "minami/section/doboku": "section",
        "minami/section/seikatsu-eisei": "section",
        "minami/section/korei-shogai-shien": "section",
        "topic/anzen": "topic",
        "topic/gensai": "topic",
        "topic/bousai": "topic",
        "minami/2022/document": "other",
    }
    assert nodes[GENSAI_01]["label"] == "防災・減災意識の向上"
    by_target = {(e["source"], e["target"]): e for e in _edges(data)}
    # the measure's action: one edge (hasAction, not also actionOf), drawn from the measure
    action = by_target[(GENSAI_01, GENSAI_01 + "/action/1")]
    assert action["property"] == MKG + "hasAction" and action["kind"] == "link"
    assert (GENSAI_01 + "/action/1", GENSAI_01) not in by_target
    somu = by_target[(SOMU, GENSAI_01)]
    assert somu["kind"] == "contribution" and somu["accepted"] is True
    assert somu["score"] == pytest.approx(6.596)
    assert somu["id"] == ID + "minami/2022/contribution/somu/gensai-01"
    doboku = by_target[(ID + "minami/section/doboku", GENSAI_01)]
    assert doboku["accepted"] is False and doboku["method"] == "shared-topic"


def test_a_sections_contributions_match_the_shortcut_and_the_candidates(
    client: FlaskClient, seed_store: EmbeddedStore
) -> None:
    data = _node(client, SOMU)
    contributions = [e for e in _edges(data) if e["kind"] == "contribution"]
    assert all(e["source"] == SOMU for e in contributions)
    accepted = {e["target"] for e in contributions if e["accepted"]}
    candidates = {e["target"] for e in contributions if not e["accepted"]}
    shortcut = _rows(seed_store, f"SELECT ?m WHERE {{ ?s <{MKG}contributesTo> ?m }}", s=SOMU)
    assert accepted == {r["m"] for r in shortcut} and len(accepted) == 3
    refused = f"""SELECT ?m WHERE {{ ?c <{MKG}section> ?s ; <{MKG}measure> ?m ;
                    <{MKG}accepted> false }}"""
    assert candidates == {r["m"] for r in _rows(seed_store, refused, s=SOMU)}
    assert len(candidates) == 6
    types = {n["type"] for n in _nodes(data).values()}
    assert types == {"section", "measure", "section-goal", "other"}


def test_labels_and_type_names_follow_the_language(client: FlaskClient) -> None:
    ja, en = _node(client, SOMU), _node(client, SOMU, lang="en")
    assert _nodes(ja)[SOMU]["label"] == "総務課"
    assert _nodes(en)[SOMU]["label"] == "General Affairs Section"
    assert (_nodes(ja)[SOMU]["typeLabel"], _nodes(en)[SOMU]["typeLabel"]) == ("課", "Section")
    labels_ja = {e["property"]: e["label"] for e in _edges(ja)}
    labels_en = {e["property"]: e["label"] for e in _edges(en)}
    # the ontology's labels of the properties
    assert labels_ja[MKG + "contributesTo"] == "関与する取組"
    assert labels_en[MKG + "contributesTo"] == "contributes to"
    assert labels_ja[MKG + "hasGoal"] == "取組目標"
    # no English name: the Japanese one (the document's title has no language tag)
    document = ID + "minami/2022/document"
    assert (
        _nodes(_node(client, GENSAI_01, lang="en"))[document]["label"] == "令和4年度 南区運営方針"
    )
    by_header = client.get(
        "/api/graph/node", query_string={"iri": SOMU}, headers={"Accept-Language": "en"}
    ).get_json()
    assert _nodes(by_header)[SOMU]["label"] == "General Affairs Section"


def test_the_cap(client: FlaskClient) -> None:
    full = _node(client, PLAN)
    total = full["neighbours"]["total"]
    assert total > 100 and not full["neighbours"]["capped"]
    capped = _node(client, PLAN, limit="3")
    assert capped["neighbours"] == {"shown": 3, "total": total, "capped": True, "limit": 3}
    assert len(capped["elements"]["nodes"]) == 4 and len(capped["elements"]["edges"]) == 3
    # the first three in the full answer's order: types in the explorer's order, then labels
    assert _nodes(capped).keys() == set(list(_nodes(full))[:4])
    assert {n["data"]["type"] for n in capped["elements"]["nodes"][1:]} == {
        "basic-goal",
        "focus-area",
    }


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 400),
        ({"iri": ""}, 400),
        ({"iri": "somu"}, 400),
        ({"iri": "http://exa mple/x"}, 400),
        ({"iri": "ftp://example.org/x"}, 400),
        ({"iri": SOMU, "limit": "0"}, 400),
        ({"iri": SOMU, "limit": str(NEIGHBOUR_LIMIT + 1)}, 400),
        ({"iri": SOMU, "limit": "ten"}, 400),
        ({"iri": ID + "minami/section/no-such-section"}, 404),
    ],
)
def test_bad_node_requests(client: FlaskClient, params: dict[str, str], status: int) -> None:
    response = client.get("/api/graph/node", query_string=params)
    assert response.status_code == status
    assert response.mimetype == "application/json" and response.get_json()["error"]


def test_an_edge_is_the_same_from_either_end(client: FlaskClient) -> None:
    from_section = {e["id"]: e for e in _edges(_node(client, SOMU))}
    from_measure = {e["id"]: e for e in _edges(_node(client, GENSAI_01))}
    shared = from_section.keys() & from_measure.keys()
    assert shared == {ID + "minami/2022/contribution/somu/gensai-01"}
    goal = ID + "minami/2022/goal/somu"
    from_goal = {e["id"] for e in _edges(_node(client, goal))}
    assert from_goal & from_section.keys() == {f"{SOMU} {MKG}hasGoal {goal}"}


# --- /api/graph/sections -------------------------------------------------------------------

_ACCEPTED = f"""
SELECT ?s ?m WHERE {{
  ?c a <{MKG}Contribution> ; <{MKG}accepted> true ; <{MKG}inPlan> ?plan ;
     <{MKG}section> ?s ; <{MKG}measure> ?m .
}}
"""


def test_section_weights_count_the_measures_both_carry(
    client: FlaskClient, seed_store: EmbeddedStore
) -> None:
    response = client.get("/api/graph/sections")  # the newest plan
    assert response.status_code == 200
    data = response.get_json()
    assert data["plan"]["key"] == "minami/2022" and data["plan"]["iri"] == PLAN
    carried: dict[str, set[str]] = {}
    for row in _rows(seed_store, _ACCEPTED, plan=PLAN):
        carried.setdefault(row["s"], set()).add(row["m"])
    expected = {
        frozenset((a, b)): carried[a] & carried[b]
        for a, b in combinations(sorted(carried), 2)
        if carried[a] & carried[b]
    }
    edges = _edges(data)
    found = {frozenset((e["source"], e["target"])): e for e in edges}
    assert len(found) == len(edges) == len(expected)
    for pair, measures in expected.items():
        edge = found[pair]
        assert edge["weight"] == len(measures) and edge["label"] == str(len(measures))
        assert {m["iri"] for m in edge["measures"]} == measures
        assert all(m["href"] == "/page/" + m["iri"].removeprefix(ID) for m in edge["measures"])
    assert data["maxWeight"] == max(len(m) for m in expected.values())
    nodes = _nodes(data)
    assert set(nodes) == set(carried)
    assert all(
        n["type"] == "section" and n["measures"] == len(carried[i]) for i, n in nodes.items()
    )
    assert client.get("/api/graph/sections?plan=minami/2022").get_json() == data


def test_sections_in_english(client: FlaskClient) -> None:
    data = client.get("/api/graph/sections?lang=en").get_json()
    assert _nodes(data)[ID + "minami/section/kodomo-katei-shien"]["label"] == (
        "Children and Family Support Section"
    )
    assert data["plan"]["label"] == "Minami Ward Operating Policy FY2022"


@pytest.mark.parametrize(
    ("plan", "status"),
    [("minami", 400), ("minami/22", 400), ("../minami/2022", 400), ("minami/1999", 404)],
)
def test_bad_sections_requests(client: FlaskClient, plan: str, status: int) -> None:
    response = client.get("/api/graph/sections", query_string={"plan": plan})
    assert response.status_code == status and response.get_json()["error"]


# --- the script files ----------------------------------------------------------------------


def test_the_script_files_are_served_from_node_modules(client: FlaskClient) -> None:
    for name, folder in ASSETS.items():
        response = client.get(f"/assets/graph/{name}")
        assert response.status_code == 200, name
        assert response.mimetype in ("text/javascript", "application/javascript")
        assert response.data == (folder / name).read_bytes()
        response.close()
    cytoscape = client.get("/assets/graph/cytoscape.min.js")
    assert b"Cytoscape Consortium" in cytoscape.data[:400]


@pytest.mark.parametrize(
    "path",
    [
        "/assets/graph/package.json",
        "/assets/graph/cytoscape.cjs.js",
        "/assets/graph/../cytoscape/package.json",
        "/assets/graph/..%2Fcytoscape%2Fpackage.json",
        "/assets/graph/%2e%2e/package.json",
        "/assets/graph/",
    ],
)
def test_nothing_else_is_served(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


# --- the page ------------------------------------------------------------------------------


def test_the_page_loads_its_scripts_in_order(client: FlaskClient) -> None:
    response = client.get("/graph")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    scripts = [f'src="/assets/graph/{name}"' for name in ASSETS] + ["/static/graph.js"]
    positions = [html.index(s) for s in scripts]
    assert positions == sorted(positions)
    assert "cdn" not in html.lower() and "https://" not in html.split("<body", 1)[0]
    assert 'id="graph-config"' in html and 'class="wide"' in html
    assert "<noscript>" in html and 'href="/matrix"' in html and 'href="/sections"' in html
    # without JavaScript: the sections and whom they share measures with, as links
    noscript = html[html.index("<noscript>") : html.index("</noscript>")]
    assert 'href="/page/minami/section/kodomo-katei-shien"' in noscript
    assert "グラフの表示には JavaScript が必要です" in noscript


def test_the_page_in_english(client: FlaskClient) -> None:
    html = client.get("/graph?lang=en").get_data(as_text=True)
    assert "Graph explorer" in html and "The graph needs JavaScript" in html
    assert ">\n        Measure</label>" in html or "Measure</label>" in html


def test_the_page_checks_its_focus(client: FlaskClient) -> None:
    ok = client.get("/graph", query_string={"focus": SOMU})
    assert ok.status_code == 200 and f'"focus": "{SOMU}"' in ok.get_data(as_text=True)
    unknown = client.get("/graph", query_string={"focus": ID + "nothing"})
    assert unknown.status_code == 404 and 'role="alert"' in unknown.get_data(as_text=True)
    assert client.get("/graph", query_string={"focus": "not an iri"}).status_code == 400
    assert client.get("/graph", query_string={"plan": "minami/1999"}).status_code == 404


def test_the_json_twin(client: FlaskClient) -> None:
    sections = client.get("/graph?format=json").get_json()
    assert sections["view"] == "sections" and sections["plan"]["key"] == "minami/2022"
    node = client.get(
        "/graph", query_string={"focus": SOMU}, headers={"Accept": "application/json"}
    ).get_json()
    assert node["view"] == "node" and node == {"view": "node", **_node(client, SOMU)}
    assert client.get("/graph?format=json&focus=x").status_code == 400
    assert client.get(f"/graph?format=json&focus={ID}nothing").status_code == 404
    assert '</graph?format=json>; rel="alternate"' in client.get("/graph").headers["Link"]


# --- the remote backend --------------------------------------------------------------------


def test_the_same_json_from_a_remote_store(
    seeded_engine: RemoteServer,
    client: FlaskClient,
) -> None:
    remote = create_app(seeded_engine.settings()).test_client()
    for iri in (SOMU, GENSAI_01, PLAN):
        for lang in ("ja", "en"):
            here = _node(client, iri, lang=lang)
            there = _node(remote, iri, lang=lang)
            assert there == here
    assert _node(remote, PLAN, limit="3") == _node(client, PLAN, limit="3")
    for lang in ("ja", "en"):
        path = f"/api/graph/sections?lang={lang}"
        assert remote.get(path).get_json() == client.get(path).get_json()
    assert remote.get("/api/graph/node", query_string={"iri": ID + "nothing"}).status_code == 404
    page = remote.get("/graph", query_string={"focus": SOMU})
    assert page.status_code == 200

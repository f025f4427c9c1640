"""/ontology: the reference page lists every term of the ontology with its definition,
constraints and an example, and the vocabulary itself comes back in Turtle, JSON-LD and
RDF/XML by content negotiation, the same graph as the file and as the store's ontology graph.

The expectations are read from `ontology/*.ttl` here with rdflib, independently of
`minami_kg.ontology_doc`, so a term the page forgets or misreads fails a test.
"""

from __future__ import annotations

from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import OWL, RDF, RDFS, SH, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from minami_kg.config import PROJECT_ROOT
from minami_kg.ontology_doc import CORE_LAYOUT, read_ontology
from minami_kg.server import create_app

from .remote_engines import RemoteServer

ONTOLOGY = PROJECT_ROOT / "ontology" / "minami-kg.ttl"
SHAPES = PROJECT_ROOT / "ontology" / "shapes.ttl"
MKG = "https://w3id.org/minami-kg/def#"
VOID_ELEMENTS = {"br", "hr", "img", "input", "link", "meta", "wbr", "source", "col", "area"}


# --- what the file says -------------------------------------------------------------------


@pytest.fixture(scope="module")
def ontology_graph() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def terms(graph: Graph) -> dict[str, URIRef]:
    """Local name → IRI of every class and property the file defines in our namespace."""
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return {
        str(s)[len(MKG) :]: s
        for kind in kinds
        for s in graph.subjects(RDF.type, kind)
        if str(s).startswith(MKG)
    }


def comment(graph: Graph, term: URIRef, lang: str) -> str:
    found = [str(o) for o in graph.objects(term, RDFS.comment) if o.language == lang]
    assert len(found) == 1, f"{term} has {len(found)} rdfs:comment@{lang}"
    return found[0]


# --- what the page says -------------------------------------------------------------------


class Page(HTMLParser):
    """The page's term entries (`article.term`), their definitions and text, ids and links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None, bool]] = []  # tag, entry id, in a definition
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.entries: list[str] = []
        self.definitions: dict[str, str] = defaultdict(str)
        self.text: dict[str, str] = defaultdict(str)
        self.examples: dict[str, list[str]] = defaultdict(list)
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        entry, in_definition = self.stack[-1][1:] if self.stack else (None, False)
        classes = (a.get("class") or "").split()
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "article" and "term" in classes:
            entry = a["id"]
            self.entries.append(entry or "")
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"] or "")
            if entry and "example" in classes:
                self.examples[entry].append(a["href"] or "")
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, entry, in_definition or "definition" in classes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            return
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][1]:
            _, entry, in_definition = self.stack[-1]
            self.text[entry] += data
            if in_definition:
                self.definitions[entry] += data


@pytest.fixture(scope="module")
def page_ja(app: Flask) -> Page:
    response = app.test_client().get("/ontology?lang=ja")
    assert response.status_code == 200
    return Page(response.get_data(as_text=True))


@pytest.fixture(scope="module")
def page_en(app: Flask) -> Page:
    response = app.test_client().get("/ontology?lang=en")
    assert response.status_code == 200
    return Page(response.get_data(as_text=True))


# --- the page -----------------------------------------------------------------------------


def test_every_class_and_property_has_exactly_one_entry(
    page_ja: Page, ontology_graph: Graph
) -> None:
    expected = set(terms(ontology_graph))
    assert len(expected) >= 60  # the file is read, not empty
    assert sorted(page_ja.entries) == sorted(expected)
    assert len(page_ja.ids) == len(set(page_ja.ids)), "an id is used twice"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_each_entry_shows_its_definition_in_the_page_language(
    lang: str, page_ja: Page, page_en: Page, ontology_graph: Graph
) -> None:
    page = page_ja if lang == "ja" else page_en
    for local, term in terms(ontology_graph).items():
        assert page.definitions[local].strip() == comment(ontology_graph, term, lang), local


def test_english_page_has_english_labels(page_en: Page, ontology_graph: Graph) -> None:
    for local, term in terms(ontology_graph).items():
        (label,) = (str(o) for o in ontology_graph.objects(term, RDFS.label) if o.language == "en")
        assert label in page_en.text[local], local


def test_every_link_within_the_page_has_a_target(page_ja: Page) -> None:
    fragments = {h[1:] for h in page_ja.hrefs if h.startswith("#")}
    assert fragments - set(page_ja.ids) == set()
    assert {"Measure", "contributesTo", "diagram", "classes"} <= fragments


def test_shapes_targeting_a_class_are_shown_in_its_entry(
    page_ja: Page, shapes_graph: Graph
) -> None:
    targeted = 0
    for shape, target in shapes_graph.subject_objects(SH.targetClass):
        if str(target).startswith(MKG):
            local = str(target)[len(MKG) :]
            curie = "mkgsh:" + str(shape).rsplit("#", 1)[1]
            assert curie in page_ja.text[local], (local, curie)
            targeted += 1
    assert targeted >= 10


def test_a_measure_entry_shows_its_constraints(page_en: Page) -> None:
    text = page_en.text["Measure"]
    assert "mkgsh:MeasureShape" in text
    # the focus area: exactly one, an IRI of a mkg:FocusArea (MeasureShape)
    assert "mkg:inFocusArea" in text and "1..1" in text and "sh:nodeKind sh:IRI" in text
    # the message of the warning for a missing English label, and its severity
    assert "no English skos:prefLabel (@en) yet; add one in data/curation" in text
    assert "Warning" in text
    # inherited from nowhere, but SourcedElementShape targets Measure directly
    assert "mkgsh:SourcedElementShape" in text


def test_subclasses_inherit_the_shapes_of_their_superclass(page_en: Page) -> None:
    text = page_en.text["FoundationArea"]
    assert "mkgsh:FocusAreaShape" in text and "from superclass" in text


def test_a_property_entry_shows_the_constraints_on_its_path(page_en: Page) -> None:
    text = page_en.text["method"]
    assert "mkgsh:ContributionShape" in text
    assert '"explicit-mention" "shared-topic" "curated"' in text
    involves = page_en.text["involves"]
    assert "mkgsh:InvolvesShape" in involves  # targets the subjects of mkg:involves


def test_alignment_to_the_w3c_vocabularies(page_en: Page) -> None:
    section = page_en.text["Section"]
    assert "rdfs:subClassOf" in section and "org:OrganizationalUnit" in section and "ORG" in section
    assert "dcterms:isPartOf" in page_en.text["inPlan"]
    assert "prov:Entity" in page_en.text["Plan"] and "PROV-O" in page_en.text["Plan"]
    assert "oa:hasTarget" in page_en.text["quote"]  # rdfs:seeAlso counts too


def test_examples_from_the_data_lead_to_pages_that_exist(
    page_ja: Page, client: FlaskClient
) -> None:
    examples = {local: hrefs for local, hrefs in page_ja.examples.items() if hrefs}
    # every class the seed has instances of, and the common properties
    for local in ("Plan", "Measure", "Section", "Contribution", "PlanElement", "contributesTo"):
        assert local in examples, local
    assert len(examples) >= 50
    for local, (href, *_) in examples.items():
        assert href.startswith("/page/"), (local, href)
        assert client.get(href).status_code == 200, (local, href)


def test_version_namespace_and_named_graph(page_ja: Page, client: FlaskClient) -> None:
    html = client.get("/ontology").get_data(as_text=True)
    assert "https://w3id.org/minami-kg/def#" in html
    assert "0.2.0" in html
    assert 'href="/graph/ontology"' in html and "http://127.0.0.1:8000/graph/ontology" in html
    assert {"toc-heading", "diagram", "namespaces"} <= set(page_ja.ids)


def test_diagram_draws_the_core_classes_and_the_properties_between_them() -> None:
    doc = read_ontology(ONTOLOGY, SHAPES)
    diagram = doc.diagram
    assert {b.anchor for b in diagram.boxes} == set(CORE_LAYOUT)
    drawn = {a.anchor for a in diagram.arrows}
    assert {
        "contributesTo",
        "hasFocusArea",
        "inFocusArea",
        "section",
        "measure",
        "evidence",
    } <= drawn
    assert "actionOf" not in drawn and "hasAction" in drawn  # one of two inverses
    by_local = {p.local: p for p in doc.object_properties}
    core = set(CORE_LAYOUT)
    for arrow in diagram.arrows:
        prop = by_local[arrow.anchor]
        assert {r.anchor for r in prop.domain} & core and {r.anchor for r in prop.range} & core
    boxes = list(diagram.boxes)
    for i, box in enumerate(boxes):  # inside the picture, and no two boxes overlap
        assert box.x >= 0 and box.x + box.width <= diagram.width
        assert box.y >= 0 and box.y + box.height <= diagram.height
        for other in boxes[i + 1 :]:
            apart_x = box.x + box.width <= other.x or other.x + other.width <= box.x
            apart_y = box.y + box.height <= other.y or other.y + other.height <= box.y
            assert apart_x or apart_y, (box.anchor, other.anchor)


def test_the_page_is_in_svg_without_scripts(client: FlaskClient) -> None:
    html = client.get("/ontology").get_data(as_text=True)
    assert "<svg" in html and "<script" not in html


# --- the JSON twin ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/ontology?format=json", {}),
        ("/ontology.json", {}),
        ("/ontology", {"Accept": "application/json"}),
    ],
)
def test_json_twin(
    client: FlaskClient, ontology_graph: Graph, path: str, headers: dict[str, str]
) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    entries = data["classes"] + data["object_properties"] + data["datatype_properties"]
    assert {e["local"] for e in entries} == set(terms(ontology_graph))
    measure = next(e for e in data["classes"] if e["local"] == "Measure")
    assert measure["comment"]["en"] == comment(ontology_graph, URIRef(MKG + "Measure"), "en")
    assert measure["example"]["href"].startswith("/page/minami/2022/measure/")
    in_focus_area = next(
        pc["constraint"]
        for p in data["object_properties"]
        if p["local"] == "inFocusArea"
        for pc in p["constraints"]
        if pc["shape"]["curie"] == "mkgsh:MeasureShape"
    )
    assert in_focus_area["cardinality"] == "1..1"
    assert [v["curie"] for v in in_focus_area["value_types"]] == ["mkg:FocusArea"]
    assert data["version_info"] == "0.2.0"
    assert data["graph"] == "http://127.0.0.1:8000/graph/ontology"


# --- the vocabulary itself ----------------------------------------------------------------

RDF_CASES = [
    ("/ontology", {"Accept": "text/turtle"}, "text/turtle", "turtle"),
    ("/ontology", {"Accept": "application/ld+json"}, "application/ld+json", "json-ld"),
    ("/ontology", {"Accept": "application/rdf+xml"}, "application/rdf+xml", "xml"),
    ("/ontology?format=ttl", {}, "text/turtle", "turtle"),
    ("/ontology?format=jsonld", {}, "application/ld+json", "json-ld"),
    ("/ontology?format=rdf", {}, "application/rdf+xml", "xml"),
    ("/ontology.ttl", {}, "text/turtle", "turtle"),
    ("/ontology.jsonld", {}, "application/ld+json", "json-ld"),
    ("/ontology.rdf", {}, "application/rdf+xml", "xml"),
    (
        "/ontology",
        {"Accept": "text/html;q=0.5, text/turtle;q=0.9, application/rdf+xml;q=0.8"},
        "text/turtle",
        "turtle",
    ),
]


@pytest.mark.parametrize(("path", "headers", "mimetype", "parser"), RDF_CASES)
def test_the_vocabulary_in_rdf_is_the_files_graph(
    client: FlaskClient,
    ontology_graph: Graph,
    path: str,
    headers: dict[str, str],
    mimetype: str,
    parser: str,
) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    graph = Graph().parse(data=response.data, format=parser)
    assert isomorphic(graph, ontology_graph)
    assert "/ontology." in response.headers["Link"]


def test_turtle_is_the_file_as_written(client: FlaskClient) -> None:
    assert client.get("/ontology.ttl").data == ONTOLOGY.read_bytes()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Accept": "*/*"},
        {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
    ],
)
def test_browsers_and_anything_get_the_page(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.get("/ontology", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Accept" in response.vary


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/ontology", {"Accept": "text/csv"}),
        ("/ontology", {"Accept": "image/png, application/pdf;q=0.5"}),
        ("/ontology?format=csv", {}),
    ],
)
def test_nothing_acceptable_is_406(client: FlaskClient, path: str, headers: dict[str, str]) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 406
    assert "text/turtle" in response.get_json()["error"]
    assert "Accept" in response.vary


def test_an_unknown_extension_is_404(client: FlaskClient) -> None:
    assert client.get("/ontology.csv").status_code == 404


def test_the_store_holds_the_same_graph_as_the_ontology_graph(
    client: FlaskClient, ontology_graph: Graph
) -> None:
    """The build loads the file into {base}graph/ontology; /graph/ontology gives it back."""
    response = client.get("/graph/ontology", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    stored = Graph().parse(data=response.data, format="turtle")
    assert isomorphic(stored, ontology_graph)


def test_void_names_the_vocabulary(client: FlaskClient) -> None:
    description = Graph().parse(
        data=client.get("/dataset", headers={"Accept": "text/turtle"}).data, format="turtle"
    )
    void_vocabulary = URIRef("http://rdfs.org/ns/void#vocabulary")
    assert (None, void_vocabulary, URIRef(MKG)) in description


def test_every_term_has_both_labels_and_definitions(ontology_graph: Graph) -> None:
    """The page speaks both languages only if the file does."""
    for term in terms(ontology_graph).values():
        for predicate in (RDFS.label, RDFS.comment):
            languages = sorted(
                o.language
                for o in ontology_graph.objects(term, predicate)
                if isinstance(o, Literal)
            )
            assert languages == ["en", "ja"], (term, predicate)


def test_examples_come_from_a_remote_store_too(seeded_engine: RemoteServer) -> None:
    client = create_app(seeded_engine.settings()).test_client()
    data = client.get("/ontology.json").get_json()
    section = next(e for e in data["classes"] if e["local"] == "Section")
    assert section["example"]["href"].startswith("/page/minami/section/")
    assert client.get("/ontology", headers={"Accept": "text/turtle"}).status_code == 200


def test_the_files_it_reads_are_the_builds(tmp_path: Path) -> None:
    """A changed ontology folder is what the page shows (the page is not a stale copy)."""
    folder = tmp_path / "ontology"
    folder.mkdir()
    text = ONTOLOGY.read_text(encoding="utf-8").replace(
        '"A measure of a focus area,', '"A changed measure of a focus area,'
    )
    (folder / "minami-kg.ttl").write_text(text, encoding="utf-8")
    (folder / "shapes.ttl").write_bytes(SHAPES.read_bytes())
    doc = read_ontology(folder / "minami-kg.ttl", folder / "shapes.ttl")
    measure = next(c for c in doc.classes if c.local == "Measure")
    assert measure.comment.en.startswith("A changed measure of a focus area,")

"""What the index holds, read from the store by SPARQL only (so a remote store works too).

Every resource under `{base}id/` with a `skos:prefLabel` is a document: its
names (prefLabels, ja and en), its aliases (altLabels), its text (the
source line, descriptions, goal statements, notes) and the labels of the
topics it is about (so 外国人 finds what is tagged 多文化共生, and English
words find Japanese text through its topics' English labels). A measure also carries
the names of its actions, and a section the statements of its goals, so
that a word used only there still finds them. Topics and partners lend
their labels to each other as synonyms (see `minami_kg.search.query`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import Literal, QuerySolution, Variable

from minami_kg.rdf.iris import Iris
from minami_kg.rdf.namespaces import MKG, SKOS, SPARQL_PREFIXES
from minami_kg.store import GraphStore, select

# (key, class IRI) in the order that picks a resource's type; the first that fits wins.
TYPES: tuple[tuple[str, str], ...] = (
    ("contribution", MKG.Contribution.value),
    ("cited-plan", MKG.CitedPlan.value),
    ("plan", MKG.Plan.value),
    ("basic-goal", MKG.BasicGoal.value),
    ("focus-area", MKG.FocusArea.value),
    ("measure", MKG.Measure.value),
    ("action", MKG.Action.value),
    ("section", MKG.Section.value),
    ("section-goal", MKG.SectionGoal.value),
    ("partner", MKG.Partner.value),
    ("topic", SKOS.Concept.value),
)
TYPE_NAMES = {  # as the ontology labels the classes
    "contribution": ("取組への関与", "Contribution"),
    "cited-plan": ("参照される計画", "Cited plan"),
    "plan": ("運営方針", "Plan"),
    "basic-goal": ("基本目標", "Basic goal"),
    "focus-area": ("施策", "Focus area"),
    "measure": ("取組", "Measure"),
    "action": ("具体的な事業", "Action"),
    "section": ("課", "Section"),
    "section-goal": ("各職場の取組目標", "Section goal"),
    "partner": ("協働主体", "Partner"),
    "topic": ("話題", "Topic"),
    "other": ("その他", "Other"),
}

_TEXTS = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?s ?p ?o ?prefix WHERE {
  VALUES ?p { skos:prefLabel skos:altLabel mkg:sourceText dcterms:description
              mkg:goalStatement mkg:statement skos:note mkg:organisationStatement }
  ?s ?p ?o .
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?prefix) && isLiteral(?o))
}
"""
)
_TYPES = """
SELECT DISTINCT ?s ?type ?prefix WHERE {
  ?s a ?type .
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?prefix))
}
"""
_EXTRA_TEXT = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?s ?o WHERE {
  { ?s mkg:hasAction ?action . ?action skos:prefLabel ?o . }
  UNION { ?goal mkg:goalOf ?s ; mkg:goalStatement ?o . }
}
"""
)
_AREAS = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?s ?area WHERE {
  { ?s mkg:inFocusArea ?area . }
  UNION { ?measure mkg:hasAction ?s ; mkg:inFocusArea ?area . }
  UNION { ?s a mkg:FocusArea . BIND(?s AS ?area) }
  UNION { ?s a mkg:Contribution ; mkg:measure/mkg:inFocusArea ?area . }
}
"""
)
_SECTIONS = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?s ?section WHERE {
  { ?section mkg:contributesTo ?s . }
  UNION { ?section mkg:contributesTo ?measure . ?measure mkg:hasAction ?s . }
  UNION { ?s a mkg:Section . BIND(?s AS ?section) }
  UNION { ?s mkg:goalOf ?section . }
  UNION { ?section a mkg:Section ; mkg:involves ?s . }
  UNION { ?s a mkg:Contribution ; mkg:section ?section . }
}
"""
)
_TOPIC_LABELS = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?s ?label WHERE {
  ?s dcterms:subject ?topic .
  ?topic skos:prefLabel|skos:altLabel ?label .
}
"""
)
_SYNONYMS = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?s ?label WHERE {
  { ?s a skos:Concept . } UNION { ?s a mkg:Partner . }
  ?s skos:prefLabel|skos:altLabel ?label .
}
"""
)


@dataclass
class Document:
    iri: str
    type: str = "other"
    label_ja: str = ""
    label_en: str = ""
    names: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)  # labels of what it is about (dcterms:subject)
    areas: set[str] = field(default_factory=set)
    sections: set[str] = field(default_factory=set)


@dataclass
class Corpus:
    documents: list[Document]
    synonyms: list[list[str]]  # groups of labels that mean the same thing


def read_corpus(store: GraphStore, base: str) -> Corpus:
    """Every labelled resource of the graph with its texts, facets and synonyms."""
    prefix = {Variable("prefix"): Literal(Iris(base).id_base)}
    docs: dict[str, Document] = {}
    for row in select(store, _TEXTS, substitutions=prefix):
        _add_text(docs.setdefault(row["s"].value, Document(row["s"].value)), row)
    docs = {iri: doc for iri, doc in docs.items() if doc.names}
    types: dict[str, set[str]] = defaultdict(set)
    for row in select(store, _TYPES, substitutions=prefix):
        types[row["s"].value].add(row["type"].value)
    for iri, typed in docs.items():
        typed.type = next((key for key, cls in TYPES if cls in types[iri]), "other")
    for row in select(store, _EXTRA_TEXT):
        if (doc := docs.get(row["s"].value)) and row["o"].value not in doc.texts:
            doc.texts.append(row["o"].value)
    for row in select(store, _TOPIC_LABELS):
        if doc := docs.get(row["s"].value):
            doc.topics.append(row["label"].value)
    for row in select(store, _AREAS):
        if doc := docs.get(row["s"].value):
            doc.areas.add(row["area"].value)
    for row in select(store, _SECTIONS):
        if doc := docs.get(row["s"].value):
            doc.sections.add(row["section"].value)
    for doc in docs.values():
        doc.names.sort()
        doc.aliases.sort()
        doc.texts.sort()
        doc.topics.sort()
    groups: dict[str, list[str]] = defaultdict(list)
    for row in select(store, _SYNONYMS):
        groups[row["s"].value].append(row["label"].value)
    return Corpus(
        documents=sorted(docs.values(), key=lambda d: d.iri),
        synonyms=[sorted(set(labels)) for _, labels in sorted(groups.items())],
    )


def _add_text(doc: Document, row: QuerySolution) -> None:
    term = row["o"]
    predicate = row["p"]
    text = term.value
    if predicate == SKOS.prefLabel:
        doc.names.append(text)
        if term.language == "en":
            doc.label_en = text
        elif not doc.label_ja or term.language == "ja":
            doc.label_ja = text
    elif predicate == SKOS.altLabel:
        doc.aliases.append(text)
    elif text not in doc.texts:
        doc.texts.append(text)

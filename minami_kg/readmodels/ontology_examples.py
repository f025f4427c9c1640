"""One resource of the data per ontology term, for the `/ontology` page's examples.

For each class, an instance under `{base}id/`; for each property, a subject
under `{base}id/` that has it, with its value: whichever the store finds
first (`LIMIT 1` per term, no ORDER BY), so the cost does not grow with
the data: about 10 ms for the 62 terms on 180 plans (323,000 quads), where
picking the first by IRI (MIN over all uses) took a second. A class with no
instances of its own (mkg:PlanElement is never asserted) shows an instance
of one of its subclasses. The page keeps the answer per store version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from minami_kg.ontology_doc import MKG, Ontology, Text
from minami_kg.rdf.namespaces import SPARQL_PREFIXES
from minami_kg.readmodels.urls import Urls, page_url
from minami_kg.store import GraphStore, Term, select

VALUE_CHARS = 80  # an example's value is cut to this many characters


@dataclass(frozen=True)
class Example:
    """One resource of the data that uses a term, as its entry shows it."""

    iri: str
    href: str
    label: Text
    value: str = ""  # for a property: the value the resource has
    value_href: str = ""
    value_label: Text | None = None
    via: str = ""  # for a class with no instances of its own: the subclass it was taken from


_EXAMPLE_CLASS = """{
    { SELECT ?s WHERE { ?s a TERM FILTER(STRSTARTS(STR(?s), SPACE)) } LIMIT 1 }
    BIND(TERM AS ?term)
  }"""
_EXAMPLE_PROPERTY = """{
    { SELECT ?s ?o WHERE { ?s TERM ?o FILTER(STRSTARTS(STR(?s), SPACE)) } LIMIT 1 }
    OPTIONAL { ?o skos:prefLabel ?olabel }
    BIND(TERM AS ?term)
  }"""
_EXAMPLES = (
    SPARQL_PREFIXES
    + """
SELECT ?term ?s ?label ?o ?olabel WHERE {
  BRANCHES
  OPTIONAL { ?s skos:prefLabel ?label }
}
"""
)

_Row = tuple[str, Term | None, Term | None, Term | None]


def examples(store: GraphStore, base: str, doc: Ontology) -> dict[str, Example]:
    """One example per term (by local name), in one query; terms and the IRI space go in
    as SPARQL terms (`str()` of a term)."""
    urls = Urls(base)
    space = urls.id_base
    branches = [_EXAMPLE_CLASS.replace("TERM", str(NamedNode(c.iri))) for c in doc.classes]
    branches += [_EXAMPLE_PROPERTY.replace("TERM", str(NamedNode(p.iri))) for p in doc.properties]
    union = "\n  UNION\n  ".join(b.replace("SPACE", str(Literal(space))) for b in branches)
    rows: dict[str, list[_Row]] = {}
    for row in select(store, _EXAMPLES.replace("BRANCHES", union)):
        local = row["term"].value[len(MKG) :]
        rows.setdefault(local, []).append((row["s"].value, row["label"], row["o"], row["olabel"]))
    found = {local: _example(found, urls) for local, found in rows.items()}
    for c in doc.classes:
        if c.local not in found:
            sub = next((s for s in c.subclasses if s.anchor in found), None)
            if sub is not None and sub.anchor:
                example = found[sub.anchor]
                found[c.local] = Example(example.iri, example.href, example.label, via=sub.curie)
    return found


def _example(rows: list[_Row], urls: Urls) -> Example:
    """The rows of one term (one subject and value, a row per pair of labels) as an Example."""
    iri, _, term, _ = rows[0]
    value = term.value if term is not None else ""
    value_key = urls.key(value)
    return Example(
        iri=iri,
        href=page_url(urls.key(iri) or iri),
        label=_labels(label for _, label, _, _ in rows),
        value=value if len(value) <= VALUE_CHARS else value[: VALUE_CHARS - 1] + "…",
        value_href=page_url(value_key) if value_key else "",
        value_label=_labels(ol for _, _, _, ol in rows) if value_key else None,
    )


def _labels(labels: Iterable[Term | None]) -> Text:
    by_language: dict[str, str] = {}
    for label in labels:
        if isinstance(label, Literal) and label.language in ("ja", "en"):
            by_language.setdefault(label.language, label.value)
    return Text(by_language.get("ja", ""), by_language.get("en", ""))

"""The ontology and its SHACL shapes as plain data, for the reference page `/ontology`.

`read_ontology(ontology_ttl, shapes_ttl)` reads `ontology/minami-kg.ttl` and
`ontology/shapes.ttl` into dataclasses: one `ClassDoc` or `PropertyDoc` per
term of the `mkg:` namespace, with its labels and definitions in Japanese and
English, its place in the hierarchy, its alignment to the W3C vocabularies and
schema.org, and the shape constraints that apply to it; plus a `Diagram` of
the core classes laid out on a grid. Nothing here knows about Flask or the
store (examples from the data are the server's business), so the same
structure gives the HTML page and its JSON twin.

The modules, one job each:

- `model`: the dataclasses, free of rdflib;
- `names`: single values read off the files, and prefixed names and links for IRIs;
- `shapes`: the SHACL shapes, their paths, counts and other conditions;
- `terms`: the classes and properties, with the shapes that apply to each;
- `diagram`: the core classes' boxes and the arrows between them;
- `read`: `read_ontology`, which puts them together.
"""

from minami_kg.ontology_doc.diagram import (
    BOX_HEIGHT,
    BOX_WIDTH,
    COLUMN_PITCH,
    CORE_LAYOUT,
    MARGIN,
    ROW_PITCH,
    core_diagram,
)
from minami_kg.ontology_doc.model import (
    Alignment,
    AppliedShape,
    Arrow,
    Box,
    ClassDoc,
    Constraint,
    Diagram,
    Ontology,
    PropertyConstraint,
    PropertyDoc,
    Shape,
    TermRef,
    Text,
)
from minami_kg.ontology_doc.names import MKG
from minami_kg.ontology_doc.read import VANN, read_ontology
from minami_kg.ontology_doc.terms import ALIGNMENT_RELATIONS, VOCABULARIES

__all__ = [
    "ALIGNMENT_RELATIONS",
    "BOX_HEIGHT",
    "BOX_WIDTH",
    "COLUMN_PITCH",
    "CORE_LAYOUT",
    "MARGIN",
    "MKG",
    "ROW_PITCH",
    "VANN",
    "VOCABULARIES",
    "Alignment",
    "AppliedShape",
    "Arrow",
    "Box",
    "ClassDoc",
    "Constraint",
    "Diagram",
    "Ontology",
    "PropertyConstraint",
    "PropertyDoc",
    "Shape",
    "TermRef",
    "Text",
    "core_diagram",
    "read_ontology",
]

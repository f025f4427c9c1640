"""The ontology reference as plain data: one dataclass per thing the page shows.

Terms (`ClassDoc`, `PropertyDoc`) with their references to other terms
(`TermRef`, `Alignment`), the SHACL shapes that constrain them (`Shape`,
`Constraint` and the two views of them a term gets), the diagram (`Box`,
`Arrow`, `Diagram`) and the whole (`Ontology`). Frozen and free of rdflib, so
the HTML page and its JSON twin render the same values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """One text in both languages (either may be empty)."""

    ja: str
    en: str


@dataclass(frozen=True)
class TermRef:
    """A term as the page links it: to its anchor when the page documents it, else its IRI."""

    iri: str
    curie: str
    anchor: str | None = None
    label: Text | None = None


@dataclass(frozen=True)
class Alignment:
    """`relation` ties one of our terms to `target`, a term of `vocabulary`."""

    relation: str
    target: TermRef
    vocabulary: str


@dataclass(frozen=True)
class Constraint:
    """One property constraint of a shape (SHACL §2.3, https://www.w3.org/TR/shacl/#property-shapes)."""

    path: str  # as a SPARQL property path: `^mkg:hasAction`, `mkg:quote/oa:hasSource`
    properties: tuple[str, ...]  # IRIs of the properties the path walks
    name: str
    description: str
    message: str
    severity: str
    min_count: int | None
    max_count: int | None
    cardinality: str  # `1..1`, `0..7`, `1..*`; no count set: `0..*`, any number
    value_types: tuple[TermRef, ...]  # sh:datatype or sh:class; several: any one of them
    facets: tuple[str, ...]  # every other condition, in SHACL's own words


@dataclass(frozen=True)
class Shape:
    """A node shape (SHACL §2.1) with its targets, node-level conditions and constraints."""

    iri: str
    curie: str
    name: str
    description: str
    message: str
    severity: str
    target_classes: tuple[TermRef, ...]
    target_subjects_of: tuple[TermRef, ...]
    facets: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    sparql_messages: tuple[str, ...]  # what each SPARQL-based constraint (§5) reports


@dataclass(frozen=True)
class AppliedShape:
    """A shape that applies to a class, directly or through a superclass (`via`)."""

    shape: Shape
    via: TermRef | None


@dataclass(frozen=True)
class PropertyConstraint:
    """A constraint on a property's path, and the shape (and its targets) it belongs to."""

    shape: TermRef
    shape_name: str
    targets: tuple[TermRef, ...]
    constraint: Constraint


@dataclass(frozen=True)
class ClassDoc:
    """An `owl:Class` of our namespace, and everything that points at it."""

    iri: str
    local: str
    curie: str
    label: Text
    comment: Text
    superclasses: tuple[TermRef, ...]
    subclasses: tuple[TermRef, ...]
    disjoint_with: tuple[TermRef, ...]
    alignments: tuple[Alignment, ...]
    in_domain_of: tuple[TermRef, ...]
    in_range_of: tuple[TermRef, ...]
    shapes: tuple[AppliedShape, ...]


@dataclass(frozen=True)
class PropertyDoc:
    """An object or datatype property of our namespace, with its constraints."""

    iri: str
    local: str
    curie: str
    kind: str  # "object" or "datatype"
    functional: bool
    label: Text
    comment: Text
    superproperties: tuple[TermRef, ...]
    inverse_of: tuple[TermRef, ...]
    domain: tuple[TermRef, ...]
    range: tuple[TermRef, ...]
    alignments: tuple[Alignment, ...]
    constraints: tuple[PropertyConstraint, ...]
    subject_shapes: tuple[Shape, ...]  # shapes whose focus nodes are the subjects of the property


@dataclass(frozen=True)
class Box:
    """A class in the diagram: a rectangle with its top-left corner at (x, y)."""

    anchor: str
    curie: str
    label: Text
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Arrow:
    """An object property in the diagram, from its domain's box to its range's box."""

    anchor: str
    curie: str
    label: Text
    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def label_x(self) -> int:
        return (self.x1 + self.x2) // 2

    @property
    def label_y(self) -> int:
        return (self.y1 + self.y2) // 2


@dataclass(frozen=True)
class Diagram:
    """The core classes as boxes on a grid, linked by their object properties."""

    width: int
    height: int
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]


@dataclass(frozen=True)
class Ontology:
    """The whole reference page: the ontology's header and all its terms."""

    iri: str
    namespace: str
    prefix: str
    version_info: str
    version_iri: str
    prior_version: str
    title: Text
    description: Text
    license: str
    creator: str
    created: str
    shapes_iri: str
    shapes_version: str
    namespaces: tuple[tuple[str, str], ...]  # (prefix, namespace) as the file declares them
    classes: tuple[ClassDoc, ...]
    object_properties: tuple[PropertyDoc, ...]
    datatype_properties: tuple[PropertyDoc, ...]
    diagram: Diagram

    @property
    def properties(self) -> tuple[PropertyDoc, ...]:
        return self.object_properties + self.datatype_properties

"""The diagram of the core classes: boxes on a fixed grid, arrows drawn from the terms.

Only the placement is by hand (`CORE_LAYOUT`); which arrows there are follows
from the ontology, so a property added between two core classes shows up
without a change here. Coordinates are whole pixels of an SVG the page draws.
"""

from __future__ import annotations

from collections.abc import Iterable

from minami_kg.ontology_doc.model import Arrow, Box, ClassDoc, Diagram, PropertyDoc

CORE_LAYOUT: dict[str, tuple[int, int]] = {
    "BasicGoal": (0, 0),
    "Plan": (1, 0),
    "OrganisationalPrinciple": (2, 0),
    "FocusArea": (0, 1),
    "Measure": (1, 1),
    "Action": (2, 1),
    "Section": (0, 2),
    "Contribution": (1, 2),
    "Evidence": (2, 2),
    "SectionGoal": (0, 3),
}
"""The core classes and their (column, row) in the diagram: the plan's parts read top
down, sections and their contributions below. Arrows are not placed by hand: each is
an object property whose domain and range are both here (see `core_diagram`)."""

BOX_WIDTH, BOX_HEIGHT = 210, 54
COLUMN_PITCH, ROW_PITCH = 340, 130
MARGIN = 20


def core_diagram(classes: Iterable[ClassDoc], properties: Iterable[PropertyDoc]) -> Diagram:
    """Boxes for the core classes, an arrow for each object property between two of them.

    Of two properties declared inverse of each other only one is drawn, the one
    that is not functional (the whole's view of its parts: `hasAction`, not
    `actionOf`), so the picture reads from a plan down to its pieces.
    """
    boxes = {
        c.local: Box(
            c.local,
            c.curie,
            c.label,
            MARGIN + column * COLUMN_PITCH,
            MARGIN + row * ROW_PITCH,
            BOX_WIDTH,
            BOX_HEIGHT,
        )
        for c in classes
        if c.local in CORE_LAYOUT
        for column, row in [CORE_LAYOUT[c.local]]
    }
    arrows = []
    for prop in properties:
        if prop.kind != "object" or (prop.functional and prop.inverse_of):
            continue
        for domain in prop.domain:
            for range_ in prop.range:
                start, end = boxes.get(domain.anchor or ""), boxes.get(range_.anchor or "")
                if start and end and start is not end:
                    arrows.append(_arrow(prop, start, end))
    columns = max((x for x, _ in CORE_LAYOUT.values()), default=0) + 1
    rows = max((y for _, y in CORE_LAYOUT.values()), default=0) + 1
    return Diagram(
        width=2 * MARGIN + (columns - 1) * COLUMN_PITCH + BOX_WIDTH,
        height=2 * MARGIN + (rows - 1) * ROW_PITCH + BOX_HEIGHT,
        boxes=tuple(sorted(boxes.values(), key=lambda b: (b.y, b.x))),
        arrows=tuple(sorted(arrows, key=lambda a: a.anchor)),
    )


def _arrow(prop: PropertyDoc, start: Box, end: Box) -> Arrow:
    """A straight arrow between the two boxes' centres, cut at their borders."""
    x1, y1 = start.x + start.width / 2, start.y + start.height / 2
    x2, y2 = end.x + end.width / 2, end.y + end.height / 2
    dx, dy = x2 - x1, y2 - y1

    def cut(box: Box) -> float:
        """How far along (dx, dy), as a fraction, the line leaves a box of this size."""
        fractions = []
        if dx:
            fractions.append((box.width / 2 + 4) / abs(dx))
        if dy:
            fractions.append((box.height / 2 + 4) / abs(dy))
        return min(fractions)

    leave, arrive = cut(start), 1 - cut(end)
    return Arrow(
        prop.local,
        prop.curie,
        prop.label,
        round(x1 + dx * leave),
        round(y1 + dy * leave),
        round(x1 + dx * arrive),
        round(y1 + dy * arrive),
    )

"""The texts of a plan that links are read from, and quoting from them.

A `Place` is one text with its `Ref` and `Source`: a section's goal
paragraph, a measure's title, an action. Texts are compared in NFKC form;
quotes are taken from that form and located on the source line whose
letters contain them.
"""

from __future__ import annotations

from dataclasses import dataclass

from minami_kg.extract.model import Plan, Source
from minami_kg.link.model import Quote, Ref
from minami_kg.text import normalize

QUOTE_CONTEXT = 16  # characters of prefix and suffix kept around a quote


@dataclass(frozen=True)
class Place:
    ref: Ref
    text: str  # NFKC
    source: Source


def section_places(plan: Plan) -> list[Place]:
    return [
        Place(Ref.of_section(i), normalize(entry.goal), entry.source)
        for i, entry in enumerate(plan.sections)
    ]


def measure_places(plan: Plan) -> dict[Ref, list[Place]]:
    """For each measure, its own title first, then its actions."""
    places: dict[Ref, list[Place]] = {}
    for a, area in enumerate(plan.focus_areas):
        for m, measure in enumerate(area.measures):
            ref = Ref.of_measure(a, m)
            places[ref] = [Place(ref, normalize(measure.title), measure.source)] + [
                Place(Ref.of_action(a, m, k), normalize(action.text), action.source)
                for k, action in enumerate(measure.actions)
            ]
    return places


def _letters(text: str) -> str:
    return "".join(normalize(text).split())


def line_of(source: Source, exact: str) -> int:
    """The source line on which `exact` stands (ignoring spaces); the first line otherwise."""
    wanted = _letters(exact)
    for number, raw in zip(source.lines, source.text.split("\n"), strict=False):
        if wanted and wanted in _letters(raw):
            return number
    return source.first_line


def quote(place: Place, start: int, end: int) -> Quote:
    text = place.text
    exact = text[start:end]
    return Quote(
        ref=place.ref,
        exact=exact,
        prefix=text[max(0, start - QUOTE_CONTEXT) : start],
        suffix=text[end : end + QUOTE_CONTEXT],
        line=line_of(place.source, exact),
    )


def find_all(text: str, words: dict[str, str]) -> list[tuple[int, int, str]]:
    """Non-overlapping occurrences of any of `words` (word → key), longest first.

    Returns (start, end, key) in text order. Words are compared in NFKC form.
    """
    taken: list[tuple[int, int, str]] = []
    for word in sorted(words, key=len, reverse=True):
        needle = normalize(word)
        start = text.find(needle)
        while start >= 0 and needle:
            end = start + len(needle)
            if all(end <= s or start >= e for s, e, _ in taken):
                taken.append((start, end, words[word]))
            start = text.find(needle, start + 1)
    return sorted(taken)

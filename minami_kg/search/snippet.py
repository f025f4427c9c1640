"""Snippets: a window of the original text, escaped, with <mark> around what matched.

Matches are found on the folded text the same ways the index matches them
(literal characters, dictionary words, English keys, kana readings) and
mapped back to the characters as written, so 子ども is marked for こども and
ＩＣＴ for ict.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from minami_kg.search.tokens import (
    Folded,
    Run,
    Word,
    fold_with_offsets,
    hiragana,
    is_kana,
    runs,
)

WINDOW = 120  # characters shown around the first match
BEFORE = 30  # characters kept before it


@dataclass(frozen=True)
class _Analysis:
    """A text folded and cut into runs, with where each word key starts."""

    folded: Folded
    runs: list[Run]
    starts: dict[str, list[tuple[int, int]]]  # word key → (run, word) where it occurs
    latin: list[Word]  # the English words, in order


@lru_cache(maxsize=2048)
def _analysed(text: str) -> _Analysis:
    """Kept: analysing every text of every hit was most of a search's time, and the same
    texts come back for the synonyms and in other searches."""
    folded = fold_with_offsets(text)
    doc_runs = runs(folded.text)
    starts: dict[str, list[tuple[int, int]]] = {}
    for r, run in enumerate(doc_runs):
        for w, word in enumerate(run.words):
            starts.setdefault(word.key, []).append((r, w))
    latin = [word for run in doc_runs if run.latin for word in run.words]
    return _Analysis(folded, doc_runs, starts, latin)


@dataclass(frozen=True)
class _Term:
    """A run of the query as the snippets look for it."""

    text: str
    latin: bool
    keys: tuple[str, ...]  # its words' keys
    reading: str  # hiragana, for a kana run of two or more characters; else ""


def _terms(found: list[Run]) -> list[_Term]:
    """Each run once, made ready to be looked for in many texts."""
    terms: dict[_Term, None] = {}
    for run in found:
        reading = hiragana(run.text) if is_kana(run.text) and len(run.text) > 1 else ""
        term = _Term(run.text, run.latin, tuple(w.key for w in run.words), reading)
        terms[term] = None
    return list(terms)


def spans(text: str, terms: list[Run]) -> list[tuple[int, int]]:
    """Where in `text` (original offsets) the terms match, merged and sorted."""
    return _spans(text, _terms(terms))


def _spans(text: str, terms: list[_Term]) -> list[tuple[int, int]]:
    if not terms:
        return []
    analysis = _analysed(text)
    folded = analysis.folded
    found: list[tuple[int, int]] = []
    for term in terms:
        if term.latin:
            if analysis.latin:
                found.extend(_latin(analysis.latin, term.keys))
            continue
        start = folded.text.find(term.text)
        while start >= 0:
            found.append((start, start + len(term.text)))
            start = folded.text.find(term.text, start + 1)
        if term.keys and term.keys[0] in analysis.starts:
            found.extend(_words(analysis, term.keys))
        if term.reading:
            found.extend(_reading(analysis.runs, term.reading))
    return _merge([folded.original_span(s, e) for s, e in found if e > s])


def _latin(words: list[Word], keys: tuple[str, ...]) -> list[tuple[int, int]]:
    return [
        (w.start, w.end)
        for w in words
        if any(w.key == k or (len(k) >= 3 and w.key.startswith(k)) for k in keys)
    ]


def _words(analysis: _Analysis, keys: tuple[str, ...]) -> list[tuple[int, int]]:
    """The keys in a row, as the dictionary cut the text."""
    found = []
    for r, w in analysis.starts[keys[0]]:
        words = analysis.runs[r].words
        if tuple(word.key for word in words[w : w + len(keys)]) == keys:
            found.append((words[w].start, words[w + len(keys) - 1].end))
    return found


def _reading(doc_runs: list[Run], reading: str) -> list[tuple[int, int]]:
    found = []
    for run in doc_runs:
        if run.latin:
            continue
        joined, owners = "", []
        for w in run.words:
            joined += w.reading
            owners.extend([w] * len(w.reading))
        at = joined.find(reading)
        while at >= 0:
            found.append((owners[at].start, owners[at + len(reading) - 1].end))
            at = joined.find(reading, at + 1)
    return found


def _merge(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def render(text: str, marks: list[tuple[int, int]]) -> Markup:
    """The window around the first mark, escaped, whitespace flattened, marks wrapped."""
    shown = "".join(" " if c.isspace() else c for c in text)
    start = 0
    if len(shown) > WINDOW and marks:
        start = max(0, min(marks[0][0] - BEFORE, len(shown) - WINDOW))
    end = min(len(shown), start + WINDOW)
    out = [Markup("…") if start > 0 else Markup("")]
    at = start
    for mark_start, mark_end in marks:
        mark_start, mark_end = max(mark_start, start), min(mark_end, end)
        if mark_start >= mark_end:
            continue
        out.append(escape(shown[at:mark_start]))
        out.append(Markup("<mark>%s</mark>") % shown[mark_start:mark_end])
        at = mark_end
    out.append(escape(shown[at:end]))
    if end < len(shown):
        out.append(Markup("…"))
    return Markup("").join(out).strip()


class Snippets:
    """The snippets of one search: its terms made ready once, and each text's marks found
    once (the same texts, topic labels and section names, come back in many hits)."""

    def __init__(self, terms: list[Run], synonyms: list[Run]) -> None:
        self._own = _terms(terms)
        self._synonyms = _terms(synonyms)
        self._seen: dict[str, tuple[tuple[int, int], list[tuple[int, int]]]] = {}

    def best(self, fields: list[list[str]]) -> Markup:
        """The snippet of the text with most matches of the query's own words, then of synonyms.

        Fields are tried in order (body text first), so ties go to the text
        with most context.
        """
        best: tuple[tuple[int, int], str, list[tuple[int, int]]] | None = None
        for texts in fields:
            for text in texts:
                rank, marks = self._marks(text)
                if best is None or rank > best[0]:
                    best = (rank, text, marks)
        if best is None:
            return Markup("")
        return render(best[1], best[2])

    def _marks(self, text: str) -> tuple[tuple[int, int], list[tuple[int, int]]]:
        if text not in self._seen:
            own = _spans(text, self._own)
            marks = _merge(own + _spans(text, self._synonyms)) if self._synonyms else own
            self._seen[text] = ((len(own), len(marks)), marks)
        return self._seen[text]

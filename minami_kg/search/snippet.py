"""Snippets: a window of the original text, escaped, with <mark> around what matched.

Matches are found on the folded text the same ways the index matches them
(literal characters, dictionary words, English keys, kana readings) and
mapped back to the characters as written, so 子ども is marked for こども and
ＩＣＴ for ict.
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape

from minami_kg.search.tokens import Folded, Run, fold_with_offsets, hiragana, is_kana, runs

WINDOW = 120  # characters shown around the first match
BEFORE = 30  # characters kept before it


@lru_cache(maxsize=2048)
def _analysed(text: str) -> tuple[Folded, list[Run]]:
    """Folded text and runs, kept: analysing every text of every hit was most of a search's
    time, and the same texts come back for the synonyms and in other searches."""
    folded = fold_with_offsets(text)
    return folded, runs(folded.text)


def spans(text: str, terms: list[Run]) -> list[tuple[int, int]]:
    """Where in `text` (original offsets) the terms match, merged and sorted."""
    if not terms:
        return []
    folded, doc_runs = _analysed(text)
    found: list[tuple[int, int]] = []
    for term in terms:
        if term.latin:
            found.extend(_latin(doc_runs, term))
            continue
        start = folded.text.find(term.text)
        while start >= 0:
            found.append((start, start + len(term.text)))
            start = folded.text.find(term.text, start + 1)
        found.extend(_words(doc_runs, term))
        if is_kana(term.text) and len(term.text) > 1:
            found.extend(_reading(doc_runs, hiragana(term.text)))
    return _merge([folded.original_span(s, e) for s, e in found if e > s])


def _latin(doc_runs: list[Run], term: Run) -> list[tuple[int, int]]:
    keys = [w.key for w in term.words]
    return [
        (w.start, w.end)
        for run in doc_runs
        if run.latin
        for w in run.words
        if any(w.key == k or (len(k) >= 3 and w.key.startswith(k)) for k in keys)
    ]


def _words(doc_runs: list[Run], term: Run) -> list[tuple[int, int]]:
    keys = [w.key for w in term.words]
    found = []
    for run in doc_runs:
        words = run.words
        for i in range(len(words) - len(keys) + 1):
            if keys and [w.key for w in words[i : i + len(keys)]] == keys:
                found.append((words[i].start, words[i + len(keys) - 1].end))
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


def best_snippet(fields: list[list[str]], terms: list[Run], synonyms: list[Run]) -> Markup:
    """The snippet of the text with most matches of the query's own words, then of synonyms.

    Fields are tried in order (body text first), so ties go to the text
    with most context.
    """
    best: tuple[tuple[int, int], str, list[tuple[int, int]]] | None = None
    for texts in fields:
        for text in texts:
            own = spans(text, terms)
            marks = _merge(own + spans(text, synonyms)) if synonyms else own
            rank = (len(own), len(marks))
            if best is None or rank > best[0]:
                best = (rank, text, marks)
    if best is None:
        return Markup("")
    return render(best[1], best[2])

"""From the text a person typed to ranked hits with snippets and facets.

The query is folded and cut into runs like any document text. Every run
must match (AND), and a run matches in any of its ways (OR): as dictionary
words in order, as literal character bigrams (one character: itself), as a
kana reading when it is written in kana, and an English word also as a
prefix. A word that is a label of a topic or partner also matches that
thing's other labels (子ども ↔ こども ↔ 子供 ↔ Children). When nothing matches
every word, any word will do (`relaxed`).

Nothing typed reaches FTS5 as syntax: tokens are made of word characters
only, and each is written inside a quoted phrase.

Ranking is FTS5's BM25 with names weighing more than aliases and aliases
more than body text, times a small prior by type (a measure before the link
that mentions it) and a boost when the query is a whole label of the thing.
A run scores by its best way; the ways of a run are of different kinds, so
one MATCH of all of them gives each its own BM25 (see `_best_of`).
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from markupsafe import Markup

from minami_kg.search.index import COLUMNS, FIELDS, SearchIndex
from minami_kg.search.snippet import Snippets
from minami_kg.search.tokens import KINDS, Run, bigrams, fold, hiragana, is_kana, label_key, runs

MAX_QUERY_CHARS = 200
MAX_RUNS = 24
MAX_SYNONYMS = 24
MATCH_CAP = 5000
FACET_KINDS = ("type", "area", "section")

_FIELD_WEIGHT = {"name": 10.0, "alias": 4.0, "body": 1.5, "topic": 1.0}
_KIND_WEIGHT = {"word": 1.0, "gram": 0.6, "char": 0.4, "kana": 0.3, "latin": 1.0}
_WEIGHTS = ", ".join(str(_FIELD_WEIGHT[f] * _KIND_WEIGHT[k]) for f in FIELDS for k in KINDS)
# The same weights on one kind's columns only: BM25 of the phrases of that kind alone.
_KIND_WEIGHTS = {
    kind: ", ".join(
        str(_FIELD_WEIGHT[f] * _KIND_WEIGHT[k]) if k == kind else "0" for f in FIELDS for k in KINDS
    )
    for kind in KINDS
}
TYPE_PRIOR = {
    "measure": 1.3,
    "focus-area": 1.2,
    "section": 1.2,
    "topic": 1.1,
    "partner": 1.1,
    "action": 1.0,
    "plan": 1.0,
    "basic-goal": 1.0,
    "cited-plan": 1.0,
    "section-goal": 0.9,
    "other": 0.6,
    "contribution": 0.3,
}
EXACT_BOOST = 2.0
SYNONYM_BOOST = 1.6
PREFIX_BOOST = 1.3
SYNONYM_WEIGHT = 0.3  # a match through a synonym, against one of the words as typed
STOPWORDS = frozenset("a an and the of for in on to with by or at from".split())


class QueryError(ValueError):
    """A query that cannot be run as typed (empty, too long); the message says why."""


@dataclass(frozen=True)
class Filters:
    type: str | None = None
    area: str | None = None
    section: str | None = None

    def get(self, kind: str) -> str | None:
        return getattr(self, kind)


@dataclass
class Hit:
    iri: str
    type: str
    label_ja: str
    label_en: str
    snippet: Markup
    score: float


@dataclass
class FacetValue:
    value: str
    label_ja: str
    label_en: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    relaxed: bool = False


def clean_query(text: str | None) -> str:
    """The query without control characters and extra spaces; QueryError if nothing is left."""
    text = text or ""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is too long ({len(text)} characters; at most {MAX_QUERY_CHARS})"
        )
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = " ".join(text.split())
    if not text:
        raise QueryError("the query is empty: give some words to search for")
    return text


@dataclass(frozen=True)
class Way:
    """One way a run matches: a MATCH phrase over the columns of one kind."""

    kind: str
    match: str
    prefix: str = ""  # a Latin prefix way: the text its words start with


Ways = list[Way]  # any of which is a match of one run


Label = list[Ways]  # per run: a label matches where every run does


@dataclass
class _Plan:
    candidates: str | None  # MATCH text for every word (or its synonym); None: no words at all
    relaxed: str | None  # any of the words instead, for two or more
    own: Label  # the query as typed
    synonyms: list[Label]
    terms: list[Run]  # what snippets mark: the query's own runs …
    synonym_terms: list[Run]  # … and those of its synonyms
    key: str  # the query's words, to compare with whole labels
    synonym_keys: set[str]
    # `candidates` as labels: each word (or one of its synonyms) …
    words: list[list[Label]] = field(default_factory=list)
    whole: list[Label] = field(default_factory=list)  # … or a synonym of the whole query


def _phrase(kind: str, tokens: list[str], prefix: bool = False) -> Way:
    columns = " ".join(c for c in COLUMNS if c.endswith("_" + kind))
    body = " ".join(tokens).replace('"', '""')
    match = f'{{{columns}}} : "{body}"' + ("*" if prefix else "")
    return Way(kind, match, tokens[0] if prefix else "")


def _ways(run: Run) -> Ways:
    """Each way a run can match: dictionary words, literal characters, kana reading, prefix."""
    streams = run.streams()
    if run.latin:
        if not streams["latin"]:
            return []
        ways = [_phrase("latin", streams["latin"])]
        if len(run.text) >= 3:
            ways.append(_phrase("latin", [run.text], prefix=True))
        return ways
    ways = [_phrase("word", streams["word"])] if streams["word"] else []
    if len(run.text) == 1:
        ways.append(_phrase("char", [run.text]))
    else:
        ways.append(_phrase("gram", streams["gram"]))
    if is_kana(run.text) and len(run.text) > 1:
        ways.append(_phrase("kana", bigrams(hiragana(run.text))))
    return ways


def _every(parts: list[str]) -> str:
    return " AND ".join(f"({p})" for p in parts)


def _some(parts: list[str]) -> str:
    return " OR ".join(f"({p})" for p in parts)


def _condition(label: Label) -> str | None:
    conditions = [_some([way.match for way in ways]) for ways in label if ways]
    return _every(conditions) if conditions else None


def _synonyms(db: sqlite3.Connection, text: str) -> list[str]:
    key = label_key(text)
    if not key:
        return []
    rows = db.execute(
        "SELECT DISTINCT label FROM synonyms WHERE grp IN (SELECT grp FROM synonyms WHERE key = ?)"
        " AND key != ? ORDER BY label LIMIT ?",
        (key, key, MAX_SYNONYMS),
    )
    return [label for (label,) in rows]


def plan_query(db: sqlite3.Connection, text: str) -> _Plan:
    """The MATCH expressions for `text`, and what its snippets should mark."""
    units = [(word, found) for word in text.split() if (found := runs(fold(word))[:MAX_RUNS])]
    units = units[:MAX_RUNS]
    terms = [run for _, found in units for run in found][:MAX_RUNS]
    own = [ways for run in terms if (ways := _ways(run))]
    plan = _Plan(None, None, own, [], terms, [], label_key(text), set())
    if not own:
        return plan

    def expand(labels: list[str]) -> list[Label]:
        found_labels = []
        for label in labels:
            found = [r for r in runs(fold(label))[:MAX_RUNS] if r.text not in STOPWORDS]
            ways = [_ways(r) for r in found]
            if any(ways):  # some run has a way to match
                plan.synonym_keys.add(label_key(label))
                plan.synonym_terms.extend(found)
                plan.synonyms.append(ways)
                found_labels.append(ways)
        return found_labels

    for word, found in units:
        mine = [_ways(r) for r in found]
        if any(mine):
            others = expand(_synonyms(db, word)) if len(units) > 1 else []
            plan.words.append([mine, *others])
    plan.whole = expand(_synonyms(db, text))
    per_word = [_some([c for label in labels if (c := _condition(label))]) for labels in plan.words]
    whole = [c for label in plan.whole if (c := _condition(label))]
    plan.candidates = _some([_every(per_word), *whole])
    if len(per_word) > 1:
        plan.relaxed = _some([*per_word, *whole])
    return plan


def search(
    index: SearchIndex,
    text: str,
    *,
    filters: Filters | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    """The hits for `text` (already `clean_query`ed), best first, with facets."""
    filters = filters or Filters()
    try:
        return _search(index, text, filters, limit, offset)
    except sqlite3.OperationalError as err:  # a safety net: the text never reaches FTS5 as syntax
        raise QueryError(f"cannot search for this text: {err}") from None


def _search(
    index: SearchIndex, text: str, filters: Filters, limit: int, offset: int
) -> SearchResult:
    with index.reading() as db:
        plan = plan_query(db, text)
        if plan.candidates is None:
            return SearchResult(query=text, total=0, hits=[])
        matches = _Matches(db)
        relevance = _relevance(matches, plan)
        relaxed = False
        scored = _scored(db, plan, _candidates(db, plan, matches, relaxed), relevance)
        if not scored and plan.relaxed:
            relaxed = True
            scored = _scored(db, plan, _candidates(db, plan, matches, relaxed), relevance)
        facets = _facets(db, scored, filters)
        kept = [s for s in scored if _passes(s, filters)]
        snippets = Snippets(plan.terms, plan.synonym_terms)
        hits = [_hit(db, s, snippets) for s in kept[offset : offset + limit]]
    return SearchResult(query=text, total=len(kept), hits=hits, facets=facets, relaxed=relaxed)


@dataclass(slots=True)
class _Scored:
    id: int
    iri: str
    type: str
    label_ja: str
    label_en: str
    score: float
    areas: set[str]
    sections: set[str]

    def values(self, kind: str) -> set[str]:
        if kind == "type":
            return {self.type}
        return self.areas if kind == "area" else self.sections


def _relevance(matches: _Matches, plan: _Plan) -> dict[int, float]:
    """BM25 per document: for each run its best way, summed over the runs; synonyms weigh less.

    Taking the best way rather than the sum keeps a rare spelling (こども where
    the text mostly writes 子ども) from outweighing the dictionary word both share.
    """

    def label(found: Label) -> dict[int, float]:
        if len(found) == 1:
            return matches.run(found[0])  # read only: the matches keep it
        total: dict[int, float] = {}
        for ways in found:
            for doc, score in matches.run(ways).items():
                total[doc] = total.get(doc, 0.0) + score
        return total

    relevance = dict(label(plan.own))
    synonyms: dict[int, float] = {}
    for found in plan.synonyms:
        for doc, score in label(found).items():
            if score > synonyms.get(doc, 0.0):
                synonyms[doc] = score
    for doc, score in synonyms.items():
        relevance[doc] = relevance.get(doc, 0.0) + SYNONYM_WEIGHT * score
    return relevance


class _Matches:
    """The documents each run of a search matches, with their best BM25, read once."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.capped = False  # a MATCH stopped at MATCH_CAP: not every match is known
        self._runs: dict[tuple[Way, ...], dict[int, float]] = {}

    def run(self, ways: Ways) -> dict[int, float]:
        key = tuple(ways)
        if key not in self._runs:
            self._runs[key] = self._best_of(ways)
        return self._runs[key]

    def label(self, label: Label) -> set[int]:
        """The documents that every run of `label` matches."""
        first, *others = [self.run(ways).keys() for ways in label if ways]
        return set(first).intersection(*others)

    def _best_of(self, ways: Ways) -> dict[int, float]:
        """Each matching document's best BM25 over `ways`, with one MATCH per group of kinds.

        bm25() sums over every phrase of a MATCH. Given weights on one kind's
        columns only, the phrases of other kinds count nothing, so in a MATCH
        of ways that are all of different kinds each call gives one way's
        score, the same as a MATCH of that way alone. The costly part of
        bm25() is per document (its sizes and match positions), so one pass
        over the documents of a run's word, bigram and reading ways costs
        little more than one. A MATCH that stops at MATCH_CAP is made again
        way by way, so that each way scores the documents it would alone.
        """
        best: dict[int, float] = {}
        groups = _kind_groups(_needed(self.db, ways))
        while groups:
            group = groups.pop()
            rows = self._scores(group)
            if len(rows) == MATCH_CAP:
                self.capped = True
                if len(group) > 1:  # each way's first documents, as a MATCH of it alone has them
                    groups.extend([way] for way in group)
                    continue
            if not best:
                best = dict(rows)
                continue
            for doc, score in rows:
                if score > best.get(doc, 0.0):
                    best[doc] = score
        return best

    def _scores(self, group: Ways) -> list[tuple[int, float]]:
        """Each document's best BM25 over `group`, ways of different kinds (see `_best_of`)."""
        if len(group) == 1:
            rank = f"bm25(fts, {_WEIGHTS})"
        else:  # min(): bm25() is negative, 0 where a way did not match
            rank = "min(" + ", ".join(f"bm25(fts, {_KIND_WEIGHTS[w.kind]})" for w in group) + ")"
        return self.db.execute(
            f"SELECT rowid, -{rank} FROM fts WHERE fts MATCH ? LIMIT {MATCH_CAP}",
            (_some([way.match for way in group]),),
        ).fetchall()


def _kind_groups(ways: Ways) -> list[Ways]:
    """`ways` in groups of different kinds (a Latin word and its prefix fall apart)."""
    groups: list[Ways] = []
    for way in ways:
        group = next((g for g in groups if all(w.kind != way.kind for w in g)), None)
        if group is None:
            groups.append([way])
        else:
            group.append(way)
    return groups


def _needed(db: sqlite3.Connection, ways: Ways) -> Ways:
    """`ways` without a Latin prefix way that finds nothing more than the exact word.

    The index's vocabulary (`vocab`, see `SearchIndex`) tells when no word
    starts with the prefix, or only the word itself: then the prefix way
    matches nothing, or the same words as the exact way with the same score.
    """
    exact = {way.match for way in ways if not way.prefix}
    kept = []
    for way in ways:
        if way.prefix:
            words = [
                term
                for (term,) in db.execute(
                    "SELECT term FROM temp.vocab WHERE term >= ? AND term < ? LIMIT 2",
                    (way.prefix, way.prefix + "\x7f"),  # Latin words are of [0-9a-z]
                )
            ]
            if len(words) < 2 and (not words or _phrase("latin", words).match in exact):
                continue
        kept.append(way)
    return kept


_DOC = "SELECT id, iri, type, label_ja, label_en, label_keys FROM docs"


def _candidates(
    db: sqlite3.Connection, plan: _Plan, matches: _Matches, relaxed: bool
) -> list[tuple[int, str, str, str, str, str]]:
    """The documents `plan.candidates` (or `plan.relaxed`) matches, from the runs' matches.

    The runs have been read for their scores already, so the documents come
    from their sets rather than from one more MATCH, unless a run stopped at
    MATCH_CAP: then FTS5 says which documents come first.
    """
    per_word = [set().union(*map(matches.label, labels)) for labels in plan.words]
    whole = [matches.label(label) for label in plan.whole]
    if relaxed:
        found = set().union(*per_word, *whole)
    else:
        found = per_word[0].intersection(*per_word[1:]).union(*whole)
    if matches.capped:
        return db.execute(
            f"SELECT d.* FROM ({_DOC}) AS d "
            f"JOIN (SELECT rowid AS id FROM fts WHERE fts MATCH ? LIMIT {MATCH_CAP}) USING (id)",
            (plan.relaxed if relaxed else plan.candidates,),
        ).fetchall()
    return _by_id(db, _DOC + " WHERE id IN ({})", sorted(found)[:MATCH_CAP])


def _by_id(db: sqlite3.Connection, sql: str, ids: list[int]) -> list[tuple]:
    """The rows of `sql` (its `IN ({})` filled) for `ids`, 500 at a time."""
    rows = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows.extend(db.execute(sql.format(", ".join("?" * len(chunk))), chunk).fetchall())
    return rows


def _scored(
    db: sqlite3.Connection, plan: _Plan, rows: list[tuple], relevance: dict[int, float]
) -> list[_Scored]:
    """The documents of `rows`, scored, best first."""
    areas: dict[int, set[str]] = {}
    sections: dict[int, set[str]] = {}
    facet_rows = _by_id(
        db, "SELECT doc, kind, value FROM facets WHERE doc IN ({})", [row[0] for row in rows]
    )
    for doc, kind, value in facet_rows:
        (areas if kind == "area" else sections).setdefault(doc, set()).add(value)
    probes = _probes(plan)
    scored = []
    for doc_id, iri, kind, ja, en, keys in rows:
        boost = TYPE_PRIOR.get(kind, 1.0)
        if any(map(keys.__contains__, probes)):
            boost *= _boost(plan, set(json.loads(keys)))
        score = relevance.get(doc_id, 0.0) * boost
        own_areas, own_sections = areas.get(doc_id, set()), sections.get(doc_id, set())
        scored.append(_Scored(doc_id, iri, kind, ja, en, score, own_areas, own_sections))
    scored.sort(key=lambda s: (-s.score, s.label_ja, s.iri))
    return scored


def _probes(plan: _Plan) -> list[str]:
    """Pieces of JSON text that a document's label keys hold when `_boost` may apply.

    The keys are stored as a JSON list; looking for these in its text spares
    parsing it for the many documents none of whose labels is the query.
    """
    own = json.dumps(plan.key)[:-1]  # without its closing quote: the key or a longer one
    return [own, *(json.dumps(key) for key in plan.synonym_keys)]


def _boost(plan: _Plan, label_keys: set[str]) -> float:
    if plan.key in label_keys:
        return EXACT_BOOST
    if plan.synonym_keys & label_keys:
        return SYNONYM_BOOST
    if plan.key and any(k.startswith(plan.key) for k in label_keys):
        return PREFIX_BOOST
    return 1.0


def _passes(item: _Scored, filters: Filters) -> bool:
    return all(not (wanted := filters.get(k)) or wanted in item.values(k) for k in FACET_KINDS)


def _facets(
    db: sqlite3.Connection, scored: list[_Scored], filters: Filters
) -> dict[str, list[FacetValue]]:
    """Counts per value of each facet, over the hits that pass the other facets' filters."""
    counts: dict[str, dict[str, int]] = {}
    for kind in FACET_KINDS:
        others = [(k, wanted) for k in FACET_KINDS if k != kind and (wanted := filters.get(k))]
        items = (
            [i for i in scored if all(w in i.values(k) for k, w in others)] if others else scored
        )
        if kind == "type":
            tally = dict(Counter(item.type for item in items))
        else:
            tally = dict(Counter(value for item in items for value in item.values(kind)))
        if filters.get(kind) and filters.get(kind) not in tally:
            tally[filters.get(kind)] = 0  # type: ignore[index]
        counts[kind] = tally
    names = _names(db, {("type:" if k == "type" else "") + v for k, t in counts.items() for v in t})
    facets = {}
    for kind, tally in counts.items():
        values = []
        for value, count in tally.items():
            ja, en = names.get(("type:" if kind == "type" else "") + value, (value, ""))
            values.append(FacetValue(value, ja, en, count, value == filters.get(kind)))
        facets[kind] = sorted(values, key=lambda v: (-v.count, v.label_ja, v.value))
    return facets


def _names(db: sqlite3.Connection, keys: set[str]) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    listed = sorted(keys)
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for iri, ja, en in db.execute(
            f"SELECT iri, ja, en FROM names WHERE iri IN ({marks})", chunk
        ):
            found[iri] = (ja, en)
    return found


def _hit(db: sqlite3.Connection, item: _Scored, snippets: Snippets) -> Hit:
    row = db.execute(
        "SELECT texts, aliases, names, topics FROM docs WHERE id = ?", (item.id,)
    ).fetchone()
    fields = [json.loads(column) for column in row]  # its topics last: shown when nothing else is
    return Hit(
        iri=item.iri,
        type=item.type,
        label_ja=item.label_ja,
        label_en=item.label_en,
        snippet=snippets.best(fields),
        score=round(item.score, 4),
    )

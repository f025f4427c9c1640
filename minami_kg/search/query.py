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
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from dataclasses import dataclass, field

from markupsafe import Markup

from minami_kg.search.index import COLUMNS, FIELDS, SearchIndex
from minami_kg.search.snippet import best_snippet
from minami_kg.search.tokens import KINDS, Run, bigrams, fold, hiragana, is_kana, label_key, runs

MAX_QUERY_CHARS = 200
MAX_RUNS = 24
MAX_SYNONYMS = 24
MATCH_CAP = 5000
FACET_KINDS = ("type", "area", "section")

_FIELD_WEIGHT = {"name": 10.0, "alias": 4.0, "body": 1.5, "topic": 1.0}
_KIND_WEIGHT = {"word": 1.0, "gram": 0.6, "char": 0.4, "kana": 0.3, "latin": 1.0}
_WEIGHTS = ", ".join(str(_FIELD_WEIGHT[f] * _KIND_WEIGHT[k]) for f in FIELDS for k in KINDS)
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


Ways = list[str]  # the MATCH phrases any of which is a match of one run


@dataclass
class _Plan:
    candidates: str | None  # MATCH text for every word (or its synonym); None: no words at all
    relaxed: str | None  # any of the words instead, for two or more
    own: list[Ways]  # per run of the query as typed
    synonyms: list[list[Ways]]  # per synonym label, per run
    terms: list[Run]  # what snippets mark: the query's own runs …
    synonym_terms: list[Run]  # … and those of its synonyms
    key: str  # the query's words, to compare with whole labels
    synonym_keys: set[str]


def _phrase(kind: str, tokens: list[str], prefix: bool = False) -> str:
    columns = " ".join(c for c in COLUMNS if c.endswith("_" + kind))
    body = " ".join(tokens).replace('"', '""')
    return f'{{{columns}}} : "{body}"' + ("*" if prefix else "")


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


def _condition(found: list[Ways]) -> str | None:
    conditions = [_some(ways) for ways in found if ways]
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

    def expand(labels: list[str]) -> list[str]:
        conditions = []
        for label in labels:
            found = [r for r in runs(fold(label))[:MAX_RUNS] if r.text not in STOPWORDS]
            if condition := _condition([_ways(r) for r in found]):
                plan.synonym_keys.add(label_key(label))
                plan.synonym_terms.extend(found)
                plan.synonyms.append([_ways(r) for r in found])
                conditions.append(condition)
        return conditions

    per_unit = []
    for word, found in units:
        if mine := _condition([_ways(r) for r in found]):
            others = expand(_synonyms(db, word)) if len(units) > 1 else []
            per_unit.append(_some([mine, *others]))
    whole = expand(_synonyms(db, text))
    plan.candidates = _some([_every(per_unit), *whole])
    if len(per_unit) > 1:
        plan.relaxed = _some([*per_unit, *whole])
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
        relaxed = False
        scored = _scored(db, plan, plan.candidates)
        if not scored and plan.relaxed:
            scored, relaxed = _scored(db, plan, plan.relaxed), True
        facets = _facets(db, scored, filters)
        kept = [s for s in scored if _passes(s, filters)]
        hits = [_hit(db, s, plan) for s in kept[offset : offset + limit]]
    return SearchResult(query=text, total=len(kept), hits=hits, facets=facets, relaxed=relaxed)


@dataclass
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
        return {"type": {self.type}, "area": self.areas, "section": self.sections}[kind]


def _relevance(db: sqlite3.Connection, plan: _Plan) -> dict[int, float]:
    """BM25 per document: for each run its best way, summed over the runs; synonyms weigh less.

    Taking the best way rather than the sum keeps a rare spelling (こども where
    the text mostly writes 子ども) from outweighing the dictionary word both share.
    """
    ranks: dict[str, dict[int, float]] = {}

    def way(expression: str) -> dict[int, float]:
        if expression not in ranks:
            rows = db.execute(
                f"SELECT rowid, bm25(fts, {_WEIGHTS}) FROM fts WHERE fts MATCH ? LIMIT {MATCH_CAP}",
                (expression,),
            )
            ranks[expression] = {doc: -rank for doc, rank in rows}
        return ranks[expression]

    def label(found: list[Ways]) -> dict[int, float]:
        total: dict[int, float] = {}
        for ways in found:
            best: dict[int, float] = {}
            for expression in ways:
                for doc, score in way(expression).items():
                    best[doc] = max(best.get(doc, 0.0), score)
            for doc, score in best.items():
                total[doc] = total.get(doc, 0.0) + score
        return total

    relevance = label(plan.own)
    synonyms: dict[int, float] = {}
    for found in plan.synonyms:
        for doc, score in label(found).items():
            synonyms[doc] = max(synonyms.get(doc, 0.0), score)
    for doc, score in synonyms.items():
        relevance[doc] = relevance.get(doc, 0.0) + SYNONYM_WEIGHT * score
    return relevance


def _scored(db: sqlite3.Connection, plan: _Plan, candidates: str) -> list[_Scored]:
    """Every match of `candidates`, scored."""
    rows = db.execute(
        f"SELECT d.id, d.iri, d.type, d.label_ja, d.label_en, d.label_keys FROM docs AS d "
        f"JOIN (SELECT rowid AS id FROM fts WHERE fts MATCH ? LIMIT {MATCH_CAP}) USING (id)",
        (candidates,),
    ).fetchall()
    relevance = _relevance(db, plan)
    facets: dict[int, dict[str, set[str]]] = {}
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for doc, kind, value in db.execute(
            f"SELECT doc, kind, value FROM facets WHERE doc IN ({marks})", chunk
        ):
            facets.setdefault(doc, {}).setdefault(kind, set()).add(value)
    scored = []
    for doc_id, iri, kind, ja, en, keys in rows:
        boost = TYPE_PRIOR.get(kind, 1.0) * _boost(plan, set(json.loads(keys)))
        score = relevance.get(doc_id, 0.0) * boost
        own = facets.get(doc_id, {})
        scored.append(
            _Scored(
                doc_id, iri, kind, ja, en, score, own.get("area", set()), own.get("section", set())
            )
        )
    scored.sort(key=lambda s: (-s.score, s.label_ja, s.iri))
    return scored


def _boost(plan: _Plan, label_keys: set[str]) -> float:
    if plan.key in label_keys:
        return EXACT_BOOST
    if plan.synonym_keys & label_keys:
        return SYNONYM_BOOST
    if plan.key and any(k.startswith(plan.key) for k in label_keys):
        return PREFIX_BOOST
    return 1.0


def _passes(item: _Scored, filters: Filters, *, besides: str | None = None) -> bool:
    for kind in FACET_KINDS:
        wanted = filters.get(kind)
        if kind != besides and wanted and wanted not in item.values(kind):
            return False
    return True


def _facets(
    db: sqlite3.Connection, scored: list[_Scored], filters: Filters
) -> dict[str, list[FacetValue]]:
    """Counts per value of each facet, over the hits that pass the other facets' filters."""
    counts: dict[str, dict[str, int]] = {}
    for kind in FACET_KINDS:
        tally: dict[str, int] = {}
        for item in scored:
            if _passes(item, filters, besides=kind):
                for value in item.values(kind):
                    tally[value] = tally.get(value, 0) + 1
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


def _hit(db: sqlite3.Connection, item: _Scored, plan: _Plan) -> Hit:
    row = db.execute(
        "SELECT texts, aliases, names, topics FROM docs WHERE id = ?", (item.id,)
    ).fetchone()
    fields = [json.loads(column) for column in row]  # its topics last: shown when nothing else is
    return Hit(
        iri=item.iri,
        type=item.type,
        label_ja=item.label_ja,
        label_en=item.label_en,
        snippet=best_snippet(fields, plan.terms, plan.synonym_terms),
        score=round(item.score, 4),
    )

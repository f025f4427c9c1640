"""Japanese text analysis shared by the linker and search.

Text is NFKC-normalised first (full-width ASCII and digits become half-width,
so ＩＣＴ and ICT meet), then split by SudachiPy in mode A (the shortest
units, so 特定健診 gives 特定 + 健診) and each word is reduced to its
`normalized_form` (こども and 子供 both become 子供). `terms` keeps content
words only; `compounds` joins runs of adjacent nouns (滞納 + 整理 → 滞納整理),
which name a specific thing far more often than either part does.

`DocumentFrequency` counts in how many paragraphs of a plan a term occurs, so
that words every paragraph uses (地域, 支援, 推進) weigh little.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sudachipy import Dictionary, SplitMode, Tokenizer

# Parts of speech (first level, second level) that carry content.
_CONTENT_POS = {
    ("名詞", "普通名詞"),
    ("名詞", "固有名詞"),
    ("形状詞", "一般"),
    ("動詞", "一般"),
}
# Single-character forms that are content words yet say nothing about a topic.
_STOP_FORMS = frozenset("等方為事物所的性化")


@dataclass(frozen=True)
class Term:
    """A content word: its normalised form and where it stands in the NFKC text."""

    form: str  # SudachiPy normalized_form: こども → 子供
    surface: str  # as written (after NFKC)
    start: int  # character offsets into normalize(text)
    end: int
    is_noun: bool


def normalize(text: str) -> str:
    """The form every comparison uses: NFKC, so full- and half-width forms agree."""
    return unicodedata.normalize("NFKC", text)


@cache
def _tokenizer() -> Tokenizer:
    return Dictionary(dict="core").tokenizer(mode=SplitMode.A)


def terms(text: str) -> list[Term]:
    """Content words of `text` in order, with spans into `normalize(text)`."""
    found = []
    for morpheme in _tokenizer().tokenize(normalize(text)):
        pos = morpheme.part_of_speech()
        if (pos[0], pos[1]) not in _CONTENT_POS:
            continue
        form = morpheme.normalized_form()
        if form in _STOP_FORMS or all("\u3041" <= c <= "\u309f" for c in form):
            continue  # hiragana-only words (よる, おく, する) are grammar here, not content
        if len(form) == 1 and not _is_kanji(form):
            continue
        found.append(
            Term(
                form=form,
                surface=morpheme.surface(),
                start=morpheme.begin(),
                end=morpheme.end(),
                is_noun=pos[0] == "名詞",
            )
        )
    return found


def compounds(found: list[Term]) -> list[Term]:
    """Runs of two or three adjacent nouns joined into one term (滞納整理, 特定健診)."""
    joined = []
    for size in (2, 3):
        for i in range(len(found) - size + 1):
            run = found[i : i + size]
            if all(t.is_noun for t in run) and all(
                a.end == b.start for a, b in itertools.pairwise(run)
            ):
                joined.append(
                    Term(
                        form="".join(t.form for t in run),
                        surface="".join(t.surface for t in run),
                        start=run[0].start,
                        end=run[-1].end,
                        is_noun=True,
                    )
                )
    return joined


def _is_kanji(char: str) -> bool:
    return "CJK UNIFIED IDEOGRAPH" in unicodedata.name(char, "")


class DocumentFrequency:
    """In how many of a set of paragraphs each term occurs, and its weight."""

    def __init__(self, paragraphs: Iterable[Iterable[str]]) -> None:
        self.counts: Counter[str] = Counter()
        self.paragraphs = 0
        for forms in paragraphs:
            self.paragraphs += 1
            self.counts.update(set(forms))

    def idf(self, form: str) -> float:
        """Inverse document frequency, smoothed: rare terms weigh more, never below 0."""
        return math.log((self.paragraphs + 1) / (self.counts[form] + 1))

    def share(self, form: str) -> float:
        """The fraction of paragraphs that contain the term."""
        return self.counts[form] / self.paragraphs if self.paragraphs else 0.0

"""How text becomes index tokens, the same way for documents and for queries.

Text is folded first (NFKC, then lower case: ＩＣＴ, ICT and ict meet; ｶﾀｶﾅ
becomes カタカナ), then cut into runs of word characters. A Latin run gives
English words, each reduced to a key (children → child, services → service):
the `latin` stream, kept apart so that the English name of a thing does not
make its Japanese name look long to BM25, and the other way round. A
Japanese run gives four streams of tokens, one per column kind of the index:

- `word`: SudachiPy mode A `normalized_form`s (子ども, こども, 子供 → 子供);
- `gram`: character bigrams, so any literal substring of two or more
  characters is found even where the dictionary cuts words differently;
- `char`: single characters, for one-character queries (桜);
- `kana`: bigrams of the words' readings in hiragana, so a query in kana
  (ぼうさいきょてん) finds the kanji it is read as (防災拠点).

Every fold keeps the offsets of the original characters it came from, so
that snippets can mark matches in the text as it was written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from minami_kg.text import _tokenizer, normalize

KINDS = ("word", "gram", "char", "kana", "latin")

# Characters that belong inside a word besides letters and digits.
_WORD_EXTRA = frozenset("ー々〆ヶ")
_LATIN_WORD = re.compile(r"[0-9a-z]+")
_IRREGULAR = {"children": "child", "people": "person", "women": "woman", "men": "man"}
_KATAKANA = re.compile(r"[\u30a1-\u30f6]")
_KANA_ONLY = re.compile(r"[\u3041-\u3096\u30a1-\u30faー]+")


@dataclass(frozen=True)
class Folded:
    """NFKC + lower-case text, with the span of the original text each character came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


def fold(text: str) -> str:
    return normalize(text).lower()


def fold_with_offsets(text: str) -> Folded:
    """Fold cluster by cluster (a character and the combining marks after it)."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    clusters: list[tuple[int, int]] = []
    for i, char in enumerate(text):
        first = normalize(char)[:1]
        if clusters and first and unicodedata.combining(first):
            clusters[-1] = (clusters[-1][0], i + 1)
        else:
            clusters.append((i, i + 1))
    for start, end in clusters:
        piece = fold(text[start:end])
        out.append(piece)
        starts.extend([start] * len(piece))
        ends.extend([end] * len(piece))
    return Folded("".join(out), tuple(starts), tuple(ends))


def is_word_char(char: str) -> bool:
    return char.isalnum() or char in _WORD_EXTRA


def english_key(word: str) -> str:
    """A light stemmer for English labels: plural forms meet their singular."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def hiragana(text: str) -> str:
    return _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), text)


def is_kana(text: str) -> bool:
    return bool(_KANA_ONLY.fullmatch(text))


@dataclass(frozen=True)
class Word:
    """One word of a run: its key (normalised form or English key), reading and span."""

    key: str
    reading: str  # hiragana; empty for Latin words
    start: int  # offsets into the folded text
    end: int


@dataclass(frozen=True)
class Run:
    """A stretch of word characters: all Latin (ASCII) or all not."""

    text: str
    start: int
    latin: bool
    words: tuple[Word, ...]

    def streams(self) -> dict[str, list[str]]:
        if self.latin:
            return {
                "word": [],
                "gram": [],
                "char": [],
                "kana": [],
                "latin": [w.key for w in self.words],
            }
        reading = "".join(w.reading for w in self.words)
        return {
            "word": [w.key for w in self.words],
            "gram": bigrams(self.text),
            "char": list(self.text),
            "kana": bigrams(reading) if reading else [],
            "latin": [],
        }


def bigrams(text: str) -> list[str]:
    """Adjacent pairs of characters; a one-character text is its own token."""
    if len(text) < 2:
        return [text] if text else []
    return [text[i : i + 2] for i in range(len(text) - 1)]


def runs(folded: str) -> list[Run]:
    """The runs of word characters of a folded text, each analysed."""
    found = []
    start = None
    for i, char in enumerate(folded + " "):
        if i < len(folded) and is_word_char(char):
            if start is not None and char.isascii() != folded[start].isascii():
                found.append(_run(folded, start, i))
                start = i
            elif start is None:
                start = i
        elif start is not None:
            found.append(_run(folded, start, i))
            start = None
    return found


def _run(folded: str, start: int, end: int) -> Run:
    text = folded[start:end]
    if text.isascii():
        words = tuple(
            Word(english_key(m.group()), "", start + m.start(), start + m.end())
            for m in _LATIN_WORD.finditer(text)
        )
        return Run(text, start, True, words)
    return Run(text, start, False, tuple(_japanese_words(text, start)))


@lru_cache(maxsize=4096)
def _analyse(text: str) -> tuple[tuple[str, str, int, int], ...]:
    return tuple(
        (fold(m.normalized_form()), hiragana(m.reading_form()), m.begin(), m.end())
        for m in _tokenizer().tokenize(text)
    )


def _japanese_words(text: str, offset: int) -> list[Word]:
    words = []
    for form, reading, begin, end in _analyse(text):
        key = "".join(c for c in form if is_word_char(c))
        if key:
            words.append(
                Word(key, reading if is_kana(reading) else "", offset + begin, offset + end)
            )
    return words


@dataclass
class Streams:
    """The tokens of one field of a document, by kind."""

    tokens: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})

    def add(self, text: str) -> None:
        for run in runs(fold(text)):
            for kind, tokens in run.streams().items():
                self.tokens[kind].extend(tokens)

    def joined(self, kind: str) -> str:
        return " ".join(self.tokens[kind])


def label_key(text: str) -> str:
    """The words of a label as one string: labels that differ only in spelling share it."""
    return " ".join(w.key for run in runs(fold(text)) for w in run.words)

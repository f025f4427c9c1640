"""Readable ASCII slugs for IRIs: curated first, romanised Japanese otherwise.

The fallback romanises with pykakasi (Hepburn), folds long vowels the way
Japanese place names are usually written in English (ou → o, uu → u) and
keeps only a-z, 0-9 and single hyphens, so that an uncurated 区 or 課 still
gets a stable, readable IRI.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pykakasi

MAX_SLUG_LENGTH = 48
# Folded the way place names are written in English (Tōkyō → tokyo); "ii" stays (chiiki).
_LONG_VOWELS = (("ou", "o"), ("oo", "o"), ("uu", "u"))


@cache
def _kakasi() -> pykakasi.kakasi:
    return pykakasi.kakasi()


def romanise(text: str) -> str:
    """Hepburn reading of Japanese text, words joined by spaces."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(item["hepburn"] for item in _kakasi().convert(text) if item["hepburn"])


def slugify(text: str, *, max_length: int = MAX_SLUG_LENGTH) -> str:
    """A lowercase ASCII slug for any text; never empty."""
    words: list[str] = []
    for word in re.split(r"[^a-z0-9]+", romanise(text).lower()):
        for long, short in _LONG_VOWELS:
            word = word.replace(long, short)
        if word in ("a", "i", "u", "e", "o") and words:
            words[-1] += word  # okurigana split off by the reader: 賑わい → nigiwai
        elif word:
            words.append(word)
    slug = "-".join(words)
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug or "x"


def unique_slugs(names: list[str], curated: dict[str, str], key=lambda s: s) -> list[str]:
    """One slug per name, curated where possible, made unique by -2, -3 … suffixes.

    Suffixes follow document order, so the same document always gets the same slugs.
    """
    seen: set[str] = set()
    result = []
    for name in names:
        base = curated.get(key(name)) or slugify(name)
        slug, n = base, 2
        while slug in seen:
            slug, n = f"{base}-{n}", n + 1
        seen.add(slug)
        result.append(slug)
    return result

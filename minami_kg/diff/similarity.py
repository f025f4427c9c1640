"""How alike two texts, two measures are, and the one-to-one matching built on it.

Measures and focus areas have no identity across years, so everything the diff
pairs up goes through here: `similarity` (bigram Dice on folded text),
`measure_similarity` (label and actions weighed) and `match_best_first`.
`same_text` is the equality the diff uses to tell a rename from no change.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from minami_kg.diff.model import MATCH_THRESHOLD, MeasureState

LABEL_WEIGHT = 2 / 3
"""The label's share of a measure pair's score; its actions' text has the rest."""

T = TypeVar("T")


def folded(text: str) -> str:
    """The text as it is compared: NFKC, without any whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def same_text(a: str, b: str) -> bool:
    """Equal once folded: a change of width or spacing is no change."""
    return folded(a) == folded(b)


def _bigrams(text: str) -> Counter[str]:
    text = folded(text)
    if len(text) < 2:
        return Counter([text] if text else [])
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams of two texts (NFKC, no whitespace)."""
    left, right = _bigrams(a), _bigrams(b)
    total = sum(left.values()) + sum(right.values())
    if total == 0:
        return 1.0
    return 2 * sum((left & right).values()) / total


def measure_similarity(a: MeasureState, b: MeasureState) -> float:
    """2/3 the labels' similarity, 1/3 the actions' (the label alone without actions)."""
    label = similarity(a.label, b.label)
    if not a.actions and not b.actions:
        return label
    actions = similarity("".join(a.actions), "".join(b.actions))
    return LABEL_WEIGHT * label + (1 - LABEL_WEIGHT) * actions


def match_best_first(
    old: list[T],
    new: list[T],
    score: Callable[[T, T], float],
    *,
    threshold: float = MATCH_THRESHOLD,
    prefer: Callable[[T, T], bool] = lambda a, b: False,
) -> list[tuple[int, int, float]]:
    """One-to-one pairs (old index, new index, score) at or above `threshold`, best first.

    Ties go to a pair `prefer` approves, then to document order.
    """
    candidates = []
    for i, a in enumerate(old):
        for j, b in enumerate(new):
            value = round(score(a, b), 3)
            if value >= threshold:
                candidates.append((-value, not prefer(a, b), i, j))
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    pairs = []
    for negative, _, i, j in sorted(candidates):
        if i not in taken_old and j not in taken_new:
            taken_old.add(i)
            taken_new.add(j)
            pairs.append((i, j, -negative))
    return pairs

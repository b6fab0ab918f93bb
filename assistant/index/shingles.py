"""Word 5-gram overlap of two texts: the test of near-identical text that tells a story published
twice from two reports sharing their wording (assistant/index/versions.py)."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")


def shingle_overlap(a: str, b: str, size: int = 5) -> float:
    """Jaccard overlap of the two texts' word 5-grams, 0..1.

    Example: ``shingle_overlap("a b c d e f", "a b c d e f")`` -> ``1.0``
    """
    sa, sb = _shingles(a, size), _shingles(b, size)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def shingle_containment(a: str, b: str, size: int = 5) -> float:
    """Share of the shorter text's word 5-grams found in the longer one, 0..1.

    Example: ``shingle_containment("a b c d e", "a b c d e f g")`` -> ``1.0``
    """
    sa, sb = _shingles(a, size), _shingles(b, size)
    return len(sa & sb) / min(len(sa), len(sb)) if sa and sb else 0.0


def shingle_agreement(a: str, b: str, size: int = 5) -> float:
    """Share of each text's word 5-grams found in the other, the lower of the two, 0..1: the
    longer text's containment in the shorter.

    Example: ``shingle_agreement("a b c d e f", "a b c d e f g")`` -> ``0.666...`` (2 of 3)
    """
    sa, sb = _shingles(a, size), _shingles(b, size)
    return len(sa & sb) / max(len(sa), len(sb)) if sa and sb else 0.0


def _shingles(text: str, size: int) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}

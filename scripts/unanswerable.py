"""Unanswerable look-alikes of answerable questions, for training the reader to abstain.

SQuAD 2.0's unanswerable questions were written by people who took a paragraph and asked
something it seems to answer but does not: a name or number swapped for another of the same
paragraph, a word turned into its opposite, a negation. Only 1,583 such questions exist in the
training data here, against 83,062 answerable ones. This module makes more the same way, from the
answerable questions themselves: each look-alike is paired with the window that answers the
original question and labelled "no answer", so the reader sees both sides of the contrast (the
question it can answer, and the near-copy it cannot).

Example::

    rng = random.Random(13)
    look_alike("In what year did Warsaw host the 1980 games?", "Moscow hosted them in 1980 and LA in 1984.", rng)
    # -> e.g. "In what year did Warsaw host the 1984 games?"

Some look-alikes will still be answerable by chance; the reader's training tolerates that noise,
and the evaluation is on human-written questions only.
"""

from __future__ import annotations

import random
import re

_NUMBER = re.compile(r"\b\d[\d,.]*\b")
# A run of capitalised words (a name), not counting the question's first word.
_NAME = re.compile(r"\b[A-Z][\w'-]+(?:\s+(?:of|the|de|von|and)?\s*[A-Z][\w'-]+)*")
_OPPOSITES = dict(pair for a, b in (
    ("first", "last"), ("earliest", "latest"), ("largest", "smallest"), ("biggest", "smallest"),
    ("most", "least"), ("before", "after"), ("highest", "lowest"), ("longest", "shortest"),
    ("maximum", "minimum"), ("north", "south"), ("east", "west"), ("increase", "decrease"),
    ("increased", "decreased"), ("won", "lost"), ("older", "younger"), ("oldest", "youngest"),
    ("more", "less"), ("early", "late"), ("major", "minor"), ("best", "worst"), ("top", "bottom"),
    ("begin", "end"), ("began", "ended"), ("start", "end"), ("started", "ended"), ("inside", "outside"),
    ("rise", "fall"), ("rose", "fell"), ("allowed", "forbidden"), ("supported", "opposed"),
) for pair in ((a, b), (b, a)))
# "What comedian was ..." -> "What comedian was not ...": only where the question word is the subject.
_AUXILIARY = re.compile(r"^((?:who|what|which)(?:\s+[a-z]+)?\s+(?:was|were|is|are|has|have|had))\s", re.I)
_YEAR = re.compile(r"^1\d{3}$|^20\d{2}$")


def _swap(question: str, pattern: re.Pattern, paragraph: str, rng: random.Random) -> str | None:
    """Replace one match of ``pattern`` in the question by another match found in the paragraph."""
    found = [m for m in pattern.finditer(question) if m.start() > 0 or pattern is _NUMBER]
    if not found:
        return None
    target = rng.choice(found)
    # A capitalised word that opens a sentence ("The", "In") is not a name.
    pool = sorted({m.group(0) for m in pattern.finditer(paragraph)
                   if pattern is _NUMBER or not re.search(r"(^|[.!?]\s*)$", paragraph[:m.start()])})
    pool = [p for p in pool if p.lower() not in question.lower()
            and (pattern is not _NUMBER or bool(_YEAR.match(p)) == bool(_YEAR.match(target.group(0))))]
    if not pool:
        return None
    return question[:target.start()] + rng.choice(pool) + question[target.end():]


def _opposite(question: str, rng: random.Random) -> str | None:
    words = [m for m in re.finditer(r"[A-Za-z]+", question) if m.group(0).lower() in _OPPOSITES]
    if not words:
        return None
    m = rng.choice(words)
    swapped = _OPPOSITES[m.group(0).lower()]
    if m.group(0)[0].isupper():
        swapped = swapped.capitalize()
    return question[:m.start()] + swapped + question[m.end():]


def _negate(question: str, rng: random.Random) -> str | None:  # noqa: ARG001 (same signature as the others)
    m = _AUXILIARY.match(question)
    return None if m is None else f"{m.group(1)} not {question[m.end():]}"


def look_alike(question: str, paragraph: str, rng: random.Random) -> str | None:
    """A question that reads like ``question`` but that ``paragraph`` does not answer, or None.

    The ways are tried in a seeded random order: a number swapped for another number of the
    paragraph (a year for a year), a name for another name of the paragraph, a word for its
    opposite; a negation only when none of those applies.
    """
    ways = [lambda: _swap(question, _NUMBER, paragraph, rng), lambda: _swap(question, _NAME, paragraph, rng),
            lambda: _opposite(question, rng)]
    rng.shuffle(ways)
    for way in [*ways, lambda: _negate(question, rng)]:  # a negation only when nothing else applies
        made = way()
        if made and made != question:
            return made
    return None

"""Questions about a default ("What is wal_level set to by default?", "... if I haven't set
work_mem?"). A reference page describes a setting under its name ("work_mem (integer)") and states
its default a few sentences later in words that share nothing with the question but "default"
("The default value is four megabytes (4MB)."), so the extractive answerer lifts such a sentence
to the best score of its section (docs/evaluation.md, "Then: questions about a default"). A
question for a quantity about a setting ("How long does a backend wait on a lock before it checks
for a deadlock?") asks for its default too; the sentence lifted must then hold the asked unit.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .terms import terms

if TYPE_CHECKING:
    from collections.abc import Sequence

_WORD = re.compile(r"\w+")
_DEFAULT = re.compile(r"(?<!non-)\bdefault(s|ed)?\b", re.I)
_ASKS_DEFAULT = re.compile(  # "what is the default", in the words users ask it with
    r"\b(default|out of the box|stock (configuration|settings?)|"
    r"if (i|you) (never|don't|do not|haven't|have not|didn't|did not) "
    r"(set|cho(o)?se(n)?|change(d)?|pass(ed)?|give(n)?|specif(y|ied)|configure(d)?|touch(ed)?)|"
    r"unless (i|you) (set|choose|change|configure|specify)|"
    r"without (a|an|any|choosing|setting|specifying|giving|passing|naming)|with no \w+|"
    r"when no \w+ (is|are) (given|specified|set|chosen|named))\b", re.I)


def asks_default(question: str) -> bool:
    """Whether the question asks for a default, in any of the words users ask it with."""
    return _ASKS_DEFAULT.search(question) is not None


_COUNT = r"(\d[\d,.]*|an?|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|sixty|hundred)"
_OFF = r"\b(zero|disables?|disabled|unlimited|no limit)\b"  # a limit set to nothing answers too
_DURATION = rf"\b{_COUNT}\s*-?\s*(ms|milliseconds?|s|seconds?|min|minutes?|h|hours?|d|days?|weeks?|months?|years?)\b"
_SIZE = rf"\b{_COUNT}\s*-?\s*(bytes?|[kmgt]b|kilobytes?|megabytes?|gigabytes?|terabytes?|pages?|blocks?|characters?)\b"
# The unit a question's answer must carry: "how long ...?" is answered by a duration or a length
# ("63 bytes"), not by a count ("The default is three.").
_UNITS = (
    (re.compile(r"\bhow long\b", re.I), re.compile(rf"{_DURATION}|{_SIZE}|{_OFF}", re.I)),
    (re.compile(r"\bhow (big|large)\b", re.I), re.compile(rf"{_SIZE}|{_OFF}", re.I)),
)


def states_default(sentence: str) -> bool:
    """Whether the sentence states a default ("The default is 1 GB.")."""
    return _DEFAULT.search(sentence) is not None


def lift_defaults(question: str, scored: Sequence[tuple[float, Any]], type_weight: float,
                  lexical_weight: float) -> list[tuple[float, Any]]:
    """A sentence stating a default takes the best score of its section (the candidates of its
    article between the headings around it, which say what it is the default of), plus the
    type bonus, plus lexical credit for the share of its section's heading ("work_mem (integer)")
    that the question names. ``scored``: (score, candidate sentence) pairs, as the answerer
    scores them."""
    headings: dict[str, dict[int, str]] = {}
    for _, cand in scored:
        chunk = cand.passage.chunk
        found = headings.setdefault(chunk.article_id, {})
        for (start, end), kind in zip(chunk.sentences, chunk.kinds or []):
            if kind == "heading":
                found[start] = chunk.between(start, end)
    words = terms(question.replace("_", " "))
    out = []
    unit = next((pattern for asks, pattern in _UNITS if asks.search(question)), None)
    for score, cand in scored:
        if states_default(cand.text) and (unit is None or unit.search(cand.text)):
            article = cand.passage.chunk.article_id
            lo = max((h for h in headings[article] if h < cand.start), default=-1)
            hi = min((h for h in headings[article] if h > cand.start), default=float("inf"))
            section = [s for s, c in scored if c.passage.chunk.article_id == article and lo < c.start < hi]
            named = _heading_named(question, words, headings[article].get(lo, ""))
            score = max([score, *section]) + type_weight + lexical_weight * named
        out.append((score, cand))
    return out


def _heading_named(question: str, words: set[str], heading: str) -> float:
    """How far the question names a section's heading, 0..1: 1 when it names the heading's first
    word verbatim (a setting, "work_mem"), else the share of the heading's words it holds, with
    identifiers split ("shared_buffers" ~ "shared buffers")."""
    first = _WORD.search(heading)
    if first and re.search(rf"(?<!\w){re.escape(first.group())}(?!\w)", question, re.I):
        return 1.0
    heading_terms = terms(heading.replace("_", " "))
    return len(words & heading_terms) / len(heading_terms) if heading_terms else 0.0

"""Scoring one question, and summing a run up: pure functions over plain values.

A retrieved passage is ``(title, start, end, text)``. It *hits* when it belongs to the
question's article and overlaps a gold answer span (SQuAD) or, without spans (JSONL),
contains a gold answer once both are normalised as the official SQuAD script does (lower
case, no punctuation, no articles, single spaces).
"""

from __future__ import annotations

import re
import statistics
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .data import Question

Retrieved = tuple[str, int, int, str]  # (article title, start, end, text)

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_CITATION_MARK = re.compile(r"\s*\[\d+\]")
_PUNCTUATION = frozenset(string.punctuation)


def normalize(text: str) -> str:
    """The SQuAD script's normalisation.

    Example: ``normalize("The  Normans, in 911!")`` -> ``"normans in 911"``
    """
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    """Whether a gold answer appears (as whole words) in ``text``, both normalised.

    Example: ``contains_answer("It began in 911 [1].", ["911"])`` -> ``True``

    Citation marks ("[1]") are dropped from both sides, so an expected answer written with an index
    ("sys.argv[0]") matches the answer that quotes it.
    """
    haystack = f" {normalize(_CITATION_MARK.sub('', text))} "
    golds = (normalize(_CITATION_MARK.sub("", answer)) for answer in answers)
    return any(f" {gold} " in haystack for gold in golds if gold)


def squad_scores(prediction: str, question: Question) -> tuple[float, float]:
    """(exact match, F1) of a predicted answer, as the official SQuAD 2.0 script scores it: the best
    over the gold answers; an unanswerable question scores 1 for "" (abstaining), else 0.

    Example: with gold ``["2010"]``, ``squad_scores("2010", q)`` -> ``(1.0, 1.0)`` and
    ``squad_scores("in 2010", q)`` -> ``(0.0, 0.667)``
    """
    golds = [normalize(a) for a in question.answers if normalize(a)] if question.answerable else []
    guess = normalize(_CITATION_MARK.sub("", prediction))
    if not golds:
        return (1.0, 1.0) if not guess else (0.0, 0.0)
    return max(float(guess == g) for g in golds), max(_f1(guess, g) for g in golds)


def shown_right(short_answer: str, first_quote: str, question: Question) -> bool:
    """Whether what an answer shows first is right: its short answer (token F1 of at least 0.5 with
    a gold answer) when it has one, else its first quote (holds a gold answer). The event an
    answer's ``confidence`` estimates; never right for an unanswerable question.

    Example: with gold ``["in 2010"]``, ``shown_right("2010", "", q)`` -> ``True`` (F1 0.67)
    """
    if not question.answerable:
        return False
    if short_answer:
        guess = normalize(short_answer)
        return max((_f1(guess, normalize(g)) for g in question.answers), default=0.0) >= 0.5
    return contains_answer(first_quote, question.answers)


def calibration_error(pairs: Sequence[tuple[float, bool]], bins: int = 10) -> float | None:
    """Expected calibration error: over equal-width confidence bins, the gap between the mean
    confidence and the share right, weighted by the bin's size; None for no pairs.

    Example: ``calibration_error([(0.8, True), (0.8, False)])`` -> ``0.3``
    """
    if not pairs:
        return None
    total = 0.0
    for b in range(bins):
        inside = [(c, r) for c, r in pairs if (b / bins <= c < (b + 1) / bins) or (b == bins - 1 and c == 1.0)]
        if inside:
            gap = abs(sum(c for c, _ in inside) / len(inside) - sum(r for _, r in inside) / len(inside))
            total += gap * len(inside) / len(pairs)
    return total


def reliability(pairs: Sequence[tuple[float, bool]], bins: int = 10) -> list[dict[str, float]]:
    """Per non-empty confidence bin: its range, count, mean confidence and share right (for the plot)."""
    out = []
    for b in range(bins):
        inside = [(c, r) for c, r in pairs if (b / bins <= c < (b + 1) / bins) or (b == bins - 1 and c == 1.0)]
        if inside:
            out.append({"low": b / bins, "high": (b + 1) / bins, "count": len(inside),
                        "confidence": sum(c for c, _ in inside) / len(inside),
                        "right": sum(r for _, r in inside) / len(inside)})
    return out


def _f1(guess: str, gold: str) -> float:
    ours, theirs = guess.split(), gold.split()
    common = sum((Counter(ours) & Counter(theirs)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(ours), common / len(theirs)
    return 2 * precision * recall / (precision + recall)


def hits(question: Question, passage: Retrieved) -> bool:
    """Whether one retrieved passage holds a gold answer of the question's article."""
    title, start, end, text = passage
    if question.title is not None and title != question.title:
        return False
    if question.spans:
        return any(start < gold_end and gold_start < end for gold_start, gold_end in question.spans)
    return contains_answer(text, question.answers)


def first_hit(question: Question, ranked: Sequence[Retrieved]) -> int | None:
    """The 1-based rank of the first passage that hits, or None.

    Example: a hit in second place -> ``2``
    """
    return next((rank for rank, p in enumerate(ranked, start=1) if hits(question, p)), None)


@dataclass
class Outcome:
    """What happened to one question in one pipeline (answer fields stay None for retrieval only)."""

    question: Question
    rank: int | None  # first hit in the top 10
    retrieve_ms: float
    answered_ms: float | None = None
    abstained: bool | None = None
    correct: bool | None = None  # a gold answer appears in the answer text
    answer_chars: int | None = None
    cited_right: bool | None = None  # the first cited passage holds a gold answer
    exact: float | None = None  # SQuAD 2.0 exact match of the short answer (or the sentences, without one)
    f1: float | None = None  # SQuAD 2.0 token F1, likewise
    confidence: float | None = None  # the answer's own estimate that what it shows first is right
    shown_right: bool | None = None  # what it shows first is right (``shown_right``)
    short_shown: bool | None = None  # it gave a short answer


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100), linear between ranks; None for no values.

    Example: ``percentile([1, 2, 3, 4], 50)`` -> ``2.5``
    """
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarise(outcomes: Sequence[Outcome]) -> dict[str, float | int | None]:
    """The report's figures for a set of outcomes; shares are 0..1, None when undefined."""
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    ranks = [o.rank for o in answerable]
    summary: dict[str, float | int | None] = {
        "questions": len(outcomes), "answerable": len(answerable), "unanswerable": len(unanswerable),
        "hit@1": _share(r is not None and r <= 1 for r in ranks),
        "hit@4": _share(r is not None and r <= 4 for r in ranks),
        "hit@5": _share(r is not None and r <= 5 for r in ranks),
        "mrr@10": _mean(1.0 / r if r else 0.0 for r in ranks),
        "retrieve_p50_ms": percentile([o.retrieve_ms for o in outcomes], 50),
        "retrieve_p95_ms": percentile([o.retrieve_ms for o in outcomes], 95),
    }
    asked = [o for o in outcomes if o.abstained is not None]
    if not asked:
        return summary
    given = [o for o in asked if o.question.answerable and not o.abstained]
    summary.update({
        "answer_accuracy": _share(bool(o.correct) for o in asked if o.question.answerable),
        "median_answer_chars": statistics.median([o.answer_chars for o in given]) if given else None,
        "citation_precision": _share(bool(o.cited_right) for o in given),
        "squad_f1": _mean(o.f1 for o in asked if o.f1 is not None),
        "squad_em": _mean(o.exact for o in asked if o.exact is not None),
        "abstention": _share(bool(o.abstained) for o in asked if not o.question.answerable),
        "wrong_abstention": _share(bool(o.abstained) for o in asked if o.question.answerable),
        "confidence_ece": calibration_error([(o.confidence, bool(o.shown_right)) for o in asked
                                             if not o.abstained and o.confidence is not None]),
        "short_answers_shown": _share(bool(o.short_shown) for o in asked if not o.abstained),
        "ask_p50_ms": percentile([o.answered_ms for o in asked], 50),
        "ask_p95_ms": percentile([o.answered_ms for o in asked], 95),
    })
    return summary


def _share(flags: object) -> float | None:
    values = list(flags)  # type: ignore[call-overload]
    return sum(values) / len(values) if values else None


def _mean(values: object) -> float | None:
    values = list(values)  # type: ignore[call-overload]
    return sum(values) / len(values) if values else None

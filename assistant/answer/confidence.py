"""An answer's confidence: how likely what it shows first is right (decision.py's models).

``answer_confidence`` gathers what the extractive answerer knows about the answer it gave (the
reader's readings, the scorer's scores, the question) into decision.py's ``features`` and sets
``Answer.confidence`` from the model fitted on the reader (``decision.json`` beside it, written by
scripts/fit_confidence.py): the "short" model when the answer shows a short answer, else "quote".

Example::

    answer_confidence(reader, "When was it set up?", answer, scored, found, readings, margin=0.1)
    answer.confidence  # e.g. 0.61; None when the reader has no fitted model
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .asks import asks_yes_no
from .decision import features
from .names import question_names

if TYPE_CHECKING:
    from .answers import Answer
    from .reader import Reader, Reading


def answer_confidence(reader: Reader | None, question: str, answer: Answer, scored: list[tuple[float, Any]],
                      found: Any, made: list[Reading], margin: float) -> None:
    """Set ``answer.confidence_features`` and, when ``reader`` has a fitted model, ``answer.confidence``.

    ``scored``: the scorer's (score, sentence) pairs, best first; ``found``: the reader's answer
    (extractive ``_Found``: its reading and window) or None; ``made``: every reading made, in the
    scorer's order; ``margin``: the answerer's quoting margin (the second score's stand-in)."""
    if reader is None or answer.abstained:
        return
    best = max(made, key=lambda r: r.answerable_score, default=None)
    reading = found.reading if found is not None else best
    values = features(
        question, yes_no=asks_yes_no(question),
        reading=reading.answerable_score if reading else float("-inf"),
        span_score=reading.span_score if reading else float("-inf"),
        reading_top=made[0].answerable_score if made else float("-inf"),
        reading_rank=reading.window if reading else 0, scorer=scored[0][0],
        scorer_second=scored[1][0] if len(scored) > 1 else scored[0][0] - margin,
        scorer_of_read=answer.citations[0].score,
        window=found.window if found is not None else "", span=answer.short_answer or (reading.text if reading else ""),
        names=question_names(question), unmatched=0)
    answer.confidence_features = values  # what scripts/fit_confidence.py fits the model on
    if reader.decision is not None:
        answer.confidence = reader.decision.probability("short" if answer.short_answer else "quote", values)

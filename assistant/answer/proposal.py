"""What an answer decided by a learned model would be: the proposal scripts/fit_decision.py records.

Measured, not shipped (docs/evaluation.md, "A reader trained on all 442 SQuAD training
articles"): ``ExtractiveAnswerer.answer`` still decides with its calibrated thresholds. ``propose``
walks the same question path (the scorer's sentences, the reader's windows) and returns what a
decision (decision.py) would judge, with the features it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .decision import features
from .asks import asks_yes_no
from .extractive import MARGIN, ExtractiveAnswerer, _once
from .reading import Candidate, sentence_at, window_of
from .names import question_names
from .reasons import with_reason

if TYPE_CHECKING:
    import numpy as np

    from .retrieve import Passage


@dataclass
class Proposal:
    """An answer before the decision: the sentences to quote (the reader's first), the short
    answer's offsets in the first, the decision's features, the names no passage mentions, and
    every candidate sentence with its scorer score (best first)."""

    chosen: list[Candidate]
    span: tuple[int, int] | None
    features: dict[str, float]
    unmatched: list[str]
    scored: list[tuple[float, Candidate]]


def propose(answerer: ExtractiveAnswerer, question: str, vector: np.ndarray, passages: list[Passage]) -> Proposal | None:
    """The proposal for ``question``; None with no candidate sentence.

    The reader reads the ``read_top`` best-scored sentences (each in its window) in one batch;
    its best reading's sentence is quoted first, its span is the short answer, and the scorer's
    sentences within ``MARGIN`` of its best follow."""
    scored = answerer.score(question, vector, passages)
    if not scored:
        return None
    top = [c for _, c in scored[: answerer.read_top]]
    windows = [window_of(c) for c in top]
    readings = answerer.reader.read(question, windows)  # type: ignore[union-attr]
    usable = [r for r in readings if r.text.strip()]
    best = max(usable, key=lambda r: r.answerable_score, default=None)
    first, span = scored[0][1], None
    if best is not None:
        chunk, window = top[best.window].passage.chunk, windows[best.window]
        start = chunk.start + window.offset + best.start  # article offsets of the span
        end = chunk.start + window.offset + best.end
        first = sentence_at(top[best.window], start, end)
        start, end = max(start, first.start), min(end, first.end)  # a span across sentences is cut to one
        span = (start - first.start, end - first.start) if start < end else None
    names = question_names(question)
    unmatched = answerer.unmatched_names(question, passages)
    score_of = {(c.passage.chunk.article_id, c.start): s for s, c in scored}
    values = features(
        question, yes_no=asks_yes_no(question),
        reading=best.answerable_score if best else float("-inf"),
        span_score=best.span_score if best else float("-inf"),
        reading_top=readings[0].answerable_score if readings else float("-inf"),
        reading_rank=best.window if best else 0, scorer=scored[0][0],
        scorer_second=scored[1][0] if len(scored) > 1 else scored[0][0] - MARGIN,
        scorer_of_read=score_of.get((first.passage.chunk.article_id, first.start), scored[0][0]),
        window=windows[best.window].text if best else "", span=first.text[span[0]:span[1]] if span else "",
        names=names, unmatched=len(unmatched))
    best_score = scored[0][0]
    chosen = [first, *(c for s, c in scored[: answerer.max_sentences] if s >= best_score - MARGIN
                       and (c.passage.chunk.article_id, c.start) != (first.passage.chunk.article_id, first.start))]
    chosen = _once(with_reason(question, chosen, max(len(chosen), answerer.max_sentences)))
    return Proposal(chosen, span, values, unmatched, scored)

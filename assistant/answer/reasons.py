"""Why-questions: the sentence that gives the reason is quoted, also when it is not the best-scored.

A manual often states a fact in one sentence and its reason in the next ("COPY is fastest when
the table was created in the same transaction." / "In such cases no WAL needs to be written,
because ..."), so for a "why" question whose best sentence gives no reason, the sentence after it
is quoted next when it does (docs/evaluation.md).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, TypeVar

Candidate = TypeVar("Candidate", bound=Any)  # extractive._Candidate: passage, start, end, text

_WHY = re.compile(r"^\s*(why|how come|what is the reason|for what reason)\b", re.I)
_REASON = re.compile(r"\b(because|since|so that|due to|as a result|in order to|therefore|thus|hence|otherwise|"
                     r"to (avoid|prevent|ensure|allow)|reasons?|in such cases|(this|that|which) means)\b", re.I)


def with_reason(question: str, chosen: list[Candidate], limit: int) -> list[Candidate]:
    """For a "why" question whose best sentence gives no reason, the sentence after it in its
    passage when that one does ("COPY is fastest when ..." / "In such cases no WAL needs to be
    written, because ...")."""
    if not chosen or not _WHY.search(question) or _REASON.search(chosen[0].text):
        return chosen
    first = chosen[0]
    chunk = first.passage.chunk
    spans = list(chunk.sentences)
    at = next((i for i, (s, _) in enumerate(spans) if s == first.start), None)
    if at is None or at + 1 >= len(spans) or (chunk.kinds and chunk.kinds[at + 1] != "prose"):
        return chosen
    start, end = spans[at + 1]
    text = chunk.between(start, end)
    quoted = any(c.passage.chunk.article_id == chunk.article_id and c.start == start for c in chosen)
    if quoted or not _REASON.search(text):
        return chosen
    return [first, replace(first, start=start, end=end, text=text), *chosen[1:]][:limit]

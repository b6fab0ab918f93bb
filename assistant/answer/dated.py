"""Answers that hold at a date: the value at the asked time, and what it was before.

Reports of one story say different things at different dates: a rate is raised, then cut; a toll
is revised. For a question that names a time ("in March 2008", "as of 1 May 2020") or asks about
the present ("current", "latest", "still"), relevance alone would quote whichever report reads
closest to the question, often one from the wrong year. So here:

1. The sentences that answer about equally well (within ``TIME_MARGIN`` of the best, the same
   rule as quoting several sentences) are taken as reports of the same thing.
2. Of their articles, the newest published on or before the asked date answers; the answer says
   the date it holds at (``Answer.as_of``).
3. Older articles are read in turn, newest first: while they state the same value, the value
   held since the oldest of them; the first that states another is what it was before. The
   answer's first claim is the value at the date; then "It changed: X since <date> [2]; Y before [3]".

A value is the last figure of the reader's short answer or of the quoted sentence, else the short
answer's words; an answer with neither states no value, and no change is claimed for it. No language model is needed; with one, the prompt shows each passage's date (prompt.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from .answers import Answer, Citation
from ..ingest.dates import human_date
from .when import AskedTime

if TYPE_CHECKING:
    import numpy as np

    from ..access import Viewer
    from .extractive import ExtractiveAnswerer
    from .retrieve import Filters, Passage

    Search = Callable[[str, int, Filters, np.ndarray], list[Passage]]  # the retriever, bound to the asker

TIME_MARGIN = 0.3  # score below the best sentence within which reports count as saying the same thing (docs/evaluation.md)
MAX_OLDER = 12  # older reports read to find when the value started and what it was before
WALKS = 4  # searches for newer reports that answer
_VALUE = re.compile(r"\d+(?:[-/.,]\d+)*(?:\s*(?:percent|%))?|\b(?:January|February|March|April|May|June|July|"
                    r"August|September|October|November|December)\b", re.I)


def answer_at(answerer: ExtractiveAnswerer, search: Search, question: str, passages: list[Passage],
              asked: AskedTime, viewer: Viewer, embed: Callable[[list[str]], np.ndarray],
              plain: Callable[[], Answer]) -> Answer:
    """The answer that held at ``asked.end`` (see the module docstring); ``plain()``, the answer the
    question gets without reading its time, when no dated report answers (an undated manual gets
    exactly what it got before). ``passages`` are ``dated_passages``; newer reports are searched for
    until none answers (``_walk_forward``)."""
    topic = without_time(question, asked)  # the time picks the report; the rest of the question the sentence
    vector = embed([topic])[0]
    passages = _walk_forward(answerer, search, topic, vector, passages, asked, len(passages) or 15)
    reports = _reports(answerer, topic, vector, passages, asked.end)
    if not reports:
        return plain()
    by_article: dict[str, list[Passage]] = {}
    for p in passages:
        by_article.setdefault(p.chunk.article_id, []).append(p)
    first: Answer | None = None
    for at, article_id in enumerate(reports[:MAX_OLDER]):
        first = answerer.answer(topic, vector, by_article[article_id], viewer)
        if not first.abstained:
            break
    if first is None or first.abstained:
        return plain()
    first.as_of = asked.end.isoformat() if asked.end and not asked.present else first.citations[0].published[:10]
    value, since, before = _value(first), first.citations[0], None
    older_reports = reports[at + 1 : at + 1 + MAX_OLDER] if _states_value(first) else []
    for article_id in older_reports:
        older = answerer.answer(topic, vector, by_article[article_id], viewer)
        if older.abstained or not _states_value(older):
            continue
        if not _same(_value(older), value):
            before = older
            break
        since = older.citations[0]
    _say_when(first, asked, since, before)
    return first


def without_time(question: str, asked: AskedTime) -> str:
    """The question without the words that say when: they choose the report, not the sentence.

    Example: ``without_time("What was the rate in March 2008?", asked_time("... in March 2008"))``
    -> ``"What was the rate?"``
    """
    phrase = re.escape(asked.phrase)
    cut = re.sub(rf"(?:,\s*)?\b(?:(?:as of|in|on|by|at|during|for|at the end of|end of|throughout)\s+)?{phrase}\b,?",
                 " ", question, count=1, flags=re.I)
    cut = " ".join(cut.split())
    cut = re.sub(r"\s+([?.!,])", r"\1", cut).strip(" ,")
    return cut[0].upper() + cut[1:] if cut else question


def _walk_forward(answerer: ExtractiveAnswerer, search: Search, topic: str, vector: np.ndarray,
                  passages: list[Passage], asked: AskedTime, k: int) -> list[Passage]:
    """``passages`` and the reports published after the newest one that answers, up to the asked
    date, searched for again until no newer one answers: relevance ranks a report of any year first,
    and the one that held at the date may be ranked below ``k`` others."""
    from .retrieve import Filters

    seen = {p.chunk.id for p in passages}
    for _ in range(WALKS):
        reports = _reports(answerer, topic, vector, passages, asked.end)
        if not reports:
            break
        newest = max(p.chunk.published[:10] for p in passages if p.chunk.article_id == reports[0])
        after = (date.fromisoformat(newest) + timedelta(days=1)).isoformat()
        if asked.end is not None and after > asked.end.isoformat():
            break
        scope = Filters(published_after=after, published_before=asked.end.isoformat() if asked.end else None)
        fresh = [p for p in search(topic, k, scope, vector) if p.chunk.id not in seen]
        if not fresh:
            break
        seen.update(p.chunk.id for p in fresh)
        passages = passages + fresh
    return passages


def _reports(answerer: ExtractiveAnswerer, question: str, vector: np.ndarray, passages: list[Passage],
             end: date | None) -> list[str]:
    """Ids of the articles whose best sentence answers about as well as the best one, newest first,
    published on or before ``end``."""
    scored = answerer.score(question, vector, passages, limit=8 * len(passages))
    if not scored:
        return []
    floor = max(answerer.abstain_below, scored[0][0] - TIME_MARGIN)
    newest: dict[str, str] = {}
    for score, cand in scored:
        chunk = cand.passage.chunk
        published = chunk.published[:10]
        if score >= floor and published and (end is None or published <= end.isoformat()):
            newest[chunk.article_id] = published
    return sorted(newest, key=lambda a: newest[a], reverse=True)


def _value(answer: Answer) -> str:
    """What an answer states, to compare across dates: the last figure of its short answer (else of
    its first quote: "by 25 basis points to 5-1/4 percent" states 5-1/4 percent), else its words."""
    said = answer.short_answer or answer.citations[0].quote
    figures = _VALUE.findall(said)
    return _normal(figures[-1]) if figures else _normal(said)


def _states_value(answer: Answer) -> bool:
    """Whether an answer states a value to compare: a short answer, or a figure in its first quote
    (a sentence without either is a report, and two reports differ without anything changing)."""
    return bool(answer.short_answer) or bool(_VALUE.search(answer.citations[0].quote))


def _same(a: str, b: str) -> bool:
    """Whether two values are the same: one's words all in the other's ("Rosselló", "Ricardo Rosselló")."""
    x, y = set(a.split()), set(b.split())
    return bool(x and y) and (x <= y or y <= x)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w%./-]+", " ", text.lower()).split())


def _say_when(answer: Answer, asked: AskedTime, since: Citation, before: Answer | None) -> None:
    """Adds the dates to ``answer``: "as of", and "It changed: X since <date> [n]; Y before [m]"."""
    held_at = human_date(answer.as_of)
    lead = (f"As of {held_at} (the newest report that answers):" if asked.present
            else f"As of {held_at} (asked: {asked.phrase}; the latest report by then is of "
                 f"{human_date(answer.citations[0].published)}):")
    answer.text = f"{lead} {answer.text}"
    if before is None:
        return
    first = answer.citations[0]
    shown = answer.short_answer or first.quote
    then = before.short_answer or before.citations[0].quote
    start_n = _cite(answer, since) if since.article_id != first.article_id else first.n
    before_n = _cite(answer, before.citations[0])
    answer.text += (f" It changed: {shown} since {human_date(since.published)} [{start_n}]; "
                    f"{then} before [{before_n}].")


def _cite(answer: Answer, citation: Citation) -> int:
    """Appends ``citation`` to the answer's citations under the next number; returns that number."""
    from dataclasses import replace

    n = len(answer.citations) + 1
    answer.citations.append(replace(citation, n=n))
    return n


def dated_passages(search: Search, question: str, k: int, asked: AskedTime, vector: np.ndarray) -> list[Passage]:
    """Passages for a dated question: those of all time, of the asked period, of the year before
    its end, and of all before it (``search(question, k, filters, vector)`` is the retriever's, filters bound by date),
    each chunk once. Relevance alone would rank a report of any year first; here the reports near
    the asked date are among the candidates, for ``answer_at`` to choose by date."""
    from .retrieve import Filters

    scopes = [Filters()]  # first: the plain answer (when no dated report answers) reads these first
    if asked.end is not None:
        before = asked.end.isoformat()
        if asked.start is not None and asked.start < asked.end:
            scopes.append(Filters(published_after=asked.start.isoformat(), published_before=before))
        scopes += [Filters(published_after=(asked.end - timedelta(days=400)).isoformat(), published_before=before),
                   Filters(published_before=before)]
    out: dict[str, Passage] = {}
    for scope in scopes:
        for passage in search(question, k, scope, vector):
            out.setdefault(passage.chunk.id, passage)
    return list(out.values())


def dated_by_caller(filters: Filters | None) -> bool:
    """Whether the caller set a date range: then the question's own time words are not read."""
    return bool(filters and (filters.published_after or filters.published_before))


def within(filters: Filters | None, scope: Filters) -> Filters:
    """``scope``'s dates with the caller's source filter."""
    from dataclasses import replace

    return replace(scope, source=filters.source) if filters and filters.source else scope

"""Timelines: "How did X develop?" as dated events, oldest first, each cited.

A news archive reports a story over many dated articles (and a daily digest reports it in a
paragraph a day). A timeline is one entry per report about the story: its publication date and
the sentence of it that is most about the story. The steps:

1. The question's topic ("the poisoning of Alexei Navalny") is searched for more widely than a
   question (``TIMELINE_PASSAGES``), and every sentence of the passages is scored against the
   topic as the extractive answerer scores sentences against a question.
2. Each article's best sentence stands for it, or its first sentence (a report's lede states its
   news) when that scores within ``LEDE_MARGIN`` of the best; articles whose best scores more than
   ``TOPIC_MARGIN`` below the best article's, or below ``TOPIC_FLOOR``, are about something else.
3. An event several reports repeat (sentence vectors at least ``SAME_EVENT`` alike) is one entry,
   citing the earliest report. At most ``MAX_ENTRIES`` entries: the most on-topic ones.

Dates are publication dates: a report's date, which for an event reported days later is later
than the event (the entry's citation shows the report). The margins are measured on the
development timelines (docs/evaluation.md, "News that moves").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from .answers import Answer, Citation, TimelineEntry
from ..ingest.dates import human_date
from .when import asked_time

if TYPE_CHECKING:
    import numpy as np

    from .extractive import ExtractiveAnswerer
    from .retrieve import Passage

TIMELINE_PASSAGES = 60
TOPIC_MARGIN = 0.25
TOPIC_FLOOR = 0.35
SAME_EVENT = 0.9
LEDE_MARGIN = 0.5
MAX_ENTRIES = 30
_ASKS = [
    re.compile(r"^\W*how (?:did|has|have|do|does) (?P<topic>.+?) (?:develop|evolve|unfold|progress|play out|"
               r"come about|go)(?:ed)?\b(?:.*?\bsince (?P<since>.+))?", re.I),
    re.compile(r"\b(?:(?:timeline|chronology|sequence of events)(?:\s+(?:of|for|on|in))?|development of|"
               r"developments? (?:in|on|of))\s+(?P<topic>.+?)(?:\s+since (?P<since>.+))?\W*$", re.I),
    re.compile(r"\bwhat (?:has |have )?happened (?:with|to|in|on|about)\s+(?P<topic>.+?)\s+since (?P<since>.+?)\W*$",
               re.I),
    re.compile(r"^\W*(?!(?:what|which|when|where|who|how|is|are|was|were|do|does|did)\b)(?P<topic>.+?)\s+"
               r"(?:timeline|chronology)\W*$", re.I),
]
_FILLER = re.compile(r"\b(?:so far|over time|to date|until now|the story of)\b", re.I)


def timeline_topic(question: str) -> tuple[str, date | None] | None:
    """(topic, since) when the question asks for a timeline, else None.

    Example: ``timeline_topic("How did the CentOS story develop since December 2020?")`` ->
    ``("the CentOS story", date(2020, 12, 1))``
    """
    for pattern in _ASKS:
        match = pattern.search(question.strip())
        if match:
            topic = " ".join(_FILLER.sub(" ", match.group("topic")).split()).strip(" ?.!,")
            since = match.groupdict().get("since")
            asked = asked_time(f"in {since}") if since else None
            if topic:
                return topic, asked.start if asked else None
    return None


def timeline_answer(answerer: ExtractiveAnswerer, search: Callable[[str, int, np.ndarray], list[Passage]],
                    embed: Callable[[list[str]], np.ndarray], question: str, topic: str,
                    since: date | None = None) -> Answer | None:
    """The timeline of ``topic`` from the ``TIMELINE_PASSAGES`` passages ``search`` finds for it, or
    None when no dated report is about it: then the question is answered as any other ("What is the
    timeline of the plan?" of an undated article)."""
    vector = embed([topic])[0]
    answer = build_timeline(answerer, question, topic, vector, search(topic, TIMELINE_PASSAGES, vector), since)
    return None if answer.abstained else answer


def build_timeline(answerer: ExtractiveAnswerer, question: str, topic: str, vector: np.ndarray,
                   passages: list[Passage], since: date | None = None) -> Answer:
    """The timeline answer for ``topic`` from ``passages`` (see the module docstring)."""
    from .answers import abstention

    best_of: dict[str, tuple[float, object]] = {}
    lede_of: dict[str, tuple[float, object]] = {}
    for score, cand in answerer.score(topic, vector, passages, limit=12 * len(passages)):
        chunk = cand.passage.chunk
        published = chunk.published[:10]
        if not published or (since and published < since.isoformat()):
            continue
        if chunk.article_id not in best_of or score > best_of[chunk.article_id][0]:
            best_of[chunk.article_id] = (score, cand)
        if chunk.start == 0 and chunk.sentences and cand.start == chunk.sentences[0][0]:
            lede_of[chunk.article_id] = (score, cand)
    for article_id, (score, cand) in lede_of.items():  # a report's first sentence states its news
        if score >= best_of[article_id][0] - LEDE_MARGIN:
            best_of[article_id] = (best_of[article_id][0], cand)
    if not best_of:
        return Answer(question=question, text=abstention(question), abstained=True)
    top = max(score for score, _ in best_of.values())
    floor = max(TOPIC_FLOOR, top - TOPIC_MARGIN)
    kept = sorted((pair for pair in best_of.values() if pair[0] >= floor), key=lambda p: -p[0])[:MAX_ENTRIES * 2]
    entries = _merge(answerer, kept)
    return _answer(question, topic, entries)


def _merge(answerer: ExtractiveAnswerer, kept: list) -> list[tuple[float, object]]:
    """Oldest first, one entry per event: a sentence as alike as ``SAME_EVENT`` to an earlier one is dropped."""
    if not kept:
        return []
    kept.sort(key=lambda p: (p[1].passage.chunk.published, -p[0]))
    vectors = answerer._vectors([cand for _, cand in kept])  # noqa: SLF001 - the answerer's sentence vectors
    out, said = [], []
    for (score, cand), vec in zip(kept, vectors):
        if any(float(vec @ other) >= SAME_EVENT for other in said):
            continue
        said.append(vec)
        out.append((score, cand))
    best = sorted(out, key=lambda p: -p[0])[:MAX_ENTRIES]
    return sorted(best, key=lambda p: p[1].passage.chunk.published)


def _answer(question: str, topic: str, entries: list) -> Answer:
    from .answers import abstention

    if not entries:
        return Answer(question=question, text=abstention(question), abstained=True)
    citations, timeline, lines = [], [], []
    for n, (score, cand) in enumerate(entries, start=1):
        chunk = cand.passage.chunk
        citations.append(Citation(
            n=n, article_id=chunk.article_id, title=chunk.title, source=chunk.source, url=chunk.url,
            published=chunk.published, passage=chunk.text, quote=cand.text, start=cand.start, end=cand.end,
            score=round(score, 4), page=chunk.page_at(cand.start)))
        timeline.append(TimelineEntry(chunk.published[:10], cand.text, n))
        lines.append(f"{human_date(chunk.published)}: {cand.text} [{n}]")
    first, last = human_date(timeline[0].date), human_date(timeline[-1].date)
    lead = (f"Timeline of {topic}: {len(timeline)} dated reports, {first} to {last}, oldest first."
            if len(timeline) > 1 else f"Timeline of {topic}: one dated report, {first}.")
    answer = Answer(question=question, text="\n".join([lead, *lines]), abstained=False, citations=citations)
    answer.timeline = timeline
    answer.as_of = timeline[-1].date  # the story as the newest report tells it
    return answer

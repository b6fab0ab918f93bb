"""A developing story in real dated news, for the tests of dated answers and timelines.

``STORY`` holds four Wikinews reports of 2020 (tests/data/news/README.md): the poisoning of Alexei
Navalny, reported on 2020-08-22 and 2020-09-05, and two reports of other stories. ``timeline_answer``
is the answer a "how did it develop?" question should get over them, built from the indexed
articles' own sentences and offsets (all four cited by the timeline, the latest also quoted): the adapters' tests render it through the real CLI, chat UI
and /embed, whatever the answerer gives today (``answering`` puts it behind ``Assistant.stream``).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant import Assistant, Event
from assistant.answer.answers import Answer, Citation, TimelineEntry

STORY = Path(__file__).resolve().parent / "data" / "news" / "story-wikinews-2020.jsonl"
TIMELINE_QUESTION = "How did the poisoning of Alexei Navalny develop?"
# (article title, quoted sentence), oldest report first: the timeline's entries.
QUOTES = [
    ("Russia's Navalny airlifted to Germany",
     "Navalny was transferred from the hospital in Omsk to Charité in Berlin via air ambulance."),
    ("Russia's Navalny airlifted to Germany",
     "Hospital officials in Omsk said no traces of poison was found in his blood or urine."),
    ("Germany says Alexei Navalny poisoned with Novichok",
     "The German government announced the tests by a military laboratory found Novichok in Navalny's blood, "
     "and said there was \"unequivocal\" proof he had been poisoned."),
    ("Germany says Alexei Navalny poisoned with Novichok",
     "The Russian government dismissed the claim from Berlin as groundless."),
]


def write_story(corpus: Path) -> Path:
    """Copy the story's articles into ``corpus`` (created) and return it."""
    corpus.mkdir(parents=True, exist_ok=True)
    shutil.copy(STORY, corpus / STORY.name)
    return corpus


def timeline_answer(assistant: Assistant, question: str = TIMELINE_QUESTION) -> Answer:
    """The Navalny story as an answer: each quote cited at its offsets, the timeline oldest first,
    as of the newest report."""
    records = {r.title: r for r in assistant.articles("*")}
    citations = []
    for n, (title, quote) in enumerate(QUOTES, start=1):
        record = assistant.article(records[title].id, "*")
        start = record.text.index(quote)
        citations.append(Citation(n, record.id, record.title, record.source, record.url, record.published,
                                  passage=quote, quote=quote, start=start, end=start + len(quote), score=1.0))
    timeline = [TimelineEntry(c.published, c.quote, c.n) for c in citations]
    text = f"{citations[2].quote} [3]"  # the latest development, quoted; the timeline holds the rest
    return Answer(question, text, abstained=False, citations=citations, standalone_question=question,
                  as_of=max(c.published for c in citations), timeline=timeline)


def answering(answer: Answer) -> Callable[..., Iterator[Event]]:
    """A stand-in for ``Assistant.stream`` that gives ``answer`` (to any question) as the real one
    does: the question, one delta per quoted sentence, the citations, then done."""

    def stream(question: str, *args: Any, **kwargs: Any) -> Iterator[Event]:
        yield Event("question", text=question)
        for piece in re.split(r"(?<=\])(?= )", answer.text):
            yield Event("delta", text=piece)
        yield Event("citations", citations=answer.to_dict()["citations"])
        yield Event("done", answer=replace(answer, question=question, standalone_question=question))

    return stream

"""What the assistant says: an answer, its numbered citations and where its short answer is.

The shape every answerer returns (extractive, language model) and every adapter renders (CLI,
HTTP API, chat UI); ``Answer.to_dict`` is the public JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .links import sentence_link

CHECKED_HEADING = "Checked against the articles:"  # shown after a model's draft the check changed


@dataclass(frozen=True)
class Citation:
    """One numbered source of an answer: the exact sentence(s) quoted and where they are."""

    n: int
    article_id: str
    title: str
    source: str
    url: str
    published: str
    passage: str
    quote: str
    start: int  # offsets of the quote in the article text
    end: int
    score: float
    page: int | None = None
    link: str = field(init=False)  # the url, opening at the quote where it is a web page (links.py)

    def __post_init__(self) -> None:
        object.__setattr__(self, "link", sentence_link(self.url, self.quote))


@dataclass(frozen=True)
class ShortAnswerAt:
    """Where a short answer is: ``citations[n - 1].quote[start:end] == short_answer``."""

    citation: int  # the citation's number n
    start: int
    end: int


@dataclass(frozen=True)
class TimelineEntry:
    """One dated event of a story: when, the sentence that reports it, and its citation's number n."""

    date: str  # ISO date: the publication date of the earliest report of the event
    text: str
    citation: int


@dataclass
class Answer:
    """What the assistant says, and why it can be trusted."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    standalone_question: str = ""  # the question as retrieved, after resolving a follow-up
    answerer: str = "extractive"  # "extractive", or the language model's setting, e.g. "openai:gpt-4o-mini"
    sentences: list[Any] = field(default_factory=list)  # a model's sentences as checked (citecheck.SentenceCheck)
    fallback: bool = False  # the model's answer was not verified, so this is the extractive answer
    notes: list[str] = field(default_factory=list)  # what the user should know: fallback, dates read, removals
    short_answer: str = ""  # the answer itself ("2010"), a span of one citation's quote; "" when none
    short_answer_at: ShortAnswerAt | None = None  # where: quote of citation n, [start:end]
    confidence: float | None = None  # the calibrated probability that what is shown first is right; None: not estimated
    confidence_features: dict[str, float] = field(default_factory=dict, repr=False)  # what it was computed from
    as_of: str = ""  # the date the answer holds at (ISO): the question's date, or the newest report's
    timeline: list[TimelineEntry] = field(default_factory=list)  # "how did X develop?": oldest first

    @property
    def confidence_words(self) -> str:
        """``confidence`` said plainly, e.g. "likely right (83%)"; "" when there is none."""
        if self.confidence is None or self.abstained:
            return ""
        from .decision import in_words

        return in_words(self.confidence)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape shared by the CLI and the HTTP API."""
        return {
            "question": self.question,
            "standalone_question": self.standalone_question or self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [asdict(c) for c in self.citations],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "answerer": self.answerer,
            "sentences": [_sentence_dict(s) for s in self.sentences],
            "fallback": self.fallback,
            "notes": list(self.notes),
            "short_answer": self.short_answer,
            "short_answer_at": asdict(self.short_answer_at) if self.short_answer_at else None,
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "confidence_words": self.confidence_words,
            "as_of": self.as_of,
            "timeline": [asdict(e) for e in self.timeline],
        }


def _sentence_dict(check: Any) -> dict[str, Any]:
    """A checked sentence as JSON: its text, whether it was verified, and the evidence."""
    return {**asdict(check), "supported_by": list(check.supported_by)}


def abstention(question: str, unmatched: Sequence[str] = ()) -> str:
    """The message given when the articles do not answer; ``unmatched``: the names of the
    question that no retrieved passage mentions, said so that the reader knows why."""
    text = ("The articles do not say. None of the indexed passages answers "
            f"\u201c{question.strip()}\u201d closely enough to quote.")
    if unmatched:
        text += f" None of them mentions {_listed(unmatched)}."
    return text


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"

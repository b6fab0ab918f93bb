"""Evaluation datasets: SQuAD 2.0 JSON and question-only JSONL, as plain dataclasses.

SQuAD 2.0: each Wikipedia article's paragraphs are joined, in order and with a blank line
between them, into one article titled by the SQuAD title; every gold answer span
(``answer_start`` is relative to its paragraph) is moved to an offset into that article, so a
retrieved chunk "hits" when its ``[start, end)`` overlaps a gold span. Unanswerable questions
(``is_impossible``) have no answers.

JSONL: one question a line, ``{"question": ..., "answers": [...], "title": ...}``; ``title``
(the article's title) is optional, and an empty ``answers`` list means the articles do not
answer. Without spans, a passage hits when it contains a gold answer (normalised as SQuAD does).
The articles are a corpus directory, ingested as usual.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import AssistantError

Span = tuple[int, int]


class DatasetError(AssistantError):
    """An evaluation dataset could not be read; the message names the file and the line."""


@dataclass(frozen=True)
class Question:
    """One question with its gold answers (none: unanswerable) and, for SQuAD, their spans."""

    id: str
    question: str
    title: str | None = None  # the article that answers it; None: any article may
    answers: tuple[str, ...] = ()
    spans: tuple[Span, ...] = ()  # offsets of the gold answers in the article text

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass
class Dataset:
    """Questions, and the articles they are about (empty: use the corpus directory)."""

    name: str
    questions: list[Question]
    articles: list[tuple[str, str]] = field(default_factory=list)  # (title, text)

    def sample(self, limit: int | None) -> Dataset:
        """``limit`` questions spread evenly over the set (so every article and both kinds stay).

        Example: ``Dataset("d", qs).sample(3)`` keeps questions 0, n/3 and 2n/3.
        """
        if not limit or limit >= len(self.questions):
            return self
        n = len(self.questions)
        picked = [self.questions[i * n // limit] for i in range(limit)]
        return Dataset(self.name, picked, self.articles)


    def only(self, titles: list[str] | None) -> Dataset:
        """The questions about these articles; every article stays indexed, so each question is
        still asked against the whole set. Unknown titles are an error naming them.

        Example: ``dev16.only(["Normans"])`` keeps the Normans questions, all 16 articles.
        """
        if not titles:
            return self
        titles = [t.replace("_", " ") for t in titles]  # SQuAD's "Scottish_Parliament" is "Scottish Parliament" here
        known = {q.title for q in self.questions}
        unknown = [t for t in titles if t not in known]
        if unknown:
            raise DatasetError(f"{self.name}: no questions about {', '.join(unknown)}")
        return Dataset(self.name, [q for q in self.questions if q.title in titles], self.articles)


def load_dataset(path: Path) -> Dataset:
    """A SQuAD 2.0 ``.json`` file or a question-per-line ``.jsonl`` file."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such dataset file")
    if path.suffix.lower() == ".jsonl":
        return load_jsonl(path)
    return load_squad(path)


def load_squad(path: Path) -> Dataset:
    """Articles and questions of a SQuAD 2.0 (or 1.1) JSON file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"{path}: not a SQuAD JSON file ({exc})") from None
    articles, questions = [], []
    for entry in data:
        title = entry["title"].replace("_", " ")
        parts, offset = [], 0
        for paragraph in entry["paragraphs"]:
            raw = paragraph["context"]
            context = raw.strip()
            shift = offset - (len(raw) - len(raw.lstrip()))  # paragraph offset -> article offset
            for qa in paragraph["qas"]:
                answers = [] if qa.get("is_impossible") else qa["answers"]
                questions.append(Question(
                    id=qa["id"], question=qa["question"], title=title,
                    answers=tuple(dict.fromkeys(a["text"] for a in answers)),
                    spans=tuple(sorted({(a["answer_start"] + shift, a["answer_start"] + shift + len(a["text"]))
                                        for a in answers})),
                ))
            parts.append(context)
            offset += len(context) + 2
        articles.append((title, "\n\n".join(parts)))
    return Dataset(Path(path).name, questions, articles)


def load_jsonl(path: Path) -> Dataset:
    """Questions of a JSONL file: ``question``, ``answers`` (list), optional ``title`` and ``id``."""
    questions = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text, answers = record["question"], record.get("answers", [])
            if not isinstance(text, str) or not isinstance(answers, list):
                raise TypeError("'question' must be text and 'answers' a list")
        except (ValueError, KeyError, TypeError) as exc:
            raise DatasetError(f"{path}, line {number}: {exc}") from None
        questions.append(Question(
            id=str(record.get("id", number)), question=text, title=record.get("title") or None,
            answers=tuple(str(a) for a in answers),
        ))
    if not questions:
        raise DatasetError(f"{path}: no questions")
    return Dataset(Path(path).name, questions)

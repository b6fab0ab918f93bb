"""Follow-up questions measured: multi-turn conversations, asked turn by turn, scored per turn.

A conversation file is JSONL, one conversation a line::

    {"id": "jp-founding", "turns": [{"question": "when was the dialogue framework set up?", "answers": ["2010"]},
                                    {"question": "and who will hold talks?", "answers": ["foreign and defense ministers"]}]}

Every turn after the first is a follow-up. A turn is correct when one of its ``answers`` is
contained in the answer text (both normalised as the SQuAD script does, whole words; see
:func:`assistant.eval.metrics.contains_answer`). An extractive answer quotes up to three
sentences, so the stricter "first quote" counts a turn only when the first quoted sentence holds it. Each turn is asked with the conversation so far
as the assistant itself answered it (user question, assistant answer, ...), as a chat user would.

:func:`evaluate_conversations` runs the set through several *askers* in one run, e.g. the current
follow-up resolution and the glued question it replaced (:func:`glued_asker`), on the same index.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .data import DatasetError
from .metrics import contains_answer

if TYPE_CHECKING:
    from ..answer.extractive import Answer
    from ..assistant import Assistant

Message = dict[str, str]
Asker = Callable[[str, list[Message]], "Answer"]  # (question, history) -> Answer


@dataclass(frozen=True)
class Turn:
    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[Turn, ...]


def load_conversations(path: Path) -> list[Conversation]:
    """Conversations of a JSONL file; a bad line fails with the file and the line number."""
    conversations = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            turns = tuple(Turn(t["question"], tuple(t["answers"])) for t in record["turns"])
            if not turns or any(not isinstance(t.question, str) or not t.answers for t in turns):
                raise ValueError("every turn needs a 'question' and a non-empty 'answers' list")
        except (ValueError, KeyError, TypeError) as exc:
            raise DatasetError(f"{path}, line {number}: {exc}") from None
        conversations.append(Conversation(str(record.get("id", number)), turns))
    if not conversations:
        raise DatasetError(f"{path}: no conversations")
    return conversations


def run_conversation(ask: Asker, conversation: Conversation) -> list[dict[str, Any]]:
    """Ask every turn with the history so far; one row per turn."""
    history: list[Message] = []
    rows = []
    for n, turn in enumerate(conversation.turns, start=1):
        answer = ask(turn.question, list(history))
        rows.append({"id": conversation.id, "turn": n, "question": turn.question,
                     "understood_as": answer.standalone_question or turn.question, "answer": answer.text,
                     "correct": not answer.abstained and contains_answer(answer.text, turn.answers),
                     "first_quote": bool(answer.citations) and contains_answer(answer.citations[0].quote, turn.answers)})
        history += [{"role": "user", "content": turn.question}, {"role": "assistant", "content": answer.text}]
    return rows


def accuracy(rows: Sequence[dict[str, Any]], key: str = "correct") -> dict[str, tuple[int, int]]:
    """Correct turns as ``(correct, total)``: first turns, follow-ups (all, second, third).

    Example: ``accuracy([{"turn": 1, "correct": True}, {"turn": 2, "correct": False}])["follow-up"]`` -> ``(0, 1)``
    """
    groups = {"first": lambda t: t == 1, "follow-up": lambda t: t > 1, "second": lambda t: t == 2,
              "third": lambda t: t == 3}
    return {name: (sum(bool(r[key]) for r in rows if test(r["turn"])), sum(1 for r in rows if test(r["turn"])))
            for name, test in groups.items()}


def evaluate_conversations(askers: dict[str, Asker], conversations: Sequence[Conversation]) -> dict[str, Any]:
    """Every conversation through every asker: ``{"accuracy": {name: ...}, "rows": {name: [...]}}``."""
    rows = {name: [row for c in conversations for row in run_conversation(ask, c)] for name, ask in askers.items()}
    return {"accuracy": {name: accuracy(r) for name, r in rows.items()},
            "first_quote": {name: accuracy(r, "first_quote") for name, r in rows.items()}, "rows": rows}


def ingest_articles(assistant: Assistant, workdir: Path, corpus: Path, squad: Path | None = None) -> None:
    """Index a corpus directory and, optionally, the articles of a SQuAD JSON file."""
    from .data import load_squad

    paths = [Path(corpus)]
    if squad is not None:
        paths.append(Path(workdir) / "squad-articles.jsonl")
        lines = [json.dumps({"id": t, "title": t, "text": text}, ensure_ascii=False) for t, text in load_squad(squad).articles]
        paths[-1].write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = assistant.ingest(paths)
    if report.failed:
        raise DatasetError(f"the articles could not be ingested: {report.failed[0].reason}")


def current_asker(assistant: Assistant) -> Asker:
    """The assistant as it resolves follow-ups today."""
    return lambda question, history: assistant.ask(question, history=history)


def glued_asker(assistant: Assistant) -> Asker:
    """The behaviour before follow-ups were resolved: the follow-up glued to the last question."""
    from ..answer.conversation import glued_question

    def ask(question: str, history: list[Message]) -> Answer:
        glued = glued_question(question, history)
        answer = assistant.ask(glued)
        answer.question, answer.standalone_question = question, glued
        return answer

    return ask


def markdown(result: dict[str, Any]) -> str:
    """The accuracy table: one row per asker, correct/total and share per kind of turn."""
    kinds = ("first", "follow-up", "second", "third")
    head = [f"{k} turns" for k in kinds] + ["follow-ups, first quote"]
    lines = ["| asker | " + " | ".join(head) + " |", "|---" * (len(head) + 1) + "|"]
    for name, acc in result["accuracy"].items():
        pairs = [acc[k] for k in kinds] + [result["first_quote"][name]["follow-up"]]
        lines.append(f"| {name} | " + " | ".join(f"{c}/{n} ({c / n:.2f})" if n else "-" for c, n in pairs) + " |")
    return "\n".join(lines)

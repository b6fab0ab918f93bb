"""Follow-ups without a language model: readings of a follow-up, the judge between their answers,
the touchstone conversation on the shipped corpus, and the conversation set (before vs after)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer.conversation import better_supported, glued_question, is_follow_up, readings
from assistant.answer.extractive import Answer, Citation
from assistant.eval.conversations import (
    accuracy, current_asker, evaluate_conversations, glued_asker, ingest_articles, load_conversations,
)
from assistant.eval.data import DatasetError
from assistant.eval.metrics import contains_answer

from .conftest import FOUNDING_QUESTION, ROOT, SHIPPED_CORPUS

DATA = ROOT / "tests" / "data"
CONVERSATION_SETS = [DATA / "conversations.jsonl", DATA / "conversations-heldout.jsonl"]
SQUAD_DEV = DATA / "squad2" / "squad2-dev.json"


def user(*questions: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": q} for q in questions]


def test_a_follow_up_is_read_alone_and_with_the_key_terms_of_the_last_question() -> None:
    assert readings("and who will hold talks?", user(FOUNDING_QUESTION)) == [
        "Who will hold talks?", "Who will hold talks? (dialogue framework set)"]


def test_a_question_that_stands_alone_has_one_reading() -> None:
    assert readings("What will the document include?", user(FOUNDING_QUESTION)) == [
        "What will the document include?"]
    assert readings("and where?", []) == ["and where?"]  # nothing to lean on


def test_a_follow_up_of_a_follow_up_borrows_from_the_question_before() -> None:
    history = user("Who will hold talks on nuclear deterrence?", "and where?")
    assert readings("when?", history) == ["When?", "When? (hold talks nuclear deterrence)"]


def test_very_short_questions_and_him_count_as_follow_ups() -> None:
    history = user("When did William invade Scotland?")
    assert is_follow_up("under whom?", history) and is_follow_up("who submitted to him?", history)
    assert not is_follow_up("Who submitted to King William after the invasion of Scotland in 1072?", history)


def test_the_glued_question_is_the_old_rule() -> None:
    assert glued_question("and who will attend?", user("When are the talks?")) == \
        "When are the talks? and who will attend?"
    assert glued_question("where?", user("When are the talks?")) == "where?"  # the old rule missed it


def answer(question: str, quote: str, score: float, abstained: bool = False) -> Answer:
    citation = Citation(1, "a", "t", "", "", "", quote, quote, 0, len(quote), score)
    return Answer(question, quote, abstained, [] if abstained else [citation])


def test_the_judge_wants_the_asked_words_before_the_higher_score() -> None:
    asked = "who commissioned it?"
    odo = answer(asked, "It was commissioned by Odo, the Bishop of Bayeux.", 0.77)
    again = answer(asked, "By far the most famous work of Norman art is the Bayeux Tapestry.", 0.98)
    assert better_supported(again, odo) is odo and better_supported(odo, again) is odo


def test_the_judge_prefers_any_answer_to_an_abstention_and_the_first_on_a_tie() -> None:
    asked = "and where?"
    nothing = answer(asked, "", 0.0, abstained=True)
    tokyo = answer(asked, "The ministers will hold talks in Tokyo.", 0.2)
    assert better_supported(nothing, tokyo) is tokyo
    same = answer(asked, "The ministers will hold talks in Tokyo.", 0.2)
    assert better_supported(tokyo, same) is tokyo


def test_the_founding_follow_up_answers_the_follow_up_and_says_how_it_was_understood(shipped) -> None:
    first = shipped.ask(FOUNDING_QUESTION)
    history = [{"role": "user", "content": FOUNDING_QUESTION}, {"role": "assistant", "content": first.text}]
    events = list(shipped.stream("and who will hold talks?", history))
    follow_up = events[-1].answer
    assert "foreign and defense ministers" in follow_up.text
    assert "2010" not in follow_up.text  # not the first question's answer again
    assert follow_up.question == "and who will hold talks?"
    assert follow_up.standalone_question == events[0].text == "Who will hold talks?"
    assert follow_up.to_dict()["standalone_question"] != follow_up.to_dict()["question"]


def test_a_follow_up_that_needs_the_conversation_gets_it(shipped) -> None:
    history = [{"role": "user", "content": "Who will hold talks on nuclear deterrence?"},
               {"role": "assistant", "content": "The foreign and defense ministers [1]"}]
    follow_up = shipped.ask("and where?", history=history)
    assert "Tokyo" in follow_up.text
    assert follow_up.standalone_question == "Where? (hold talks nuclear deterrence)"


def test_the_cli_says_understood_as(shipped) -> None:
    from assistant.cli import _readable

    history = [{"role": "user", "content": FOUNDING_QUESTION}, {"role": "assistant", "content": "In 2010 [1]"}]
    shown = _readable(shipped.ask("and who will hold talks?", history=history))
    assert shown.splitlines()[0] == "Understood as: Who will hold talks?"
    assert "Understood as" not in _readable(shipped.ask(FOUNDING_QUESTION))


@pytest.mark.parametrize("path", CONVERSATION_SETS, ids=lambda p: p.name)
def test_every_expected_answer_is_in_the_articles(path: Path) -> None:
    from assistant.eval.data import load_squad

    texts = [p.read_text(encoding="utf-8") for p in SHIPPED_CORPUS.glob("*.md")]
    texts += [text for _, text in load_squad(SQUAD_DEV).articles]
    conversations = load_conversations(path)
    assert len(conversations) >= (20 if path.name == "conversations.jsonl" else 10)
    for conversation in conversations:
        assert 2 <= len(conversation.turns) <= 3
        for turn in conversation.turns:
            assert any(contains_answer(text, turn.answers) for text in texts), (conversation.id, turn.answers)


def test_a_bad_conversation_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "x", "turns": [{"question": "q", "answers": ["a"]}]}\n{"id": "y", "turns": []}\n')
    with pytest.raises(DatasetError, match=r"c.jsonl, line 2"):
        load_conversations(path)


def test_accuracy_counts_follow_ups_by_turn() -> None:
    rows = [{"turn": 1, "correct": True}, {"turn": 2, "correct": False}, {"turn": 3, "correct": True}]
    assert accuracy(rows) == {"first": (1, 1), "follow-up": (1, 2), "second": (0, 1), "third": (1, 1)}


@pytest.mark.slow  # about 25 s: the SQuAD dev articles are indexed, then every conversation asked twice
def test_follow_ups_are_answered_at_least_as_well_as_by_the_glued_question(make_assistant, tmp_path: Path) -> None:
    assistant = make_assistant()
    ingest_articles(assistant, tmp_path, SHIPPED_CORPUS, SQUAD_DEV)
    for path in CONVERSATION_SETS:
        result = evaluate_conversations({"before": glued_asker(assistant), "after": current_asker(assistant)},
                                        load_conversations(path))
        (before, total), (after, _) = (result["accuracy"][name]["follow-up"] for name in ("before", "after"))
        assert after >= before, (path.name, before, after, total)

"""Follow-up questions resolved against the conversation, without a language model.

A follow-up may stand on its own ("and who will hold talks?") or lean on the conversation
("and where?", "who did he swear fealty to?"). Without a model to rewrite it, the extractive
mode answers two *readings* of it and keeps the answer the articles support better:

1. the follow-up alone (a leading "and"/"but"/"so" dropped), and
2. the follow-up with the key terms of the previous question: its content words, not the whole
   question, so the old "when" or "who" does not pull the answer back to the old question.
   When the previous question was itself a follow-up, the one before it lends its terms too.

:func:`better_supported` is the judge: the facade calls it with two answers, so a better judge
(a trained reader's answerability score) can replace it. The reading kept is the answer's
``standalone_question``, shown as "Understood as: ...", so a wrong guess is visible.

Trade-off accepted: names taken from the previous *answer* were tried as a third reading and
left out, because the quoted sentence's names lead straight back to that sentence (the previous
answer again); docs/evaluation.md has the figures. :func:`glued_question` is the rule this
replaced (the follow-up appended to the last question), kept as the plain guess a language
model's rewrite falls back to, and as the baseline of the evaluation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .terms import stemmer

if TYPE_CHECKING:
    from .extractive import Answer

_DEPENDENT = re.compile(
    r"^(and|but|also|so|what about|how about|then)\b|\b(it|its|they|them|their|he|him|she|his|her|this|that|"
    r"these|those|there|one)\b",
    re.IGNORECASE,
)
_GLUED_DEPENDENT = re.compile(  # glued_question's rule, kept as it was so the baseline stays the old behaviour
    r"^(and|but|also|so|what about|how about|then)\b|\b(it|its|they|them|their|he|she|his|her|this|that|"
    r"these|those|there)\b",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(and|but|also|so|then)\b[\s,]*", re.IGNORECASE)
_WORD = re.compile(r"[^\W_][\w'’-]*")
_STOP = frozenset(
    "a about after all also an and any are as at be been before but by can could did do does for from had has "
    "have he her him his how i if in into is it its me more most my no not of on one or other our she should "
    "so some than that the their them then there these they this those to up us was we were what when where "
    "which while who whom whose why will with would you your tell know say said".split()
)
MAX_TERMS = 8  # content words of earlier questions added to a follow-up
LOOK_BACK = 3  # questions read back when the last ones were themselves follow-ups
SHORT = 3  # a question of at most this many words ("where?", "under whom?") leans on the conversation


def is_follow_up(question: str, history: Sequence[dict[str, str]]) -> bool:
    """Whether ``question`` may lean on an earlier question: there is one, and ``question`` is very
    short, or short and starts with "and"/"what about" or holds a pronoun.

    Example: ``is_follow_up("and where?", [{"role": "user", "content": "Who met?"}])`` -> ``True``
    """
    words = len(question.split())
    return bool(_user_questions(history)) and (words <= SHORT or words <= 12 and bool(_DEPENDENT.search(question)))


def readings(question: str, history: Sequence[dict[str, str]]) -> list[str]:
    """The ways to understand ``question`` in its conversation: itself, or alone and with context.

    Example: ``readings("and where?", [{"role": "user", "content": "Who will hold talks?"}])``
    -> ``["Where?", "Where? (hold talks)"]``
    """
    if not is_follow_up(question, history):
        return [question]
    alone = _LEADING.sub("", question.strip()) or question.strip()
    alone = alone[:1].upper() + alone[1:]
    terms = _new_words(_context_words(history), {w.lower() for w in _WORD.findall(alone)}, MAX_TERMS)
    return [alone, f"{alone} ({' '.join(terms)})"] if terms else [alone]


def support(answer: Answer) -> tuple[int, float]:
    """How well an answer to a follow-up is backed, as a sort key: how many of the asked
    question's own content words its first quote holds, then that quote's score; an abstention
    is lowest. The asked words come first because a reading's added context inflates the score
    of the sentence that answered the previous question.

    Example: for "who commissioned it?", "It was commissioned by Odo" (1, 0.77) beats a quote
    without "commissioned" scored 0.98 (0, 0.98).
    """
    if answer.abstained or not answer.citations:
        return (-1, 0.0)
    first = answer.citations[0]
    return (len(_stems(answer.question) & _stems(first.quote)), first.score)


def better_supported(first: Answer, second: Answer) -> Answer:
    """The better backed of two answers to readings of the same asked question; ``first`` on a tie."""
    return second if support(second) > support(first) else first


def glued_question(question: str, history: Sequence[dict[str, str]]) -> str:
    """A dependent follow-up appended to the last question (the rule before :func:`readings`).

    Example: ``glued_question("and who will attend?", [{"role": "user", "content":
    "When are the talks?"}])`` -> ``"When are the talks? and who will attend?"``
    """
    previous = _user_questions(history)
    if not previous or len(question.split()) > 12 or not _GLUED_DEPENDENT.search(question):
        return question
    return f"{previous[-1].strip()} {question}"


def _user_questions(history: Sequence[dict[str, str]]) -> list[str]:
    return [m.get("content", "") for m in history if m.get("role") == "user" and m.get("content")]


def _context_words(history: Sequence[dict[str, str]]) -> list[str]:
    """Words of the last question, and of the ones before it while each was itself a follow-up."""
    questions = _user_questions(history)
    words: list[str] = []
    for back in range(1, min(LOOK_BACK, len(questions)) + 1):
        words += _WORD.findall(questions[-back])
        earlier = [{"role": "user", "content": q} for q in questions[:-back]]
        if not is_follow_up(questions[-back], earlier):
            break
    return words


def _new_words(words: Sequence[str], seen: set[str], limit: int) -> list[str]:
    """Content words not yet in ``seen``, in order, each once, at most ``limit``."""
    out: list[str] = []
    for word in words:
        key = word.lower()
        if key in _STOP or key in seen or len(key) < 2:
            continue
        seen = seen | {key}
        out.append(word)
        if len(out) == limit:
            break
    return out


def _stems(text: str) -> set[str]:
    words = [w.lower() for w in _WORD.findall(text) if w.lower() not in _STOP]
    return set(stemmer().stemWords(words))

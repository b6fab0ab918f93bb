"""Follow-up questions made standalone, without a language model.

A follow-up such as "and who will attend?" says little on its own. Without a model to rewrite
it, the extractive mode joins it to the last question the user asked when the follow-up looks
dependent: short, or leaning on a pronoun or a leading "and"/"what about". The result is shown
to the user with the answer, so a wrong guess is visible rather than silent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_DEPENDENT = re.compile(
    r"^(and|but|also|so|what about|how about|then)\b|\b(it|its|they|them|their|he|she|his|her|this|that|"
    r"these|those|there)\b",
    re.IGNORECASE,
)


def standalone_question(question: str, history: Sequence[dict[str, str]]) -> str:
    """The question to retrieve for, given the conversation so far.

    Example: ``standalone_question("and who will attend?", [{"role": "user", "content":
    "When are the talks?"}])`` -> ``"When are the talks? and who will attend?"``
    """
    previous = [m.get("content", "") for m in history if m.get("role") == "user" and m.get("content")]
    if not previous:
        return question
    if len(question.split()) > 12 or not _DEPENDENT.search(question):
        return question
    return f"{previous[-1].strip()} {question}"

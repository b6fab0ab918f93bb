"""What a question asks for, read from its words: yes or no, a date, a number, code or a table row.

The extractive answerer uses these to score and choose sentences (extractive.py); they read only
the question.
"""

from __future__ import annotations

import re

_YEAR_OR_DATE = re.compile(
    r"\b(1[5-9]\d\d|20\d\d)s?\b|\b(January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\b|\b\d{1,2}(st|nd|rd|th)? century\b",
    re.IGNORECASE,
)
NUMBER = re.compile(r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion)\b", re.I)
# Questions that ask for what only a code block or a table row holds (sentence kinds, chunking.py).
_ASKS_FOR = (
    ("code", re.compile(r"\b(examples?|syntax|snippet|code|command line|(?:sql|shell) command)\b", re.I)),
    ("table", re.compile(r"\b(range of|ranges|how many bytes|storage size|rows? of|columns?)\b", re.I)),
)
# "Can I ...?", "Is X ...?" (its last sentence, if several), but not "Is it A or B?", which a phrase answers.
_YES_NO = re.compile(r"^\W*(is|are|was|were|am|do|does|did|can|could|will|would|shall|should|may|might|must|has|have|"
                     r"had|isn't|aren't|doesn't|don't|can't|won't)\b(?!.*\bor\b)", re.I | re.S)


def quotable_kinds(question: str) -> frozenset[str]:
    """The kinds of sentence that may answer: prose, and code or table rows when asked for.

    Headings, captions and fragments (a line without final punctuation) never answer.

    Example: ``quotable_kinds("show an example of CLUSTER")`` -> ``frozenset({"prose", "code"})``
    """
    return frozenset(["prose"] + [kind for kind, asks in _ASKS_FOR if asks.search(question)])


def asks_yes_no(question: str) -> bool:
    """Whether the question's last sentence asks yes or no.

    Example: ``asks_yes_no("I use bloom. Can it do range scans?")`` -> ``True``
    """
    return _YES_NO.search(re.split(r"(?<=[.!?])\s+(?=\S)", question.strip())[-1]) is not None


def wants(question: str) -> re.Pattern[str] | None:
    """The pattern an answer to this kind of question usually contains, if any."""
    q = question.lower()
    if re.search(r"\bwhen\b|\bwhat (year|date|century|decade)\b|\bwhich year\b", q):
        return _YEAR_OR_DATE
    if re.search(r"\bhow (many|much|long|old|far|big|large|often)\b", q):
        return NUMBER
    return None

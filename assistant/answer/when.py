"""The time a question asks about: a date or period it names, or the present.

News answers hold at a date. "What was the rate in March 2008?" asks for the value that held then;
"What is the rate now?" for the newest report's. This module only reads the question; which
reports answer is dated.py's job, and "now" is the index's newest publication date, never the
clock on the wall. Relative phrases ("last week") are timeframe.py's: they narrow the articles.

Example: ``asked_time("What was the target rate in March 2008?")`` ->
``AskedTime(start=date(2008, 3, 1), end=date(2008, 3, 31), phrase="March 2008", present=False)``
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_M = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"((?:19|20)\d\d)"
_PATTERNS = [  # most specific first
    ("iso", re.compile(_YEAR + r"-(\d\d)-(\d\d)\b")),
    ("dmy", re.compile(r"\b" + _DAY + r"\s+(?:of\s+)?" + _M + r",?\s+" + _YEAR + r"\b", re.I)),
    ("mdy", re.compile(r"\b" + _M + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b", re.I)),
    ("my", re.compile(r"\b" + _M + r",?\s+(?:of\s+)?" + _YEAR + r"\b", re.I)),
    # A bare year ("who won in 2019?") names when an event happened, not a date a value held at.
    ("y", re.compile(r"\b(?:as of|by|at the end of|end of)\s+" + _YEAR + r"\b", re.I)),
]
_PRESENT = re.compile(r"\b(current(?:ly)?|now|latest|still|at present|presently|these days|most recent(?:ly)?|"
                      r"as it stands|so far|to date)\b", re.I)


@dataclass(frozen=True)
class AskedTime:
    """The period a question asks about (``end`` is the date the answer must hold at), or the present
    (``present=True``: both dates None until the caller knows the index's newest date)."""

    start: date | None
    end: date | None
    phrase: str
    present: bool = False

    def at(self, newest: date) -> AskedTime:
        """The same, with the present read as the newest publication date."""
        return AskedTime(newest, newest, self.phrase, True) if self.present else self


def asked_time(question: str) -> AskedTime | None:
    """The date or period a question names, else the present if it asks about it, else None."""
    for kind, pattern in _PATTERNS:
        match = pattern.search(question)
        if match is None:
            continue
        found = _period(kind, match.groups())
        if found is not None:
            phrase = match.group() if kind != "y" else match.group(1)
            return AskedTime(found[0], found[1], phrase)
    match = _PRESENT.search(question)
    return AskedTime(None, None, match.group(), present=True) if match else None


def asked_at(question: str, newest: Callable[[], str]) -> AskedTime | None:
    """``asked_time``, the present read as ``newest()`` (the newest publication date the asker may
    see; None when no article has a date)."""
    asked = asked_time(question)
    if asked is None or not asked.present:
        return asked
    latest = newest()
    return asked.at(date.fromisoformat(latest[:10])) if latest else None


def _period(kind: str, groups: tuple[str, ...]) -> tuple[date, date] | None:
    try:
        if kind == "iso":
            day = date(int(groups[0]), int(groups[1]), int(groups[2]))
            return day, day
        if kind == "dmy":
            day = date(int(groups[2]), _MONTHS[groups[1].lower()], int(groups[0]))
            return day, day
        if kind == "mdy":
            day = date(int(groups[2]), _MONTHS[groups[0].lower()], int(groups[1]))
            return day, day
        if kind == "my":
            year, month = int(groups[1]), _MONTHS[groups[0].lower()]
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        year = int(groups[0])
        return date(year, 1, 1), date(year, 12, 31)
    except (ValueError, KeyError):
        return None  # "30 February 2008": not a date, so not a time the question asks about

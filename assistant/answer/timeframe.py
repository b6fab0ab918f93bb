"""Relative time in questions ("last week", "this year") as a publication-date filter.

"Now" for a news archive is not the clock on the wall: an archive of 2024 articles asked about
"this week" means the week of its newest article. So relative expressions are resolved against
the newest publication date in the index, and the result is shown to the user as a note.
Explicit years ("in 2010") are *not* turned into filters: they usually name when an event
happened, which an article published years later may report.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .retrieve import Filters

_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}
_PATTERNS = [
    (re.compile(r"\btoday\b", re.I), lambda d, m: (d, d)),
    (re.compile(r"\byesterday\b", re.I), lambda d, m: (d - timedelta(days=1), d - timedelta(days=1))),
    (re.compile(r"\bthis week\b", re.I), lambda d, m: (d - timedelta(days=d.weekday()), d)),
    (re.compile(r"\blast week\b", re.I),
     lambda d, m: (d - timedelta(days=d.weekday() + 7), d - timedelta(days=d.weekday() + 1))),
    (re.compile(r"\bthis month\b", re.I), lambda d, m: (d.replace(day=1), d)),
    (re.compile(r"\blast month\b", re.I),
     lambda d, m: ((d.replace(day=1) - timedelta(days=1)).replace(day=1), d.replace(day=1) - timedelta(days=1))),
    (re.compile(r"\bthis year\b", re.I), lambda d, m: (d.replace(month=1, day=1), d)),
    (re.compile(r"\blast year\b", re.I), lambda d, m: (date(d.year - 1, 1, 1), date(d.year - 1, 12, 31))),
    (re.compile(r"\b(?:past|last) (\d{1,3}) (day|week|month|year)s?\b", re.I),
     lambda d, m: (d - timedelta(days=int(m.group(1)) * _UNITS[m.group(2).lower()]), d)),
    (re.compile(r"\b(?:past|last) (day|week|month|year)\b", re.I),
     lambda d, m: (d - timedelta(days=_UNITS[m.group(1).lower()]), d)),
]


def resolve(question: str, newest: date) -> tuple[date, date, str] | None:
    """The (first day, last day, phrase) a question's relative time refers to, or None.

    Example: ``resolve("what happened last week?", date(2024, 7, 28))`` ->
    ``(date(2024, 7, 15), date(2024, 7, 21), "last week")`` (2024-07-28 is a Sunday)
    """
    for pattern, bounds in _PATTERNS:
        match = pattern.search(question)
        if match:
            first, last = bounds(newest, match)
            return first, last, match.group()
    return None


def apply(question: str, filters: Filters | None, newest: Callable[[], str]) -> tuple[Filters | None, str]:
    """Filters narrowed to the question's relative time, and a note saying how it was read.

    Dates the caller set explicitly win. ``newest()`` gives the newest publication date in the
    index (``""`` when no article has one, and then nothing changes); it is called only when the
    question has a relative time in it.
    """
    from .retrieve import Filters

    if (filters and (filters.published_after or filters.published_before)) or resolve(question, date.today()) is None:
        return filters, ""
    latest = newest()
    if not latest:
        return filters, ""
    first, last, phrase = resolve(question, date.fromisoformat(latest[:10]))  # type: ignore[misc]
    note = (f"\u201c{phrase}\u201d was read as articles published {first.isoformat()} to {last.isoformat()} "
            f"(relative to the newest article, published {latest[:10]}).")
    return replace(filters or Filters(), published_after=first.isoformat(), published_before=last.isoformat()), note

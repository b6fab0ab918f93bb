"""Publication dates: one ISO 8601 form to store, epoch seconds to filter on, words to show.

Dates arrive as YAML dates, ISO strings, feed (RFC 2822) strings or HTML metadata; they leave as
``YYYY-MM-DD`` (a day) or a full ISO datetime with offset (a moment), and as UTC epoch seconds
for Chroma's numeric range filters. Every adapter shows them to people as :func:`human_date`
writes them ("18 March 2008"): the day first and the month in words, so that no reader takes
03/04 for the wrong month. (The /embed page's script writes the same form in JavaScript.)
"""

from __future__ import annotations

import email.utils
import re
from datetime import date, datetime, timezone


def normalize_date(value: object, field: str = "published") -> str:
    """ISO 8601 form of a date: ``YYYY-MM-DD`` for a day, full ISO with offset for a moment.

    Accepts ``date``/``datetime`` objects (as YAML front matter gives them) and ISO 8601 or
    RFC 2822 strings (as feeds give them). A datetime without offset is taken as UTC. ``None``
    or ``""`` means "not given" and returns ``""``; anything else raises ValueError.

    Example: ``normalize_date("2024-07-28 09:30+09:00")`` -> ``"2024-07-28T09:30:00+09:00"``
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, datetime):
        return _aware(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        for parse in (date.fromisoformat, datetime.fromisoformat, email.utils.parsedate_to_datetime):
            try:
                return normalize_date(parse(text), field)
            except (ValueError, TypeError):
                continue
    raise ValueError(f"field {field!r}: cannot read {value!r} as a date (use ISO 8601, e.g. 2024-07-28)")


def timestamp(published: str) -> int | None:
    """Epoch seconds (UTC) of a date from :func:`normalize_date`; a bare day counts from midnight UTC.

    Example: ``timestamp("2010-01-01")`` -> ``1262304000``; ``timestamp("")`` -> ``None``
    """
    if not published:
        return None
    try:
        day = date.fromisoformat(published)
        moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    except ValueError:
        moment = _aware(datetime.fromisoformat(published))
    return int(moment.timestamp())


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # English, whatever the machine's locale (no strftime %B)
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def human_date(iso: str) -> str:
    """An ISO date as people read it; a moment shows its own calendar day, a month its month;
    ``""`` stays ``""`` and anything else is returned as it is.

    Example: ``human_date("2008-03-18")`` -> ``"18 March 2008"``; ``human_date("2008-03")`` -> ``"March 2008"``
    """
    found = _ISO_DAY.match(iso or "")
    if not found or not 1 <= int(found[2]) <= 12:
        return iso or ""
    month = f"{MONTHS[int(found[2]) - 1]} {found[1]}"
    return f"{int(found[3])} {month}" if found[3] else month


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)

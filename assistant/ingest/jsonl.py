"""JSONL archives: one article a line, streamed, each bad line reported with its number.

A JSONL file is read line by line, so an archive of any size goes through an ingest in bounded
memory; ``max_bytes`` caps each line. Used by articles.stream_file.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ..access import normalize_groups
from ..errors import LoadError
from .dates import normalize_date
from .document import Article, decode_text


def utf8_lines(raw: BinaryIO, label: str, max_bytes: int) -> Iterator[bytes | None]:
    """The file's lines as UTF-8 bytes, split on "\\n" only (JSON strings may hold U+2028, which
    str.splitlines() would break on); None for a line over ``max_bytes``, which is skipped unread.
    A UTF-16 file (byte-order mark) is decoded whole, within ``max_bytes``, then split."""
    head = raw.read(2)
    raw.seek(0)
    if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        data = raw.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise LoadError(label, f"a UTF-16 JSONL file is read whole, and this one is over the limit of {max_bytes} bytes")
        yield from (line.encode("utf-8") for line in decode_text(data, label).split("\n"))
        return
    while line := raw.readline(max_bytes + 1):
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # the rest of the long line, in pieces
                line = raw.readline(1 << 20)
            yield None
        else:
            yield line


def stream_jsonl(lines: Iterable[bytes | None], filekey: str, label: str, max_bytes: int) -> Iterator[Article | LoadError]:
    """The articles of JSONL lines, a :class:`LoadError` in place of each bad line (a line over
    ``max_bytes`` comes as None); raises when no line at all could be loaded."""
    first_line: dict[str, int] = {}
    first_error: LoadError | None = None
    for number, line in enumerate(lines, start=1):
        if line is not None and not line.strip():
            continue
        try:
            if line is None:
                raise LoadError(label, f"line is over the limit of {max_bytes} bytes (max_file_bytes); skipped", line=number)
            article = _jsonl_article(_decode_line(line, label, number), filekey, label, number)
            if article.key in first_line:
                raise LoadError(label, f"same id/url/title as line {first_line[article.key]}; skipped", line=number)
        except LoadError as error:
            first_error = first_error or error
            yield error
            continue
        first_line[article.key] = number
        yield article
    if not first_line:
        if first_error is None:
            raise LoadError(label, "empty file")
        raise LoadError(label, f"no line could be loaded; line {first_error.line}: {first_error.reason}")


def _decode_line(line: bytes, label: str, number: int) -> str:
    try:
        return line.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return decode_text(line, label)  # a legacy encoding, detected on the line
    except LoadError as error:
        raise LoadError(label, error.reason, line=number) from None


def _jsonl_article(line: str, filekey: str, label: str, number: int) -> Article:
    def bad(reason: str) -> LoadError:
        return LoadError(label, reason, line=number)

    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise bad(f"invalid JSON: {error.msg} (column {error.colno})") from error
    if not isinstance(record, dict):
        raise bad(f"expected a JSON object, got {type(record).__name__}")
    values: dict[str, str] = {}
    for name in ("title", "text", "source", "url", "author", "published"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise bad(f"field {name!r} must be a string, not {type(value).__name__}")
        values[name] = (value or "").strip()
        if name in ("title", "text") and not values[name]:
            raise bad(f"missing field {name!r}" if value is None else f"field {name!r} is empty")
    ident = record.get("id")
    if ident is not None and (isinstance(ident, bool) or not isinstance(ident, (str, int))):
        raise bad(f"field 'id' must be a string or integer, not {type(ident).__name__}")
    try:
        values["published"] = normalize_date(values["published"])
    except ValueError as error:
        raise bad(str(error)) from error
    ident_text = str(ident).strip() if ident is not None else ""
    key = f"{filekey}#{ident_text or values['url'] or values['title']}"
    try:
        access = normalize_groups(record.get("access"), "field 'access'")
    except ValueError as error:
        raise bad(str(error)) from error
    return Article(key=key, access=access, **values)

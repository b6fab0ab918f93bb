"""An article as every other module sees it: its text, its metadata and its stable id; and how
the bytes of a text file become that text.

Citations are character offsets into ``Article.text``, so a loader keeps the text exactly as the
reader should see it. The loaders live in :mod:`assistant.ingest.articles` (finding files, JSONL)
and :mod:`assistant.ingest.formats` (text, Markdown, HTML, PDF); both build this dataclass.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass, field

from ..errors import LoadError


def article_id(key: str) -> str:
    """Stable id for an article from its key (source path, or path plus line identity).

    Example: ``article_id("japan-us.md")`` -> ``"a1b2c3d4e5f60718"`` (16 hex chars, always the same).
    """
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Article:
    """One news article, press release or wiki page, ready to chunk.

    ``key`` identifies where the article came from (its file path relative to the corpus, with
    ``#<url or title>`` for one line of a JSONL file); ``id`` derives from it, so re-ingesting
    the same file updates the same article. ``published`` is an ISO 8601 date (``2024-07-28``)
    or datetime, or ``""`` when the article does not say. ``pages`` maps text offsets to PDF
    page numbers: ``((0, 1), (1834, 2))`` means page 2 starts at character 1834. ``blocks`` are
    the paragraphs, headings, tables and code as ``(start, end, kind)`` spans of ``text``
    (:mod:`assistant.ingest.blocks`), when the loader knows them; empty: the chunker infers them.
    ``access`` are the groups allowed to read it (:mod:`assistant.access`), normalised and sorted;
    empty: everyone may.
    """

    key: str
    title: str
    text: str
    source: str = ""
    url: str = ""
    published: str = ""
    author: str = ""
    pages: tuple[tuple[int, int], ...] = field(default=())
    blocks: tuple[tuple[int, int, str], ...] = field(default=(), repr=False)
    access: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return article_id(self.key)

    def page_at(self, offset: int) -> int | None:
        """The PDF page holding character ``offset``, or None for non-paginated articles."""
        page = None
        for start, number in self.pages:
            if start > offset:
                break
            page = number
        return page


def decode_text(data: bytes, label: str) -> str:
    """Bytes of a text file as str: UTF-8 (BOM dropped) first, else a detected legacy encoding."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise LoadError(label, "binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    best = from_bytes(data).best()
    if best is None:
        raise LoadError(label, "binary file, not text")
    if best.chaos > 0.1:
        raise LoadError(label, "not valid UTF-8 and the encoding could not be detected")
    # charset-normalizer ties Windows-1250 with Windows-1252 on Western text and picks 1250,
    # turning French "à" into "ŕ". Legacy news text is overwhelmingly 1252 (a superset of
    # Latin-1), so take it whenever it reads no worse than the detector's choice.
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        return str(best)
    # On short text the detector's scores are close and noisy (a French sentence in cp1252 scored
    # 0.038 against MacLatin2's 0.030), so allow a small margin; wrong Cyrillic or Greek read as
    # cp1252 scores above 1.0, far outside it.
    return western if mess_ratio(western) <= best.chaos + 0.02 else str(best)

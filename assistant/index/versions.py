"""Versions and republished copies: which articles the index keeps when several tell one story.

Only articles with the same access labels are compared: a public copy of a restricted story is
indexed beside it, and neither replaces the other, so no reader gets a version they may not read.

* **A version** has the same address (the URL, normalised: scheme, ``www.``, a trailing slash, the
  fragment and ``utm_`` parameters aside; a site's root page is no article's address) or, for an
  article without one, the same title from the same source on the same day. The newest version
  (latest published, then the larger content hash, then the smaller key) is indexed; the others
  are older versions, reported and not indexed.
* **A republished copy** (a wire story under two names) has another address or title but the same
  text: each text holds at least ``near_duplicate`` (0.97) of the other's word 5-grams, a leading
  title line aside; the numbers, months and weekdays of one are all in the other (a dateline
  added is fine, a changed date or figure is not); and, when both are dated, they were published
  within three days of each other. It is indexed once, as the
  earliest copy (undated last, then the smallest key), whose record lists the others' titles,
  sources, addresses and dates (``ArticleRecord.copies``).
* **Everything else is its own article**, however many words it shares with another: consecutive
  FOMC statements (the 2016 implementation notes hold 0.970 of each other's 5-grams and differ
  only in their dates; the September and October 2003 statements differ in one sentence), a
  follow-up that repeats the first report's background, two manual pages sharing a template.

Why so strict: merging two reports loses one of them for good (the rate that held between two
meetings can no longer be found), while keeping a copy twice only repeats a passage. Undated
articles without an address are never versions of each other (nothing says which is newer, and
"Press release" is many reports' title); identical ones are still copies. Trade-offs accepted: an
address is trusted, so a corpus that gives many reports one URL (an index page) makes them
versions of one another (give each its own URL, or none); a text republished more than three days
later is indexed twice.

The outcome depends on the set of articles, not on the order of ingest. A version key is an
equivalence and :func:`newer` a total order, so the newest of each key wins whichever came first;
a copy is compared with the indexed copy of each group, and :func:`first` picks the same lead
whatever joined first. The :class:`Ledger` holds what the index holds, listed copies and planned
articles included, so an article meets everything it could lose to; an article whose standing
changes later in the ingest (the copies of a removed article, an older version whose newer one is
gone) is read and compared again before the ingest ends. The ingester deletes what loses before
it writes what wins, so an ingest killed part-way leaves a subset that the next run completes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ..ingest.dates import timestamp
from .records import ArticleRecord, Copy
from .shingles import shingle_agreement

if TYPE_CHECKING:
    import numpy as np

    from ..ingest.articles import Article
    from .store import Store

COPY_DAYS = 3  # a wire story's copies appear within days; a series under one title, weeks apart
_WORD = re.compile(r"\w+")
# Words that date or count something: a copy says all of them, a later report changes them.
_MONTHS_DAYS = set(
    "january february march april may june july august september october november december jan feb mar "
    "apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday".split()
)


def normal_url(url: str) -> str:
    """The address an article is known by, or "" for none (no host, or a site's root).

    Example: ``normal_url("https://www.Example.org/a/b/?utm_source=x#top")`` -> ``"example.org/a/b"``
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = unquote(parts.path).rstrip("/")
    if not host or not path:
        return ""
    query = "&".join(sorted(q for q in parts.query.split("&") if q and not q.startswith("utm_")))
    return host + path + (f"?{query}" if query else "")


def version_key(item: Any) -> str:
    """What makes two articles versions of one (see the module docstring); "" for none.
    ``item``: an Article, ArticleRecord or Copy.

    Example: ``version_key(Copy("", "a.md", "Port strike ends", "Harbour News", "", "2024-05-02", ""))``
    -> ``"title port strike ends | harbour news | 2024-05-02"``
    """
    address = normal_url(item.url)
    if address:
        return f"url {address}"
    if item.published and item.title:
        return f"title {_words(item.title)} | {_words(item.source)} | {item.published[:10]}"
    return ""


def republished(a: Any, b: Any, threshold: float) -> bool:
    """Whether two articles (Article or ArticleRecord, with text) are one text published twice."""
    if a.published and b.published and abs(timestamp(a.published) - timestamp(b.published)) > COPY_DAYS * 86400:
        return False
    first, second = _body(a), _body(b)
    facts, other = _facts(first), _facts(second)
    return (facts <= other or other <= facts) and shingle_agreement(first, second) >= threshold


def as_copy(item: Any, content_hash: str | None = None) -> Copy:
    """An Article (with its ``content_hash``) or ArticleRecord as a :class:`Copy` entry."""
    digest = item.content_hash if content_hash is None else content_hash
    return Copy(item.id, item.key, item.title, item.source, item.url, item.published, digest)


def newer(a: Copy, b: Copy) -> bool:
    """Whether version ``a`` replaces version ``b``: published later; on a tie, the larger content
    hash; on a tie, the smaller key (the same file seen under two names)."""
    ra, rb = (_time(a, float("-inf")), a.content_hash), (_time(b, float("-inf")), b.content_hash)
    return ra > rb or (ra == rb and a.key < b.key)


def first(copies: Iterable[Copy]) -> Copy:
    """The copy a republished story is indexed as: the earliest published (undated last), then
    the smallest key."""
    return in_order(copies)[0]


def in_order(copies: Iterable[Copy]) -> tuple[Copy, ...]:
    """Copies as a record lists them: earliest published first (undated last), then by key."""
    return tuple(sorted(copies, key=lambda c: (_time(c, float("inf")), c.key)))


class Ledger:
    """What the index holds, as the version and copy rules see it (metadata, no text), kept in step
    with the index during one ingest: every indexed article, every copy its record lists, and the
    articles planned but not yet written, by version key. Its writes go to the store first."""

    def __init__(self, store: Store, records: dict[str, ArticleRecord]) -> None:
        self.store = store
        self.records: dict[str, ArticleRecord] = {}
        self.holder: dict[str, str] = {}  # a listed copy's id -> the indexed article listing it
        self._keys: dict[tuple[tuple[str, ...], str], dict[str, Copy]] = {}
        self.again: set[str] = set()  # keys to compare afresh: the copies of an article since removed
        self.beaten: list[tuple[tuple[str, ...], Copy]] = []  # older versions not indexed, with their labels
        for record in records.values():
            self.add(record)

    def add(self, record: ArticleRecord) -> None:
        """Note an article written to the index, with its copies."""
        self.records[record.id] = record
        for item in (as_copy(record), *record.copies):
            self.claim(item, record.access)
        for listed in record.copies:
            self.holder[listed.id] = record.id

    def forget(self, article_id: str) -> ArticleRecord | None:
        """Note an article gone from the index, with its copies; returns its record."""
        record = self.records.pop(article_id, None)
        for item in (as_copy(record), *record.copies) if record else ():
            self.release(item, record.access)
            self.holder.pop(item.id, None)
        return record

    def drop(self, article_id: str) -> ArticleRecord | None:
        """Remove an indexed article; the copies its record listed are to be compared afresh."""
        if (record := self.forget(article_id)) is not None:
            self.store.delete_article(article_id)
            self.again.update(c.key for c in record.copies)
        return record

    def set_copies(self, holder: ArticleRecord, copies: Iterable[Copy]) -> ArticleRecord:
        """Replace the copies an indexed article's record lists; returns the updated record."""
        record = replace(holder, copies=in_order(copies))
        self.store.set_copies(holder.id, record.copies)
        self.forget(holder.id)
        self.add(record)
        return record

    def retire(self, rival: Copy) -> tuple[str, ...] | None:
        """Remove an older version, indexed or listed as a copy; returns the labels of what it was
        removed from, or None when it was only planned (and is cancelled)."""
        holder = self.records.get(self.holder.get(rival.id, ""))
        if rival.id in self.records:
            return self.drop(rival.id).access
        if holder is not None:
            self.set_copies(holder, [c for c in holder.copies if c.id != rival.id])
            return holder.access
        return None

    def republished(self, article: Article, vectors: np.ndarray, threshold: float) -> list[ArticleRecord]:
        """The indexed articles (with text) whose text ``article`` publishes again; a text published
        twice has near-identical vectors, so only the nearest are read."""
        found = []
        for other_id, similarity in self.store.similar_articles(vectors.mean(axis=0), n=5, access=article.access):
            known = self.records.get(other_id)
            if other_id == article.id or similarity < 0.9 or known is None or known.access != article.access:
                continue
            other = self.store.get_article(other_id)
            if other is not None and republished(article, other, threshold):
                found.append(other)
        return found

    def gather(self, item: Copy, primaries: list[ArticleRecord]) -> tuple[Copy, tuple[Copy, ...], list[ArticleRecord]]:
        """Make ``item`` (an article about to be written) and the indexed ``primaries`` whose text
        it publishes again one group under its earliest copy, which each primary already is of its
        own: returns that lead, the others as its copies, and the primaries merged away (deleted,
        before anything is written). When the lead is indexed, its record lists the copies now."""
        lead = first([item, *map(as_copy, primaries)])
        copies = in_order(c for c in (item, *(c for p in primaries for c in (as_copy(p), *p.copies))) if c.id != lead.id)
        merged = [p for p in primaries if p.id != lead.id]
        for other in merged:
            self.drop(other.id)
            self.again.difference_update(c.key for c in other.copies)  # they move to the lead
        if lead.id != item.id:
            self.set_copies(self.records[lead.id], copies)
        return lead, copies, merged

    def copy(self, copy_id: str) -> Copy | None:
        """A listed copy's entry, or None when ``copy_id`` is no listed copy."""
        holder = self.records.get(self.holder.get(copy_id, ""))
        return next((c for c in holder.copies if c.id == copy_id), None) if holder else None

    def claim(self, item: Copy, access: tuple[str, ...]) -> None:
        """Register ``item`` (indexed, listed, or about to be written) under its version key."""
        if key := version_key(item):
            self._keys.setdefault((access, key), {})[item.id] = item

    def release(self, item: Copy, access: tuple[str, ...]) -> None:
        self._keys.get((access, version_key(item)), {}).pop(item.id, None)

    def rivals(self, item: Copy, access: tuple[str, ...]) -> list[Copy]:
        """The other articles with ``item``'s version key and labels."""
        key = version_key(item)
        return [c for c in self._keys.get((access, key), {}).values() if c.id != item.id] if key else []

    def unsettled(self) -> set[str]:
        """The keys to compare afresh, emptied: copies of a removed article, and older versions
        whose every newer version is gone (its file removed, say)."""
        keys = self.again | {c.key for access, c in self.beaten if not any(newer(r, c) for r in self.rivals(c, access))}
        self.again, self.beaten = set(), []
        return keys


def _time(item: Copy, undated: float) -> float:
    ts = timestamp(item.published) if item.published else None
    return undated if ts is None else float(ts)


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _body(article: Any) -> str:
    """The text without a first line that repeats the title (a text file's title is its first line)."""
    text, title = article.text, article.title.strip()
    return text[len(title):] if title and text.startswith(title) else text


def _facts(text: str) -> set[str]:
    """The words that date or count something. Example: ``_facts("On May 3, 12 died")`` -> ``{"may", "3", "12"}``"""
    return {w for w in _WORD.findall(text.lower()) if w in _MONTHS_DAYS or any(ch.isdigit() for ch in w)}

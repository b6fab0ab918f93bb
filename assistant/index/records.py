"""Plain records of what the store holds, and their conversion to and from Chroma metadata.

Chroma metadata values are flat (strings, numbers, lists of numbers), so sentence offsets and
PDF page starts are stored as flat lists ``[start, end, start, end, ...]`` and paired up again
here; sentence kinds are one string (``"heading prose prose table"``). The publication date is
stored twice: ISO text to show, epoch seconds to filter on (Chroma's range operators take
numbers only).

An article that was published more than once (a wire story under two names: see
assistant/index/versions.py) is stored once; its record lists the other copies as ``copies``, one
JSON string (:func:`copies_meta`), read back as :class:`Copy` records.

Access labels (assistant/access.py) are stored, on the chunks and the article record of a
labelled article only, as ``restricted: True``, the groups as one string (``access: "hr
managers"``) and one boolean key per group (``access:hr: True``), which any Chroma version's
``where`` can test. An unlabelled article's metadata is as it was before labels existed, so an
index written then needs no migration: Chroma's ``$ne`` matches a record without the key
(Chroma 0.5.12 and later), and ``{"restricted": {"$ne": True}}`` is what anyone may read.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..access import Viewer
from ..ingest.articles import Article
from ..ingest.chunking import Chunk

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Copy:
    """Another publication of an indexed article's text (another title, source or address), kept
    in the article's record instead of being indexed twice."""

    id: str
    key: str
    title: str
    source: str
    url: str
    published: str
    content_hash: str  # what was ingested, so that an unchanged copy is not embedded again


@dataclass(frozen=True)
class ArticleRecord:
    """An indexed article as stored: metadata, and the text when asked for."""

    id: str
    key: str
    title: str
    source: str
    url: str
    published: str
    author: str
    content_hash: str
    chunks: int
    text: str = ""
    access: tuple[str, ...] = ()  # the groups that may read it; empty: everyone
    body_hash: str = ""  # the content hash without the access labels (what decides re-embedding)
    copies: tuple[Copy, ...] = ()  # the same text published elsewhere, earliest first (versions.py)


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as stored, with the article metadata a citation needs."""

    id: str
    article_id: str
    text: str
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]
    title: str
    source: str
    url: str
    published: str
    pages: tuple[tuple[int, int], ...] = ()  # (start offset, PDF page) within the chunk
    kinds: tuple[str, ...] = ()  # each sentence's kind ("prose", "heading", "table", ...); empty: all prose
    access: tuple[str, ...] = ()  # the groups that may read its article; empty: everyone

    def between(self, start: int, end: int) -> str:
        """The chunk's text between article offsets ``start`` and ``end`` (a sentence's span)."""
        return self.text[start - self.start : end - self.start]

    def page_at(self, offset: int) -> int | None:
        """The PDF page holding article offset ``offset``, or None when not paginated."""
        page = None
        for start, number in self.pages:
            if start <= offset:
                page = number
        return page


def where_filter(
    source: str | None = None, after_ts: int | None = None, before_ts: int | None = None,
    viewer: Viewer | None = None,
) -> dict[str, Any] | None:
    """A Chroma ``where`` clause for the supported filters and what ``viewer`` may read, or None
    for no filter (``viewer=None``: no access clause, for the ingester's own reads).

    Example: ``where_filter(source="Reuters")`` -> ``{"source": "Reuters"}``
    """
    clauses: list[dict[str, Any]] = [readable] if viewer and (readable := access_where(viewer)) else []
    if source:
        clauses.append({"source": source})
    if after_ts is not None:
        clauses.append({"published_ts": {"$gte": after_ts}})
    if before_ts is not None:
        clauses.append({"published_ts": {"$lte": before_ts}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


RESTRICTED = "restricted"


def group_key(group: str) -> str:
    """The metadata key that marks a group's articles. Example: ``group_key("hr")`` -> ``"access:hr"``"""
    return f"access:{group}"


def access_where(viewer: Viewer) -> dict[str, Any] | None:
    """The ``where`` clause for what ``viewer`` may read (:meth:`Viewer.may_read` for Chroma); None: all.

    Example: ``access_where(Viewer(frozenset({"hr"})))`` ->
    ``{"$or": [{"restricted": {"$ne": True}}, {"access:hr": True}]}``
    """
    if viewer.reads_all:
        return None
    clauses = [{RESTRICTED: {"$ne": True}}, *({group_key(g): True} for g in sorted(viewer.groups))]
    return clauses[0] if len(clauses) == 1 else {"$or": clauses}


def access_meta(access: tuple[str, ...], before: tuple[str, ...] = ()) -> dict[str, Any]:
    """Metadata for access labels; with ``before``, an update that also clears the old labels
    (Chroma deletes a key set to None).

    Example: ``access_meta(("hr",))`` -> ``{"restricted": True, "access": "hr", "access:hr": True}``
    """
    meta: dict[str, Any] = {group_key(g): None for g in before if g not in access}
    if access:
        meta.update({RESTRICTED: True, "access": " ".join(access), **{group_key(g): True for g in access}})
    elif before:
        meta.update({RESTRICTED: None, "access": None})
    return meta


def article_meta(article: Article) -> dict[str, Any]:
    from ..ingest.articles import timestamp

    meta: dict[str, Any] = {
        "article_id": article.id,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "published": article.published,
        "author": article.author,
    }
    ts = timestamp(article.published) if article.published else None
    if ts is not None:
        meta["published_ts"] = ts  # numbers only: Chroma's range filters need them
    meta.update(access_meta(article.access))  # nothing for an unlabelled article
    return meta


def chunk_meta(chunk: Chunk, meta: dict[str, Any], content_hash: str, article: Article) -> dict[str, Any]:
    flat = [offset for span in chunk.sentences for offset in span]
    out = {**meta, "content_hash": content_hash, "start": chunk.start, "end": chunk.end,
           "index": chunk.index, "sentences": flat}
    if chunk.kinds and set(chunk.kinds) != {"prose"}:  # all prose (most news) needs no field
        out["kinds"] = " ".join(chunk.kinds)
    if article.pages:  # the pages the chunk spans, as [start offset, page number, ...]
        first = article.page_at(chunk.start)
        spans = [(chunk.start, first)] + [(s, n) for s, n in article.pages if chunk.start < s < chunk.end]
        out["pages"] = [x for span in spans for x in span]
    return out


def record(id_: str, meta: dict[str, Any], text: str = "") -> ArticleRecord:
    return ArticleRecord(
        id=id_,
        key=meta.get("key", ""),
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        url=meta.get("url", ""),
        published=meta.get("published", ""),
        author=meta.get("author", ""),
        content_hash=meta.get("content_hash", ""),
        chunks=int(meta.get("chunks", 0)),
        text=text or "",
        access=access_of(meta),
        body_hash=meta.get("body_hash") or meta.get("content_hash", ""),
        copies=tuple(Copy(**c) for c in json.loads(meta.get("copies") or "[]")),
    )


def copies_meta(copies: tuple[Copy, ...] | list[Copy]) -> str | None:
    """The ``copies`` metadata value: a JSON list, or None (Chroma then drops the key) for none.

    Example: ``copies_meta([])`` -> ``None``
    """
    return json.dumps([asdict(c) for c in copies], ensure_ascii=False) if copies else None


def access_of(meta: dict[str, Any]) -> tuple[str, ...]:
    """The access labels stored in a record's metadata. Example: ``access_of({"access": "hr legal"})``
    -> ``("hr", "legal")``; a record marked restricted without groups reads as readable by no group."""
    groups = tuple((meta.get("access") or "").split())
    return groups or (("#none",) if meta.get(RESTRICTED) else ())  # "#none" is no group's name


def stored_chunk(id_: str, text: str, meta: dict[str, Any]) -> StoredChunk:
    flat = list(meta.get("sentences") or [])
    pages = list(meta.get("pages") or [])
    return StoredChunk(
        id=id_,
        article_id=meta["article_id"],
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        sentences=tuple(zip(flat[0::2], flat[1::2])),
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        url=meta.get("url", ""),
        published=meta.get("published", ""),
        pages=tuple(zip(pages[0::2], pages[1::2])),
        kinds=tuple((meta.get("kinds") or "").split()),
        access=access_of(meta),
    )


def pack_vectors(vectors: np.ndarray) -> str:
    """Sentence vectors as one metadata string: float16, little-endian, base64 (1 KB per
    sentence of 384 dimensions; a dot product with a unit vector moves by under 1e-4).

    Example: ``unpack_vectors(pack_vectors(np.eye(2, dtype=np.float32)), 2)`` -> the 2x2 identity
    """
    import base64

    import numpy as np

    return base64.b64encode(np.asarray(vectors, dtype="<f2").tobytes()).decode("ascii")


def unpack_vectors(packed: str, rows: int) -> np.ndarray:
    """The float32 array of ``rows`` vectors that :func:`pack_vectors` packed."""
    import base64

    import numpy as np

    flat = np.frombuffer(base64.b64decode(packed), dtype="<f2").astype(np.float32)
    return flat.reshape(rows, -1) if rows else flat.reshape(0, 0)

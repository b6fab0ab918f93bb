"""What an ingest compares to know whether an article changed: its content hash (everything stored
for it, access labels included) and its body hash (everything that decides its chunks and vectors),
and the chunker's and store's versions, which are part of both (assistant/index/ingester.py)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Settings
    from ..ingest.articles import Article

# 3: text laid out by blocks (HTML as shown, soft line breaks), sentence kinds; 4: a sentence that opens with a number
CHUNKER_VERSION = "4"
STORE_VERSION = "3"  # 2: sentence vectors stored at ingest; 3: a page's under its title and heading (older indexes are re-ingested)


def content_hash(article: Article, settings: Settings) -> str:
    """A digest of everything stored for an article: :func:`body_hash` and its access labels
    (an unlabelled article's is its body hash, as it was before labels existed)."""
    return labelled_hash(body_hash(article, settings), article.access)


def labelled_hash(body: str, access: tuple[str, ...]) -> str:
    """A body hash with access labels added; the body hash itself when there are none."""
    if not access:
        return body
    return hashlib.sha256(f"{body}\x1faccess={','.join(access)}".encode("utf-8")).hexdigest()


def body_hash(article: Article, settings: Settings) -> str:
    """A digest of everything that decides an article's chunks and vectors."""
    parts = [
        article.title, article.text, article.source, article.url, article.published, article.author,
        repr(article.pages), repr(article.blocks), settings.embedding_model, str(settings.chunk_chars),
        str(settings.chunk_overlap_chars), CHUNKER_VERSION, STORE_VERSION,
    ]
    if settings.embedding_backend == "onnx-int8":  # its vectors differ (cosine ~0.99); fp32 onnx matches torch
        parts.append(settings.embedding_backend)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

"""The Chroma store: the only module that imports chromadb, and the source of truth.

Three collections per index:

* ``<name>_chunks``: one record per chunk (text, embedding, article metadata, sentence
  offsets), searched by the dense retriever;
* ``<name>_sentences``: one record per chunk, under the chunk's id: the vectors of its
  sentences, packed into one metadata string (records.pack_vectors), read by the extractive
  answerer so that a question never embeds passage text. Never searched: its Chroma embedding
  is a one-number placeholder, so it adds no HNSW work;
* ``<name>_articles``: one record per article (full text, content hash, the other copies of
  a republished story), embedded with the mean of its chunk vectors.

A labelled article's chunks and record carry its access labels (records.py), so that dense
search filters by them inside Chroma; :meth:`Store.relabel_article` changes them in place.

An article's record is written *after* its chunks and their sentence records and deleted
*before* them, so it doubles as a commit marker: chunks without a matching article record (hash
included) are leftovers of an interrupted ingest and :meth:`Store.orphan_chunk_ids` finds them.
Sentence records are written after their chunks and deleted before them, under the same ids,
so removing an orphan chunk removes its sentence record too. Results are converted to plain
dataclasses (assistant/index/records.py) here and never leak Chroma types inward.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..ingest.articles import Article
from ..ingest.chunking import Chunk
from ..errors import ConfigError, IndexNotReady
from .records import (  # noqa: F401 - ArticleRecord and StoredChunk are re-exported
    ArticleRecord, Copy, StoredChunk, access_meta, access_where, article_meta, chunk_meta, copies_meta,
    pack_vectors, record, stored_chunk, unpack_vectors,
)

if TYPE_CHECKING:
    import numpy as np

    from ..access import Viewer

_PAGE = 2000  # records per get() call when scanning a collection
_SENTENCE_BATCH = 250  # sentence records per write: ~8 KB each, a request of ~2 MB


class Store:
    """Reads and writes articles and chunks in Chroma (embedded directory or server)."""

    def __init__(self, client: Any, name: str = "news") -> None:
        self.client = client
        self.name = name
        space = {"hnsw": {"space": "cosine"}}
        self.chunks = client.get_or_create_collection(
            f"{name}_chunks", configuration=space, embedding_function=None
        )
        self.articles = client.get_or_create_collection(
            f"{name}_articles", configuration=space, embedding_function=None
        )
        self.sentences = client.get_or_create_collection(f"{name}_sentences", embedding_function=None)
        self.max_batch = int(client.get_max_batch_size())  # records per write the client accepts
        self.meta = client.get_or_create_collection(f"{name}_meta", embedding_function=None)

    @classmethod
    def open(cls, index_dir: Path, chroma_url: str = "", name: str = "news") -> Store:
        """An embedded store under ``index_dir``, or a Chroma server's when ``chroma_url`` is set."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        options = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if chroma_url:
            from urllib.parse import urlparse

            url = urlparse(chroma_url)
            if url.scheme not in ("http", "https") or not url.hostname:
                raise ConfigError(f"chroma_url={chroma_url!r}: expected http://host:port")
            try:
                client = chromadb.HttpClient(
                    host=url.hostname, port=url.port or 8000, ssl=url.scheme == "https", settings=options
                )
            except Exception as exc:  # chromadb raises bare exceptions for connection errors
                raise IndexNotReady(f"cannot reach the Chroma server at {chroma_url}: {exc}") from exc
        else:
            index_dir.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(index_dir), settings=options)
        return cls(client, name)

    # ---- writing -------------------------------------------------------------------------

    def put_article(
        self,
        article: Article,
        content_hash: str,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        sentence_vectors: Sequence[dict[int, np.ndarray]],
        batch: int = 1000,
        body_hash: str = "",
        copies: Sequence[Copy] = (),
    ) -> None:
        """Store an article's chunks, their sentence vectors (``sentence_vectors[i]``: the vectors
        of ``chunks[i]``'s quotable sentences, by start), then its record (the commit marker),
        which lists ``copies``, the other publications of its text."""
        import numpy as np

        meta = article_meta(article)
        step = min(batch, self.max_batch)
        for lo in range(0, len(chunks), step):
            part = chunks[lo : lo + step]
            self.chunks.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[lo : lo + step],
                documents=[c.text for c in part],
                metadatas=[chunk_meta(c, meta, content_hash, article) for c in part],
            )
        step = min(_SENTENCE_BATCH, self.max_batch)
        for lo in range(0, len(chunks), step):
            part = range(lo, min(lo + step, len(chunks)))
            self.sentences.upsert(
                ids=[chunks[i].id for i in part],
                embeddings=[[0.0]] * len(part),
                metadatas=[{"article_id": article.id, "content_hash": content_hash,
                            **({"starts": list(sentence_vectors[i]),  # Chroma refuses an empty list
                                "vectors": pack_vectors(np.stack(list(sentence_vectors[i].values())))}
                               if sentence_vectors[i] else {})} for i in part],
            )
        mean = vectors.mean(axis=0)
        self.articles.upsert(
            ids=[article.id],
            embeddings=[mean / max(float((mean**2).sum() ** 0.5), 1e-9)],
            documents=[article.text],
            metadatas=[{**meta, "key": article.key, "content_hash": content_hash, "chunks": len(chunks),
                        **({"body_hash": body_hash} if body_hash and body_hash != content_hash else {}),
                        **({"copies": copies_meta(list(copies))} if copies else {})}],
        )
        self.bump()

    def set_copies(self, article_id: str, copies: Sequence[Copy]) -> None:
        """Replace the list of an indexed article's other publications (one record update)."""
        self.articles.update(ids=[article_id], metadatas=[{"copies": copies_meta(list(copies))}])
        self.bump()

    def relabel_article(self, article_id: str, before: tuple[str, ...], access: tuple[str, ...],
                        content_hash: str, body_hash: str) -> None:
        """Change an article's access labels in place, without re-embedding. The record is first
        marked uncommitted (an empty hash) with its new labels, so no chunk of it is returned while
        its chunks change; then its chunks; then the record is committed under ``content_hash``.
        A crash in between leaves an uncommitted record, which the next ingest replaces whole."""
        labels = access_meta(access, before)
        self.articles.update(ids=[article_id], metadatas=[{**labels, "content_hash": ""}])
        ids = self.chunks.get(where={"article_id": article_id}, include=[])["ids"]
        for lo in range(0, len(ids), self.max_batch):
            part = ids[lo : lo + self.max_batch]
            self.chunks.update(ids=part, metadatas=[{**labels, "content_hash": content_hash}] * len(part))
        self.articles.update(ids=[article_id], metadatas=[{
            "content_hash": content_hash, "body_hash": body_hash if body_hash != content_hash else None}])
        self.bump()

    def delete_article(self, article_id: str) -> None:
        """Remove an article's record first, then its sentence records, then its chunks."""
        self.articles.delete(ids=[article_id])
        self.sentences.delete(where={"article_id": article_id})
        self.chunks.delete(where={"article_id": article_id})
        self.bump()

    def delete_chunks(self, ids: Sequence[str]) -> None:
        """Remove chunks and their sentence records (the same ids)."""
        for lo in range(0, len(ids), _PAGE):
            self.sentences.delete(ids=list(ids[lo : lo + _PAGE]))
            self.chunks.delete(ids=list(ids[lo : lo + _PAGE]))
        self.bump()

    # ---- reading -------------------------------------------------------------------------

    def article_records(self) -> dict[str, ArticleRecord]:
        """Every indexed article's metadata (no text), by id."""
        records: dict[str, ArticleRecord] = {}
        for ids, metas, _ in self._scan(self.articles, ["metadatas"]):
            for id_, meta in zip(ids, metas):
                records[id_] = record(id_, meta)
        return records

    def get_article(self, article_id: str) -> ArticleRecord | None:
        got = self.articles.get(ids=[article_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return record(article_id, got["metadatas"][0], got["documents"][0])

    def similar_articles(self, vector: np.ndarray, n: int = 5, access: tuple[str, ...] | None = None
                         ) -> list[tuple[str, float]]:
        """Ids of the articles nearest to ``vector`` with their cosine similarity; with ``access``,
        only among the articles labelled exactly so (``()``: the unlabelled ones)."""
        count = self.articles.count()
        if count == 0:
            return []
        where = None if access is None else {"access": " ".join(access)} if access else {"restricted": {"$ne": True}}
        got = self.articles.query(query_embeddings=[vector], n_results=min(n, count), where=where,
                                  include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0])]

    def count_readable(self, viewer: Viewer, at_most: int | None = None) -> int:
        """How many articles ``viewer`` may read (all of them when nothing is labelled), counting
        no further than ``at_most`` when it is given (``at_most=1``: whether there is any)."""
        where, total = access_where(viewer), self.articles.count()
        if where is None or total == 0 or not self.articles.get(where={"restricted": True}, limit=1, include=[])["ids"]:
            return total if at_most is None else min(total, at_most)
        return len(self.articles.get(where=where, limit=at_most, include=[])["ids"])

    def dense_search(
        self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``n`` chunks nearest to ``vector``."""
        try:
            got = self.chunks.query(
                query_embeddings=[vector], n_results=n, where=where or None, include=["distances"]
            )
        except Exception as exc:
            if self.chunks.count() == 0:
                return []
            raise IndexNotReady(f"the dense index could not be searched: {exc}") from exc
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0])]

    def get_chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        """The committed chunks among ``ids``: a chunk left by an interrupted ingest (no article
        record, or another version's hash) is never returned, so it can never be cited."""
        if not ids:
            return {}
        got = self.chunks.get(ids=list(ids), include=["metadatas", "documents"])
        article_ids = sorted({m["article_id"] for m in got["metadatas"]})
        records = self.articles.get(ids=article_ids, include=["metadatas"]) if article_ids else {"ids": []}
        committed = {i: m.get("content_hash") for i, m in zip(records["ids"], records.get("metadatas") or [])}
        return {
            i: stored_chunk(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])
            if committed.get(m["article_id"]) == m.get("content_hash")
        }

    def sentence_vectors(self, chunk_ids: Sequence[str]) -> dict[str, dict[int, np.ndarray]]:
        """The stored sentence vectors of chunks: chunk id -> sentence start -> unit vector.
        Chunks without a sentence record (an index written before they were stored) are absent."""
        if not chunk_ids:
            return {}
        got = self.sentences.get(ids=list(chunk_ids), include=["metadatas"])
        out: dict[str, dict[int, np.ndarray]] = {}
        for id_, meta in zip(got["ids"], got["metadatas"]):
            starts = list(meta.get("starts") or [])  # none: the chunk has no quotable sentence
            out[id_] = dict(zip(starts, unpack_vectors(meta.get("vectors", ""), len(starts))))
        return out

    def scan_chunks(self) -> Iterator[tuple[list[str], list[dict[str, Any]], list[str]]]:
        """Every chunk, a page at a time: (ids, metadatas, documents)."""
        yield from self._scan(self.chunks, ["metadatas", "documents"])

    def orphan_chunk_ids(self) -> list[str]:
        """Chunks left by an interrupted write: no article record, or an older version's hash;
        and sentence records without their chunk (ids only: :meth:`delete_chunks` takes both)."""
        hashes = {a.id: a.content_hash for a in self.article_records().values()}
        orphans, chunk_ids = [], set()
        for ids, metas, _ in self._scan(self.chunks, ["metadatas"]):
            chunk_ids.update(ids)
            for id_, meta in zip(ids, metas):
                if hashes.get(meta["article_id"]) != meta["content_hash"]:
                    orphans.append(id_)
        for ids, _, _ in self._scan(self.sentences, []):
            orphans += [id_ for id_ in ids if id_ not in chunk_ids]
        return orphans

    def stamp(self) -> str:
        """A fingerprint of the indexed content, cheap enough to check on every question.

        Every write bumps a generation record (:meth:`bump`); the chunk count is added so that a
        writer that died before bumping is still noticed. Derived indexes store the stamp to know
        when they are stale, also when another process wrote (e.g. through a shared server).
        """
        got = self.meta.get(ids=["generation"], include=["documents"])
        generation = got["documents"][0] if got["ids"] else "0"
        return f"{generation}-{self.chunks.count()}"

    def bump(self) -> None:
        """Record that the content changed (called after every write)."""
        import uuid

        self.meta.upsert(ids=["generation"], documents=[uuid.uuid4().hex[:12]], embeddings=[[0.0]])

    def _scan(self, collection: Any, include: list[str]) -> Iterator[tuple[list[str], list, list]]:
        offset = 0
        while True:
            got = collection.get(limit=_PAGE, offset=offset, include=include)
            if not got["ids"]:
                return
            yield got["ids"], got.get("metadatas") or [], got.get("documents") or []
            offset += len(got["ids"])

"""Incremental, idempotent ingestion: load -> chunk -> embed -> store.

* An article whose content hash (text, metadata and the chunking/embedding settings) matches
  the stored one is skipped, so running the same ingest twice changes nothing.
* An article whose only change is its access labels keeps its chunks and vectors: their labels
  are changed in place (``Store.relabel_article``), reported as updated.
* A changed article replaces its old version; a near-duplicate of another indexed article (the
  same wire story under another name, or an updated version of it) is reported and not indexed
  twice: the later-published version is kept. Near-duplicate means near-identical text: close
  article vectors, most word 5-grams shared, and the shorter text all but contained in the
  longer; pages that share a template (two reference pages of one manual) are not. Only articles
  with the same access labels are compared: a public copy of a restricted story is indexed
  beside it, and neither replaces the other, so no reader gets a version they may not read.
* ``sync=True`` removes articles whose files are gone (or whose JSONL line is gone). A feed is a
  window onto its newest entries, so an entry that drops out of a feed file stays indexed (it
  goes when the file does), and what came from a feed URL is never removed by a sync.
* Feed URLs are fetched before the ingest takes its lock, so a slow server holds no other ingest up;
  a feed that is down, cut short or not a feed is one failed line, and its entries already
  indexed stay as they are.
* One ingest at a time per index (a file lock); leftovers of an interrupted ingest are removed
  before anything else, so a crash is repaired by running the ingest again.
* Every bad file or line is reported with its reason; the good ones are ingested regardless.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..ingest.articles import Article, find_files, marks_up_headings, stream_file
from ..ingest.feeds import feed_key, fetch_feed, is_feed_file, is_feed_url, read_feed
from ..ingest.chunking import Chunk, chunk_text, sentences_to_embed
from .shingles import shingle_containment, shingle_overlap
from ..config import UPLOAD_DIR
from ..errors import IngestLocked, LoadError
from .report import Entry, IngestReport  # noqa: F401 - IngestReport is re-exported

if TYPE_CHECKING:
    from ..config import Settings
    from .embeddings import Embedder
    from .store import Store

# 3: text laid out by blocks (HTML as shown, soft line breaks), sentence kinds; 4: a sentence that opens with a number
CHUNKER_VERSION = "4"
STORE_VERSION = "3"  # 2: sentence vectors stored at ingest; 3: a page's under its title and heading (older indexes are re-ingested)
# Share of the shorter text's word 5-grams that the longer must hold: an updated or re-headlined
# story keeps ~0.95-1.0; two manual pages sharing a template but not their subject have 0.84
# (dblink_build_sql_insert / _update, docs/evaluation.md "Near-duplicates").
NEAR_CONTAINMENT = 0.9


@dataclass
class _Pending:
    article: Article
    content_hash: str
    chunks: list[Chunk]
    replaces: bool
    body_hash: str = ""


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


class Ingester:
    """Brings an index up to date with a set of files."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._url_map = settings.url_map  # parsed and resolved once, not per file
        self._access_map = settings.access_map
        self._uploads = (settings.corpus_dir / UPLOAD_DIR).resolve()

    def ingest(
        self,
        paths: Iterable[Path | str],
        sync: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> IngestReport:
        """Ingest files, directories and feed URLs (``http://`` or ``https://`` strings); see the
        module docstring for the rules."""
        from filelock import FileLock, Timeout

        targets = list(paths)
        urls = list(dict.fromkeys(feed_key(t) for t in targets if is_feed_url(t)))
        fetched = [self._fetch(url) for url in urls]
        lock_dir = self.settings.index_dir
        lock_dir.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(str(lock_dir / ".ingest.lock"), timeout=0):
                return self._ingest([Path(t) for t in targets if not is_feed_url(t)], sync, on_progress, fetched)
        except Timeout:
            raise IngestLocked(
                f"another ingest is running on {lock_dir}; wait for it to finish and try again"
            ) from None

    def _ingest(self, paths: list[Path], sync: bool, on_progress: Callable | None,
                fetched: list[list[Article | LoadError] | LoadError] = ()) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        orphans = self.store.orphan_chunk_ids()
        if orphans:
            self.store.delete_chunks(orphans)
        existing = self.store.article_records()
        files, errors = find_files(paths)
        report.failed += [Entry(title="", key=e.path, reason=str(e)) for e in errors]
        seen: set[str] = set()
        loaded_files: set[str] = set()
        batch: list[_Pending] = []
        sizes = [_size(path) for path in files]
        bar = self._progress_bar(len(files), sum(sizes))
        for done, (path, size) in enumerate(zip(files, sizes), start=1):
            counted = 0
            for article in self._load(path, report, loaded_files):
                seen.add(article.id)
                batch = self._add(article, existing, report, batch)
                if bar is not None:  # about the article's share of its file (a JSONL line)
                    step = min(len(article.text) + len(article.title), size - counted)
                    bar.update(step)
                    counted += step
            if bar is not None:
                bar.update(size - counted)
            if on_progress:
                on_progress(done, len(files))
        for items in fetched:  # feed URLs, read before the lock was taken
            for article in self._take(items, report):
                seen.add(article.id)
                batch = self._add(article, existing, report, batch)
        self._flush(batch, report)
        if bar is not None:
            bar.close()
        if sync:
            self._sync(existing, seen, loaded_files, report)
        report.seconds = time.perf_counter() - started
        return report

    def _progress_bar(self, files: int, total: int) -> Any:
        """A terminal bar over the corpus's bytes, with rate and ETA (tqdm; it hides itself when
        the output is not a terminal), for an ingest of 20 files or more or of a megabyte or more:
        a single JSONL archive moves it line by line."""
        if not self.settings.progress or (files < 20 and total < 1_000_000):
            return None
        from tqdm import tqdm

        return tqdm(total=total, desc="ingest", unit="B", unit_scale=True, disable=None)

    def _load(self, path: Path, report: IngestReport, loaded_files: set[str]) -> Iterator[Article]:
        """The file's articles as they are read (a JSONL file streams); its errors go to the report.
        A feed file's entries do not count as loaded for a sync: one that drops out stays indexed."""
        try:
            uploaded = path.resolve().is_relative_to(self._uploads)
            items = stream_file(path, root=self.settings.corpus_dir, max_bytes=self.settings.max_file_bytes,
                                page_urls=() if uploaded else self._url_map,  # an upload has no page
                                access_map=self._access_map)
            loaded = loaded_files if not is_feed_file(path) else set()
            for item in self._take(items, report):
                loaded.add(item.key.split("#")[0])
                yield item
        except LoadError as exc:
            report.failed.append(Entry(title="", key=exc.path, reason=str(exc)))

    def _fetch(self, url: str) -> list[Article | LoadError] | LoadError:
        """The feed at ``url``, read whole (or the LoadError that says why it cannot be used)."""
        try:
            data = fetch_feed(url, self.settings.feed_timeout_s, self.settings.max_file_bytes)
            return read_feed(data, url, url)
        except LoadError as exc:
            return exc

    @staticmethod
    def _take(items: Iterable[Article | LoadError] | LoadError, report: IngestReport) -> Iterator[Article]:
        """The articles of ``items``; each LoadError (or ``items`` itself being one) goes to the report."""
        for item in [items] if isinstance(items, LoadError) else items:
            if isinstance(item, LoadError):
                report.failed.append(Entry(title="", key=item.path, reason=str(item)))
            else:
                yield item

    def _add(self, article: Article, existing: dict, report: IngestReport, batch: list[_Pending]) -> list[_Pending]:
        """The batch with the article planned into it; embedded and stored once it is big enough."""
        if pending := self._plan(article, existing, report):
            batch.append(pending)
        if sum(len(p.chunks) for p in batch) >= 4 * self.settings.embedding_batch_size:
            self._flush(batch, report)
            return []
        return batch

    def _plan(self, article: Article, existing: dict, report: IngestReport) -> _Pending | None:
        body = body_hash(article, self.settings)
        digest = labelled_hash(body, article.access)
        old = existing.get(article.id)
        if old is not None and old.content_hash == digest:
            report.unchanged.append(Entry(article.title, article.key, article.id))
            return None
        if old is not None and old.content_hash and old.body_hash == body:  # only its labels changed
            self.store.relabel_article(article.id, old.access, article.access, digest, body)
            report.updated.append(Entry(article.title, article.key, article.id,
                                        "access labels changed (not re-embedded)"))
            return None
        chunks = chunk_text(  # ids from the body hash: the same whether labelled at once or later
            article.id, article.text, self.settings.chunk_chars, self.settings.chunk_overlap_chars, body,
            article.blocks,
        )
        if not chunks:
            report.failed.append(Entry(article.title, article.key, article.id, "no text to index"))
            return None
        return _Pending(article, digest, chunks, replaces=old is not None, body_hash=body)

    def _flush(self, batch: list[_Pending], report: IngestReport) -> None:
        """Embed the batch's chunks and, in the same call, each distinct quotable sentence (a web
        page's under its title and heading: what the extractive answerer compares with the
        question), then store article by article."""
        if not batch:
            return
        texts = [f"{p.article.title}\n{c.text}" for p in batch for c in p.chunks]
        sentences = [sentences_to_embed(p.chunks, p.article.title if marks_up_headings(p.article.key) else None)
                     for p in batch]
        vectors = self.embedder.embed(texts + [text for found in sentences for text in found.values()])
        offset, at = 0, len(texts)
        for pending, found in zip(batch, sentences):
            n = len(pending.chunks)
            by_start = dict(zip(found, vectors[at : at + len(found)]))
            per_chunk = [{start: by_start[start] for start, _ in c.sentences if start in by_start}
                         for c in pending.chunks]
            self._store(pending, vectors[offset : offset + n], per_chunk, report)
            offset, at = offset + n, at + len(found)

    def _store(self, pending: _Pending, vectors, sentence_vectors, report: IngestReport) -> None:  # noqa: ANN001
        article = pending.article
        entry = Entry(article.title, article.key, article.id)
        twin = self._near_duplicate(article, vectors)
        if twin is not None and twin.published >= article.published:
            reason = f"near-duplicate of '{twin.title}' ({twin.key}); not indexed twice"
            report.duplicates.append(Entry(article.title, article.key, article.id, reason, twin.access))
            return
        if twin is not None:
            self.store.delete_article(twin.id)
            report.removed.append(
                Entry(twin.title, twin.key, twin.id, f"superseded by the later version {article.key}", twin.access)
            )
        if pending.replaces:
            self.store.delete_article(article.id)
        self.store.put_article(article, pending.content_hash, pending.chunks, vectors, sentence_vectors,
                               body_hash=pending.body_hash)
        report.chunks += len(pending.chunks)
        (report.updated if pending.replaces else report.added).append(entry)

    def _near_duplicate(self, article: Article, vectors):  # noqa: ANN001, ANN202
        mean = vectors.mean(axis=0)
        for other_id, similarity in self.store.similar_articles(mean, n=3, access=article.access):
            if other_id == article.id or similarity < 0.9:
                continue
            other = self.store.get_article(other_id)
            if (other and other.access == article.access and shingle_overlap(other.text, article.text) >= self.settings.near_duplicate
                    and shingle_containment(other.text, article.text) >= NEAR_CONTAINMENT):
                return other
        return None

    def _sync(self, existing: dict, seen: set[str], loaded_files: set[str], report: IngestReport) -> None:
        for record in existing.values():
            if record.id in seen:
                continue
            file_key = record.key.split("#")[0]
            if is_feed_url(file_key):  # a feed URL: no file to be gone, and a feed that is down is not gone
                continue
            path = Path(file_key)
            path = path if path.is_absolute() else self.settings.corpus_dir / path
            if not path.exists() or file_key in loaded_files:
                self.store.delete_article(record.id)
                report.removed.append(Entry(record.title, record.key, record.id, "file is gone"))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0

"""Incremental, idempotent ingestion: load -> chunk -> embed -> store.

* An article whose content hash (text, metadata and the chunking/embedding settings) matches
  the stored one is skipped, so running the same ingest twice changes nothing.
* An article whose only change is its access labels keeps its chunks and vectors: their labels
  are changed in place (``Store.relabel_article``), reported as updated.
* A changed article replaces its old version. Several articles telling one story (versions of
  it at one address, or one text republished under other names) are indexed once, whatever the
  order they come in; every other article is indexed, however many words it shares with
  another: assistant/index/versions.py has the rule.
* ``sync=True`` removes articles whose files are gone (or whose JSONL line is gone). A feed is a
  window onto its newest entries, so an entry that drops out of a feed file stays indexed (it
  goes when the file does), and what came from a feed URL is never removed by a sync.
* Feed URLs are fetched before the ingest takes its lock (a slow server holds no ingest up); a feed
  down, cut short or not a feed is one failed line, and its entries already indexed stay.
* One ingest at a time per index (a file lock); leftovers of an interrupted ingest are removed
  before anything else, so a crash is repaired by running the ingest again.
* Every bad file or line is reported with its reason; the good ones are ingested regardless.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..ingest.articles import Article, find_files, marks_up_headings, stream_file
from ..ingest.feeds import feed_key, fetch_articles, is_feed_file, is_feed_url
from ..ingest.chunking import Chunk, chunk_text, sentences_to_embed
from .records import ArticleRecord, Copy
from .versions import Ledger, as_copy, newer
from ..config import UPLOAD_DIR
from ..errors import IngestLocked, LoadError
from .hashes import CHUNKER_VERSION, STORE_VERSION, body_hash, content_hash, labelled_hash  # noqa: F401 - re-exported
from .report import Entry, IngestReport, older_version, progress_bar, republished_copy  # noqa: F401 - IngestReport is re-exported

if TYPE_CHECKING:
    from ..config import Settings
    from .embeddings import Embedder
    from .store import Store


@dataclass
class _Pending:
    article: Article
    content_hash: str
    chunks: list[Chunk]
    replaces: bool
    body_hash: str = ""
    supersedes: list[Copy] = field(default_factory=list)  # older versions, removed when it is written


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
        fetched = [fetch_articles(url, self.settings.feed_timeout_s, self.settings.max_file_bytes) for url in urls]
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
        self.ledger = Ledger(self.store, self.store.article_records())
        self.cancelled: dict[str, Copy] = {}  # planned articles a later version in the batch replaced
        self.fetched = fetched
        files, errors = find_files(paths)
        report.failed += [Entry(title="", key=e.path, reason=str(e)) for e in errors]
        seen: set[str] = set()
        loaded_files: set[str] = set()
        batch: list[_Pending] = []
        sizes = [_size(path) for path in files]
        bar = progress_bar(self.settings.progress, len(files), sum(sizes))
        for done, (path, size) in enumerate(zip(files, sizes), start=1):
            counted = 0
            for article in self._load(path, report, loaded_files):
                seen.add(article.id)
                batch = self._add(article, report, batch)
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
                batch = self._add(article, report, batch)
        self._flush(batch, report)
        if bar is not None:
            bar.close()
        if sync:
            self._sync(seen, loaded_files, report)
        self._redo(report)
        report.seconds = time.perf_counter() - started
        return report

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

    @staticmethod
    def _take(items: Iterable[Article | LoadError] | LoadError, report: IngestReport) -> Iterator[Article]:
        """The articles of ``items``; each LoadError (or ``items`` itself being one) goes to the report."""
        for item in [items] if isinstance(items, LoadError) else items:
            if isinstance(item, LoadError):
                report.failed.append(Entry(title="", key=item.path, reason=str(item)))
            else:
                yield item

    def _add(self, article: Article, report: IngestReport, batch: list[_Pending]) -> list[_Pending]:
        """The batch with the article planned into it; embedded and stored once it is big enough."""
        if pending := self._plan(article, report):
            batch.append(pending)
        if sum(len(p.chunks) for p in batch) >= 4 * self.settings.embedding_batch_size:
            self._flush(batch, report)
            return []
        return batch

    def _plan(self, article: Article, report: IngestReport) -> _Pending | None:
        self.ledger.again.discard(article.key)
        body = body_hash(article, self.settings)
        digest = labelled_hash(body, article.access)
        old = self.ledger.records.get(article.id)
        if old is not None and old.content_hash == digest:
            report.unchanged.append(Entry(article.title, article.key, article.id))
            return None
        if (listed := self.ledger.copy(article.id)) is not None:
            holder = self.ledger.records[self.ledger.holder[article.id]]
            if listed.content_hash == digest:
                report.duplicates.append(republished_copy(article, holder))
                return None
            self.ledger.set_copies(holder, [c for c in holder.copies if c.id != article.id])  # changed: compared afresh
        item = as_copy(article, digest)
        rivals = self.ledger.rivals(item, article.access)
        if (winner := next((r for r in rivals if newer(r, item)), None)) is not None:
            report.duplicates.append(older_version(article, winner))
            self.ledger.beaten.append((article.access, item))
            if old is not None:
                self.ledger.drop(old.id)
            return None
        if old is not None and old.content_hash and old.body_hash == body and not (old.copies or rivals):  # only its labels
            self.store.relabel_article(article.id, old.access, article.access, digest, body)
            self.ledger.forget(old.id)
            self.ledger.add(replace(old, access=article.access, content_hash=digest, body_hash=body))
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
        for rival in rivals:
            if rival.id not in self.ledger.records and rival.id not in self.ledger.holder:  # planned, not written
                self.cancelled[rival.id] = item
                self.ledger.release(rival, article.access)
        self.ledger.claim(item, article.access)
        return _Pending(article, digest, chunks, replaces=old is not None, body_hash=body, supersedes=rivals)

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
        """Write an article, after removing the older versions it replaces; or, when it republishes
        an indexed text, list it (or the later copies) in the earliest copy's record instead."""
        article = pending.article
        if (winner := self.cancelled.pop(article.id, None)) is not None:
            self.ledger.drop(article.id)  # its own earlier text, if indexed
            report.duplicates.append(older_version(article, winner))
            return
        for rival in pending.supersedes:
            if (access := self.ledger.retire(rival)) is not None:
                reason = f"an older version of '{article.title}', replaced by {article.key}"
                report.removed.append(Entry(rival.title, rival.key, rival.id, reason, access))
        if pending.replaces:
            self.ledger.drop(article.id)
        primaries = self.ledger.republished(article, vectors, self.settings.near_duplicate)
        lead, copies, merged = self.ledger.gather(as_copy(article, pending.content_hash), primaries)
        report.duplicates += [republished_copy(other, lead) for other in merged]
        if lead.id != article.id:
            report.duplicates.append(republished_copy(article, lead))
            return
        self.store.put_article(article, pending.content_hash, pending.chunks, vectors, sentence_vectors,
                               body_hash=pending.body_hash, copies=copies)
        self.ledger.add(ArticleRecord(article.id, article.key, article.title, article.source, article.url,
                                      article.published, article.author, pending.content_hash, len(pending.chunks),
                                      access=article.access, body_hash=pending.body_hash, copies=copies))
        report.chunks += len(pending.chunks)
        (report.updated if pending.replaces else report.added).append(Entry(article.title, article.key, article.id))

    def _redo(self, report: IngestReport) -> None:
        """Compare afresh the articles whose standing changed after they were read: the copies of
        an article since removed, and older versions whose newer one is gone. Their files are read
        again; what this ingest said of them before is replaced."""
        for _ in range(3):  # a redone article unsettles others only when it replaces a version with copies
            keys = self.ledger.unsettled()
            if not keys:
                return
            report.duplicates = [e for e in report.duplicates if e.key not in keys]
            batch = []
            for file_key in sorted({key.split("#")[0] for key in keys}):
                found = ((a for items in self.fetched for a in self._take(items, IngestReport())) if is_feed_url(file_key)
                         else self._load(self._path(file_key), IngestReport(), set()))
                for article in found:
                    if article.key in keys and (pending := self._plan(article, report)):
                        batch.append(pending)
            self._flush(batch, report)

    def _sync(self, seen: set[str], loaded_files: set[str], report: IngestReport) -> None:
        for article_id in list(self.ledger.records):
            record = self.ledger.records.get(article_id)
            gone = [c for c in record.copies if c.id not in seen and self._gone(c.key, loaded_files)] if record else []
            if gone:
                record = self.ledger.set_copies(record, [c for c in record.copies if c not in gone])
                report.removed += [Entry(c.title, c.key, c.id, "file is gone") for c in gone]
            if record is not None and record.id not in seen and self._gone(record.key, loaded_files):
                self.ledger.drop(record.id)
                report.removed.append(Entry(record.title, record.key, record.id, "file is gone"))

    def _gone(self, key: str, loaded_files: set[str]) -> bool:
        """Whether an article's file is gone, or is there but no longer holds it (a JSONL line)."""
        file_key = key.split("#")[0]
        if is_feed_url(file_key):  # a feed URL: no file to be gone, and a feed that is down is not gone
            return False
        return file_key in loaded_files or not self._path(file_key).exists()

    def _path(self, file_key: str) -> Path:
        path = Path(file_key)
        return path if path.is_absolute() else self.settings.corpus_dir / path


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0

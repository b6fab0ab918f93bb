"""The lexical (BM25) index: derived from Chroma, persisted beside it, rebuilt when stale.

BM25 comes from ``bm25s`` (sparse matrices in NumPy/SciPy: hundreds of times faster than the
pure-Python ``rank_bm25`` and saved to disk as plain arrays) with Snowball stemming from
PyStemmer. Each build is written to a new directory named after the store's stamp and
renamed into place, so a crash mid-build leaves at worst an unused temporary directory, and
two processes building the same stamp simply keep one of the two identical results.

Access labels: each chunk's labels are kept beside its source and date, and every search and
word count takes a :class:`~assistant.access.Viewer`: chunks it may not read are masked out
before ranking (BM25 scores them zero), and the counts behind ``is_common`` count only the
chunks it may read, so how common a name is says nothing about articles it cannot see.

Staleness: the store's stamp (a generation bumped by every write, plus the chunk count) is
checked at most every ``check_every_s`` seconds, so an ingest by another process, even through a shared
Chroma server, is picked up on the next question after that.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..access import ANONYMOUS, Viewer
from .records import access_of

if TYPE_CHECKING:
    import numpy as np

    from .store import Store


# A word in at least this share of the chunks, and this many, is what the corpus is about: the
# names rule does not ask the passages to repeat it (docs/evaluation.md, "Names the corpus is about").
COMMON_SHARE, COMMON_CHUNKS = 0.02, 50


@dataclass
class _Built:
    stamp: str
    retriever: Any  # bm25s.BM25
    ids: list[str]
    sources: list[str]
    published_ts: np.ndarray  # NaN where the article has no date
    labels: list[tuple[str, ...]]  # the distinct access labels; labels[0] is () (everyone)
    label_of: np.ndarray  # per chunk, its index into labels

    @cached_property
    def position(self) -> dict[str, int]:
        """Chunk id -> its row, for looking up labels by id."""
        return {id_: row for row, id_ in enumerate(self.ids)}

    def readable(self, viewer: Viewer) -> np.ndarray | None:
        """A boolean mask of the chunks ``viewer`` may read; None when it may read them all."""
        import numpy as np

        if len(self.labels) == 1 or viewer.reads_all:
            return None
        return np.array([viewer.may_read(labels) for labels in self.labels])[self.label_of]


class LexicalIndex:
    """BM25 over every chunk's title and text."""

    def __init__(self, directory: Path, check_every_s: float = 2.0) -> None:
        self.directory = directory
        self.check_every_s = check_every_s
        self._built: _Built | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        import Stemmer

        self._stemmer = Stemmer.Stemmer("english")

    def search(
        self,
        store: Store,
        query: str,
        n: int,
        source: str | None = None,
        after_ts: int | None = None,
        before_ts: int | None = None,
        viewer: Viewer = ANONYMOUS,
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the best ``n`` chunks matching the filters that ``viewer`` may
        read, best first."""
        import numpy as np

        built = self.ensure(store)
        if built is None or not built.ids:
            return []
        tokens = self._tokenize([query])
        if not tokens.vocab:
            return []
        mask = _mask(built, source, after_ts, before_ts, viewer)
        k = min(n, len(built.ids))
        docs, scores = built.retriever.retrieve(tokens, k=k, show_progress=False, weight_mask=mask)
        return [
            (built.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0 and np.isfinite(s)
        ]

    def readable_ids(self, store: Store, ids: list[str], viewer: Viewer) -> list[bool | None]:
        """For each chunk id, whether ``viewer`` may read it by the labels this index holds; None
        for an id it does not hold (written since it was built): ask the store about those."""
        built = self.ensure(store)
        if built is None:
            return [None] * len(ids)
        readable, rows = built.readable(viewer), [built.position.get(i) for i in ids]
        return [None if row is None else readable is None or bool(readable[row]) for row in rows]

    def labels_anything(self, store: Store) -> bool:
        """Whether any chunk has access labels (else every chunk is everyone's)."""
        built = self.ensure(store)
        return built is None or len(built.labels) > 1

    def is_common(self, store: Store, text: str, viewer: Viewer = ANONYMOUS) -> bool:
        """Whether every word of ``text`` is in at least ``COMMON_SHARE`` of the chunks, and in at
        least ``COMMON_CHUNKS`` of them: what the corpus is about ("PostgreSQL" in its manual).
        Only the chunks ``viewer`` may read count."""
        count, chunks = self.rarest_word_count(store, text, viewer)
        return count >= max(COMMON_CHUNKS, COMMON_SHARE * chunks)

    def rarest_word_count(self, store: Store, text: str, viewer: Viewer = ANONYMOUS) -> tuple[int, int]:
        """(how many chunks hold the rarest indexed word of ``text``, how many chunks there are),
        among the chunks ``viewer`` may read.

        Words as BM25 counts them (stemmed; stop words have no count). Example, on the PostgreSQL
        manual's 9,058 chunks: ``rarest_word_count(store, "PostgreSQL")`` -> ``(2226, 9058)``;
        a word the index never saw counts 0.
        """
        built = self.ensure(store)
        if built is None or built.retriever is None:
            return 0, 0
        readable = built.readable(viewer)
        total = len(built.ids) if readable is None else int(readable.sum())
        words = self._tokenize_words(text)
        if not words:
            return 0, total
        scores, vocab = built.retriever.scores, built.retriever.vocab_dict
        indptr, indices = scores["indptr"], scores["indices"]

        def count(word: str) -> int:
            if word not in vocab:
                return 0
            lo, hi = indptr[vocab[word]], indptr[vocab[word] + 1]
            return int(hi - lo) if readable is None else int(readable[indices[lo:hi]].sum())

        return min(count(w) for w in words), total

    def ensure(self, store: Store) -> _Built | None:
        """The index for the store's current content, loading or rebuilding it as needed."""
        now = time.monotonic()
        with self._lock:
            if self._built is not None and now - self._checked_at < self.check_every_s:
                return self._built
            stamp = store.stamp()
            self._checked_at = now
            if self._built is None or self._built.stamp != stamp:
                self._built = self._load(stamp) or self._build(store, stamp)
            return self._built

    def invalidate(self) -> None:
        """Forget the check time, so the next search re-reads the stamp (after an ingest)."""
        self._checked_at = 0.0

    def _tokenize(self, texts: list[str]):  # noqa: ANN202 - bm25s.tokenization.Tokenized
        import bm25s

        return bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer, show_progress=False)

    def _tokenize_words(self, text: str) -> list[str]:
        import bm25s

        return bm25s.tokenize([text], stopwords="en", stemmer=self._stemmer, show_progress=False, return_ids=False)[0]

    def _load(self, stamp: str) -> _Built | None:
        import bm25s
        import numpy as np

        path = self.directory / stamp
        if not (path / "meta.json").exists():
            return None
        meta = json.loads((path / "meta.json").read_text())
        if "access" not in meta:  # written before access labels: build again rather than guess
            return None
        retriever = bm25s.BM25.load(str(path), mmap=False, show_progress=False) if meta["ids"] else None
        ts = np.array([np.nan if t is None else t for t in meta["published_ts"]], dtype=np.float64)
        return _Built(stamp, retriever, meta["ids"], meta["sources"], ts, *_labels(meta["access"]))

    def _build(self, store: Store, stamp: str) -> _Built:
        import bm25s

        ids: list[str] = []
        sources: list[str] = []
        stamps: list[int | None] = []
        access: list[str] = []
        tokens: list[list[int]] = []
        # Tokenized page by page into one vocabulary, so the corpus text is never all in memory at
        # once (at 99k chunks the build's peak fell from 939 to 813 MB; the same index, same scores).
        tokenizer = bm25s.tokenization.Tokenizer(stopwords="en", stemmer=self._stemmer)
        for page_ids, metas, docs in store.scan_chunks():
            ids.extend(page_ids)
            sources.extend(meta.get("source", "") for meta in metas)
            stamps.extend(meta.get("published_ts") for meta in metas)
            access.extend(" ".join(access_of(meta)) for meta in metas)
            texts = [f"{meta.get('title', '')}\n{doc}" for meta, doc in zip(metas, docs)]
            tokens.extend(tokenizer.streaming_tokenize(texts))
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=self.directory))
        retriever = None
        if ids:
            retriever = bm25s.BM25()
            retriever.index(tokenizer.to_tokenized_tuple(tokens), show_progress=False)
            retriever.save(str(tmp), show_progress=False)
        del tokens
        meta = {"stamp": stamp, "ids": ids, "sources": sources, "published_ts": stamps, "access": access}
        (tmp / "meta.json").write_text(json.dumps(meta))
        self._publish(tmp, stamp)
        return _Built(stamp, retriever, ids, sources, _nan_array(stamps), *_labels(access))  # no second copy

    def _publish(self, tmp: Path, stamp: str) -> None:
        target = self.directory / stamp
        try:
            tmp.rename(target)
        except OSError:  # another process published the same stamp first: identical content
            shutil.rmtree(tmp, ignore_errors=True)
        for old in self.directory.iterdir():
            if old.name != stamp and not old.name.startswith(".build-"):
                shutil.rmtree(old, ignore_errors=True)


def _nan_array(values: list[int | None]) -> np.ndarray:
    import numpy as np

    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _labels(access: list[str]) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """Each chunk's access labels (space-separated groups, "" for everyone) as (the distinct
    labels, each chunk's index into them), the everyone label first."""
    import numpy as np

    index: dict[str, int] = {"": 0}
    label_of = np.array([index.setdefault(a, len(index)) for a in access], dtype=np.int32)
    return [tuple(a.split()) for a in index], label_of


def _mask(built: _Built, source: str | None, after_ts: int | None, before_ts: int | None,
          viewer: Viewer = ANONYMOUS):  # noqa: ANN202
    import numpy as np

    readable = built.readable(viewer)
    if source is None and after_ts is None and before_ts is None and readable is None:
        return None
    mask = np.ones(len(built.ids), dtype=bool) if readable is None else readable.copy()
    if source is not None:
        mask &= np.array([s == source for s in built.sources])
    with np.errstate(invalid="ignore"):
        if after_ts is not None:
            mask &= built.published_ts >= after_ts
        if before_ts is not None:
            mask &= built.published_ts <= before_ts
    return mask.astype(np.float32)

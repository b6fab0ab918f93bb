"""Hybrid retrieval: dense (Chroma) and lexical (BM25) candidates, fused by reciprocal rank.

Reciprocal rank fusion needs no score calibration between the two retrievers, which is why it
is the default: a chunk ranked high by either retriever rises, one ranked high by both rises
most. Filters (source, publication date range) and what the viewer may read (assistant/access.py)
apply inside both retrievers, before ranking, so a selective filter still returns ``k`` passages
when ``k`` exist; a chunk the viewer may not read is also dropped after fetching, should an index
ever let one through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..access import ANONYMOUS, Viewer
from ..errors import BadQuestion
from ..index.records import StoredChunk, where_filter

if TYPE_CHECKING:
    import numpy as np

    from ..index.embeddings import Embedder
    from ..index.lexical import LexicalIndex
    from ..index.store import Store


OVERFETCH = 4  # nearest chunks fetched per candidate when the access filter is applied here, not in Chroma


@dataclass(frozen=True)
class Filters:
    """Which articles may answer: one source, and/or a publication date range (inclusive)."""

    source: str | None = None
    published_after: str | None = None
    published_before: str | None = None

    def bounds(self) -> tuple[int | None, int | None]:
        """The date range as epoch seconds; ``published_before`` includes that whole day."""
        from ..ingest.articles import normalize_date, timestamp

        try:
            after = timestamp(normalize_date(self.published_after, "published_after")) if self.published_after else None
            before = timestamp(normalize_date(self.published_before, "published_before")) if self.published_before else None
        except ValueError as exc:
            raise BadQuestion(str(exc)) from None
        if before is not None and len(str(self.published_before)) <= 10:
            before += 86399
        return after, before


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused score and the scores behind it."""

    chunk: StoredChunk
    score: float
    dense: float | None
    lexical: float | None


class Retriever:
    """Finds the passages most likely to answer a question."""

    def __init__(self, store: Store, lexical: LexicalIndex, embedder: Embedder, candidates: int = 30,
                 rrf_k: int = 60) -> None:
        self.store = store
        self.lexical = lexical
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k

    def search(self, question: str, k: int, filters: Filters | None = None,
               vector: np.ndarray | None = None, viewer: Viewer = ANONYMOUS, candidates: int | None = None) -> list[Passage]:
        """The ``k`` best passages for ``question`` that ``viewer`` may read, best first, without
        duplicates; ``candidates`` per retriever (default: the setting) before fusion."""
        n = max(candidates or self.candidates, 1)
        filters = filters or Filters()
        after, before = filters.bounds()
        if vector is None:
            vector = self.embedder.embed([question])[0]
        dense = self._dense(vector, filters.source, after, before, viewer, n)
        lexical = self.lexical.search(self.store, question, n, filters.source, after, before, viewer)
        fused = fuse([dense, lexical], self.rrf_k)
        best = [chunk_id for chunk_id, _ in fused[: k * 2]]
        chunks = self.store.get_chunks(best)
        dense_of, lexical_of = dict(dense), dict(lexical)
        passages: list[Passage] = []
        seen_text: set[str] = set()
        for chunk_id, score in fused:
            chunk = chunks.get(chunk_id)
            if chunk is None or chunk.text in seen_text or not viewer.may_read(chunk.access):
                continue  # gone since the lexical index was built, the same text twice, or not theirs
            seen_text.add(chunk.text)
            passages.append(Passage(chunk, score, dense_of.get(chunk_id), lexical_of.get(chunk_id)))
            if len(passages) == k:
                break
        return passages


    def _dense(self, vector: np.ndarray, source: str | None, after: int | None, before: int | None,
               viewer: Viewer, n_candidates: int | None = None) -> list[tuple[str, float]]:
        """The nearest ``n_candidates`` (default: the setting) chunks the filters let through and ``viewer`` may read.

        Chroma's metadata filter costs 30 to 80 ms a query at 10k chunks where the query alone
        costs 1 ms (docs/benchmarks.md, "Access labels"). So without a source or date filter the
        nearest ``OVERFETCH`` times as many are fetched unfiltered and the ones ``viewer`` may not
        read are dropped, by the labels the lexical index holds for each chunk id; the first
        ``n_candidates`` left are exactly what a filtered query ranks first. When fewer are left, or
        an id is newer than the lexical index, Chroma filters after all (the same result, slower).
        """
        n_candidates = n_candidates or self.candidates
        where = where_filter(source, after, before)
        if viewer.reads_all:
            return self.store.dense_search(vector, n_candidates, where)
        if where is None:
            n = n_candidates * OVERFETCH if self.lexical.labels_anything(self.store) else n_candidates
            found = self.store.dense_search(vector, n, None)
            verdicts = self.lexical.readable_ids(self.store, [i for i, _ in found], viewer)
            kept = [pair for pair, ok in zip(found, verdicts) if ok]
            if None not in verdicts and (len(kept) >= n_candidates or len(found) < n):
                return kept[: n_candidates]
        return self.store.dense_search(vector, n_candidates, where_filter(source, after, before, viewer))


def fuse(rankings: list[list[tuple[str, float]]], rrf_k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of best-first rankings of ids.

    Example: ``fuse([[("a", .9), ("b", .5)], [("b", 7.0)]])[0][0]`` -> ``"b"``
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, (id_, _) in enumerate(ranking):
            scores[id_] = scores.get(id_, 0.0) + 1.0 / (rrf_k + rank + 1)
    return sorted(scores.items(), key=lambda item: -item[1])

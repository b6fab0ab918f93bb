"""The Assistant: the one object behind the CLI, the HTTP API and the chat UI.

``Assistant.from_settings()`` is the composition root: it builds the store, the embedding
model, the lexical index, the retriever and the answerer, and nothing else builds them.
``ask()`` is the blocking form of ``stream()``.

Every read takes the asker's ``groups`` (assistant/access.py): ``None`` is anonymous (articles
without access labels only), ``"*"`` reads everything. The Python caller is trusted to say who
asks; the web adapters say it from a key, a token or a login they verified.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .access import Viewer, viewer_of
from .answer import timeframe
from .answer.conversation import better_supported
from .answer.dated import answer_at, dated_by_caller, dated_passages, within
from .answer.timeline import timeline_answer, timeline_topic
from .answer.when import asked_at
from .answer.extractive import Answer, ExtractiveAnswerer
from .answer.reader import reader_for
from .config import Settings
from .index.embeddings import Embedder
from .errors import ArticleNotFound, BadQuestion, ConfigError, IngestLocked
from .index.ingester import Entry, Ingester, IngestReport
from .ingest.feeds import is_feed_url
from .index.lexical import LexicalIndex
from .answer.retrieve import Filters, Retriever
from .index.store import ArticleRecord, Store

if TYPE_CHECKING:
    from .answer.lc_retriever import AssistantRetriever

Message = dict[str, str]  # {"role": "user" | "assistant", "content": "..."}
Groups = Viewer | str | Iterable[str] | None  # whose articles may answer: see assistant/access.py
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer.

    ``kind`` is ``"question"`` (the standalone question retrieved for), ``"delta"`` (a piece
    of answer text), ``"citations"`` (the list of citation dicts) or ``"done"`` (the whole
    :class:`Answer` in ``answer``). With a language model the deltas are its unchecked draft;
    the text of the ``done`` answer is the checked one, and replaces the draft on screen.
    """

    kind: str
    text: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)
    answer: Answer | None = None


class Assistant:
    """Ingest articles, and answer questions about them with citations."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder, lexical: LexicalIndex,
                 chat_model: Any = None) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.lexical = lexical
        self.retriever = Retriever(store, lexical, embedder, settings.candidates, settings.rrf_k)
        self.answerer: Any = ExtractiveAnswerer(embedder, settings.abstain_below, settings.max_sentences,
                                                max_candidates=settings.sentence_candidates,
                                                reader=reader_for(settings.reader, settings.onnx_threads),
                                                read_top=settings.reader_candidates, store=store, lexical=lexical,
                                                reread_top=settings.reader_rereads)
        self.prefer: Callable[[Answer, Answer], Answer] = better_supported  # judge between follow-up readings
        if chat_model is not None or settings.answerer != "extractive":  # a LangChain chat model answers
            from .answer.llm_answer import build_answerer

            self.answerer = build_answerer(settings, embedder, self.answerer, chat_model)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Assistant:
        settings = settings or Settings.from_env()
        store = Store.open(settings.index_dir, settings.chroma_url, settings.collection)
        embedder = Embedder(settings.embedding_model, settings.embedding_batch_size,
                            backend=settings.embedding_backend, threads=settings.onnx_threads)
        lexical = LexicalIndex(settings.index_dir / "lexical")
        return cls(settings, store, embedder, lexical)

    # ---- articles ------------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path | str] | None = None, sync: bool = False,
               on_progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Bring the index up to date with files, directories and feed URLs (default: the corpus)."""
        targets = [p if is_feed_url(p) else Path(p) for p in paths] if paths else [self.settings.corpus_dir]
        report = Ingester(self.settings, self.store, self.embedder).ingest(targets, sync, on_progress)
        self.lexical.invalidate()
        if report.added or report.updated or report.removed:
            self.lexical.ensure(self.store)  # BM25 built now, not on the first question (43 s at 80k chunks)
        return report

    def watch(self, feeds: Sequence[Path | str], interval_s: float = 900.0, rounds: int | None = None,
              sleep: Callable[[float], None] | None = None) -> Iterator[IngestReport]:
        """Ingest ``feeds`` (URLs or files) now and then every ``interval_s`` seconds, ``rounds``
        times (None: until interrupted), yielding each round's report.

        Each round is an :meth:`ingest` without sync: new entries are added, edited ones updated,
        and entries that drop out of a feed stay indexed. A feed that is down or malformed is a
        failed line of that round's report, naming it, and is tried again the next round; so is
        an index that another ingest holds. Rounds start ``interval_s`` apart (or at once when a
        round took longer). ``sleep`` is what waits (tests pass their own).
        """
        if not feeds:
            raise ConfigError("watch: name at least one feed (a URL or a file)")
        if not interval_s > 0:
            raise ConfigError(f"interval_s={interval_s!r}: must be a positive number of seconds")
        if rounds is not None and rounds < 1:
            raise ConfigError(f"rounds={rounds!r}: must be a positive integer, or None to watch until interrupted")
        done = 0
        while rounds is None or done < rounds:
            started = time.monotonic()
            try:
                report = self.ingest(feeds)
            except IngestLocked as exc:  # someone else's ingest: this round is theirs, the next is ours
                report = IngestReport(failed=[Entry("", str(self.settings.index_dir), reason=str(exc))])
            done += 1
            yield report
            if rounds is None or done < rounds:
                (sleep or time.sleep)(max(0.0, interval_s - (time.monotonic() - started)))

    def ensure_index(self) -> IngestReport | None:
        """Build the index from the corpus when it is empty (first use); else do nothing."""
        if self.store.articles.count() > 0:
            return None
        log.info("the index is empty: building it from %s", self.settings.corpus_dir)
        report = self.ingest()
        log.info("index built: %s", report.summary())
        return report

    def articles(self, groups: Groups = None) -> list[ArticleRecord]:
        """The indexed articles that ``groups`` may read, newest first (no text)."""
        viewer = viewer_of(groups)
        readable = (r for r in self.store.article_records().values() if viewer.may_read(r.access))
        return sorted(readable, key=lambda a: (a.published, a.title), reverse=True)

    def article(self, article_id: str, groups: Groups = None) -> ArticleRecord:
        """One article with its text; ArticleNotFound, as for an unknown id, when ``groups`` may not read it."""
        record = self.store.get_article(article_id)
        if record is None or not viewer_of(groups).may_read(record.access):
            raise ArticleNotFound(f"no article with id {article_id!r}; list them with `assistant articles`")
        return record

    def count_articles(self, groups: Groups = None, at_most: int | None = None) -> int:
        """How many indexed articles ``groups`` may read (no further than ``at_most``, when given)."""
        return self.store.count_readable(viewer_of(groups), at_most)

    def delete(self, article_id: str) -> ArticleRecord:
        record = self.article(article_id)
        self.store.delete_article(article_id)
        self.lexical.invalidate()
        self.lexical.ensure(self.store)  # as after an ingest: the rebuild (31 s at 99k chunks) is not the next question's
        return record

    # ---- questions -----------------------------------------------------------------------

    def ask(self, question: str, history: Sequence[Message] | None = None, k: int | None = None,
            filters: Filters | None = None, groups: Groups = None) -> Answer:
        """Answer a question (and its conversation so far) from the indexed articles that
        ``groups`` may read (None: anonymous; "*": all)."""
        answer = None
        for event in self.stream(question, history, k, filters, groups):
            if event.kind == "done":
                answer = event.answer
        assert answer is not None  # stream() always ends with "done"
        return answer

    def stream(self, question: str, history: Sequence[Message] | None = None, k: int | None = None,
               filters: Filters | None = None, groups: Groups = None) -> Iterator[Event]:
        """Answer as events: the standalone question, text deltas, the citations, then done."""
        viewer = viewer_of(groups)
        question = self._check(question)
        timings: dict[str, float] = {}
        started = time.perf_counter()
        standalone = self._understand(question, history or [], k, filters, viewer)
        filters, time_note = timeframe.apply(standalone, filters, lambda: self._newest_published(viewer))
        yield Event("question", text=standalone)
        vector = self.embedder.embed([standalone])[0]
        timings["embed"] = _ms(started)
        mark = time.perf_counter()
        asked = None if time_note or dated_by_caller(filters) else asked_at(standalone, lambda: self._newest_published(viewer))
        story = timeline_topic(standalone)
        answer = self._timeline(standalone, story, filters, viewer) if story is not None else None
        passages: list = []  # none to read when the answer is a timeline
        if answer is None and asked is not None:  # the reports near the asked date are candidates too (dated.py)
            def search(q: str, n: int, scope: Filters, v: Any) -> list:  # the retriever, for this asker
                return self.retriever.search(q, n, within(filters, scope), v, viewer)
            passages = dated_passages(search, standalone, 3 * (k or self.settings.k), asked, vector)
        elif answer is None:
            passages = self.retriever.search(standalone, k or self.settings.k, filters, vector, viewer)
        timings["retrieve"] = _ms(mark)
        mark = time.perf_counter()
        if answer is None and isinstance(self.answerer, ExtractiveAnswerer):
            answer = (answer_at(self.answerer, search, standalone, passages, asked, viewer, self.embedder.embed,
                                plain=lambda: self.answerer.answer(standalone, vector, self.retriever.search(
                                    standalone, k or self.settings.k, filters, vector, viewer), viewer))
                      if asked is not None
                      else self.answerer.answer(standalone, vector, passages, viewer))
        elif answer is None:  # the model's draft streams as it is written; the checked answer comes with "done"
            for piece in self.answerer.stream(standalone, vector, passages, viewer):
                if isinstance(piece, str):
                    yield Event("delta", text=piece)
                else:
                    answer = piece
        answer.question, answer.standalone_question = question, standalone
        answer.notes[:0] = [time_note] if time_note else []
        timings["answer"] = _ms(mark)
        timings["total"] = _ms(started)
        answer.timings_ms = {**answer.timings_ms, **timings}
        log.info("answered in %.0f ms (%s)", timings["total"],
                 ", ".join(f"{k} {v:.0f}" for k, v in timings.items() if k != "total"))
        if isinstance(self.answerer, ExtractiveAnswerer):  # one delta per quoted sentence
            for piece in re.split(r"(?<=\])(?= )", answer.text):
                yield Event("delta", text=piece)
        yield Event("citations", citations=answer.to_dict()["citations"])
        yield Event("done", answer=answer)

    def as_retriever(self, k: int | None = None, filters: Filters | Mapping[str, str] | None = None,
                     groups: Groups = None) -> AssistantRetriever:
        """The hybrid retrieval as a LangChain retriever, for a chain of your own: its documents
        are passages with citation metadata (article id, title, source, url, published, start,
        end, score), from the articles ``groups`` may read. ``filters`` is a :class:`Filters` or a
        dict of its fields."""
        from .answer.lc_retriever import AssistantRetriever

        if isinstance(filters, Mapping):
            unknown = sorted(set(filters) - {f.name for f in fields(Filters)})
            if unknown:
                raise BadQuestion(f"unknown filter {', '.join(unknown)}; expected any of "
                                  f"{', '.join(f.name for f in fields(Filters))}")
            filters = Filters(**filters)
        return AssistantRetriever(retriever=self.retriever, k=k or self.settings.k, filters=filters,
                                  viewer=viewer_of(groups))

    def _understand(self, question: str, history: Sequence[Message], k: int | None,
                    filters: Filters | None, viewer: Viewer) -> str:
        """The question to retrieve for: a language model's rewrite of a follow-up or, without
        one, the reading of it (conversation.readings) whose answer is best supported."""
        from .answer.conversation import glued_question, readings

        if history and not isinstance(self.answerer, ExtractiveAnswerer):
            return self.answerer.rewrite(question, history, glued_question(question, history))
        options = readings(question, history)
        if len(options) == 1:
            return options[0]
        best: Answer | None = None
        for reading in options:
            scoped, _ = timeframe.apply(reading, filters, lambda: self._newest_published(viewer))
            vector = self.embedder.embed([reading])[0]
            passages = self.retriever.search(reading, k or self.settings.k, scoped, vector, viewer)
            answer = self.answerer.answer(reading, vector, passages, viewer)
            answer.question, answer.standalone_question = question, reading
            best = answer if best is None else self.prefer(best, answer)
        assert best is not None
        return best.standalone_question

    def _timeline(self, question: str, story: tuple[str, date | None], filters: Filters | None,
                  viewer: Viewer) -> Answer | None:
        extractive = self.answerer if isinstance(self.answerer, ExtractiveAnswerer) else self.answerer.fallback
        search = lambda q, n, v: self.retriever.search(q, n, filters, v, viewer, candidates=2 * n)  # noqa: E731
        return timeline_answer(extractive, search, self.embedder.embed, question, *story)

    def _newest_published(self, viewer: Viewer) -> str:
        """The newest publication date among the articles ``viewer`` may read: what “last week” is
        relative to (a restricted article's date would say that it exists)."""
        records = self.store.article_records().values()
        return max((r.published for r in records if viewer.may_read(r.access)), default="")

    def _check(self, question: str) -> str:
        if not isinstance(question, str):
            raise BadQuestion("the question must be text")
        cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question).strip()
        if not cleaned:
            raise BadQuestion("the question is empty; ask something about the articles")
        if len(cleaned) > self.settings.max_question_chars:
            raise BadQuestion(
                f"the question is {len(cleaned)} characters long; the limit is {self.settings.max_question_chars}"
            )
        return cleaned


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000.0

"""Fluent answers from a language model, checked before they are trusted.

``LLMAnswerer.stream()`` yields the model's text as it arrives (``str`` pieces), then one
:class:`Answer` built from the *checked* text: markers pointing at no passage are dropped,
sentences their passages do not support are removed (and listed in ``Answer.sentences``), and
when no supported sentence is left the extractive answer is given instead, saying so. The
streamed pieces are therefore a draft; ``Answer.text`` is what may be trusted.

Timeouts and retries are applied here, the same for every backend: the model runs in a worker
thread and the caller waits at most ``timeout_s`` for the whole answer; a failure before the
first token is retried ``retries`` times; anything else is a :class:`ModelError`, which is logged
and answered by quoting the articles (the extractive answer, with a note saying the model failed):
a model that is down, slow or crashed never leaves a question unanswered.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..access import ANONYMOUS, Viewer
from .extractive import Answer, Citation
from .citecheck import CitationChecker, SentenceCheck
from ..errors import ModelError
from .prompt import NO_ANSWER, answer_messages, rewrite_messages

if TYPE_CHECKING:
    import numpy as np
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from .extractive import ExtractiveAnswerer
    from ..config import Settings
    from ..index.embeddings import Embedder
    from .retrieve import Passage

log = logging.getLogger(__name__)

FALLBACK_NOTE = "The language model's answer could not be verified against the articles, so this answer quotes them instead."
FAILED_NOTE = "The language model failed, so this answer quotes the articles instead."
EMPTY_NOTE = "The language model gave an empty answer, so this answer quotes the articles instead."
_SAYS_NO = re.compile(r"\b(do(es)? not|don't|doesn't|cannot|can't|no information|not (say|mention|state))\b", re.I)


class LLMAnswerer:
    """Answers with a chat model from the retrieved passages, then checks every citation."""

    def __init__(self, model: BaseChatModel, checker: CitationChecker, fallback: ExtractiveAnswerer,
                 name: str = "llm", timeout_s: float = 60.0, retries: int = 1) -> None:
        self.model = model
        self.checker = checker
        self.fallback = fallback
        self.name = name
        self.timeout_s = timeout_s
        self.retries = retries

    def answer(self, question: str, vector: np.ndarray, passages: list[Passage], viewer: Viewer = ANONYMOUS) -> Answer:
        """The blocking form of :meth:`stream`."""
        return [piece for piece in self.stream(question, vector, passages, viewer)][-1]  # type: ignore[return-value]

    def stream(self, question: str, vector: np.ndarray, passages: list[Passage],
               viewer: Viewer = ANONYMOUS) -> Iterator[str | Answer]:
        """Text pieces as the model writes them, then the checked :class:`Answer`. The model sees
        only ``passages``, which the retriever chose among what ``viewer`` may read."""
        quotes = self.fallback.answer(question, vector, passages, viewer)  # the reader decides first
        if quotes.abstained:  # nothing answers: no model call, so nothing to improvise from
            quotes.answerer = self.name
            yield quotes
            return
        started, parts, first = time.perf_counter(), [], None
        try:
            for token in self.generate(answer_messages(question, passages)):
                first = first if first is not None else (time.perf_counter() - started) * 1000.0
                parts.append(token)
                yield token
        except ModelError as exc:  # the model failed or died: the question is still answered, by quoting
            log.warning("%s", exc)
            yield self._failed(replace(quotes), exc)
            return
        draft = "".join(parts)
        checks = self.checker.check(draft, passages)
        answer = self._build(question, checks, passages) or self._fallback(replace(quotes), draft, checks)
        _carry_short_answer(quotes, answer)
        answer.timings_ms["generate"] = (time.perf_counter() - started) * 1000.0
        if first is not None:
            answer.timings_ms["first_token"] = first
        yield answer

    def rewrite(self, question: str, history: Sequence[dict[str, str]], plain: str) -> str:
        """A follow-up made standalone by the model; ``plain`` (the non-LLM guess) if unusable."""
        if not any(m.get("role") == "user" for m in history):
            return question
        try:
            text = "".join(self.generate(rewrite_messages(question, history))).strip()
        except ModelError as exc:
            log.warning("%s", exc)
            return plain
        text = text.splitlines()[0].strip().strip('"').strip() if text else ""
        if not text or len(text) > 3 * (len(plain) + 20) or "standalone" in text.lower():
            return plain  # the model rambled or echoed the instructions: keep the visible guess
        return text

    def generate(self, messages: list[BaseMessage]) -> Iterator[str]:
        """The model's reply as text pieces, within the timeout, retried before the first piece."""
        deadline = time.monotonic() + self.timeout_s
        for attempt in range(self.retries + 1):
            pieces = _Worker(self.model, messages)
            got_any = False
            try:
                for piece in pieces.results(deadline):
                    got_any = True
                    yield piece
                return
            except _Timeout:
                raise ModelError(f"the language model {self.name} did not finish within timeout_s="
                                 f"{self.timeout_s:g} seconds; raise ASSISTANT_TIMEOUT_S or use a faster model") from None
            except Exception as exc:  # noqa: BLE001 - every client has its own error types
                if got_any or attempt == self.retries or time.monotonic() >= deadline:
                    raise ModelError(f"the language model {self.name} failed: {_short(exc)}. "
                                     "Check that it is running and reachable, or use --answerer extractive") from exc
                time.sleep(min(0.5 * 2**attempt, max(0.0, deadline - time.monotonic())))

    def _build(self, question: str, checks: list[SentenceCheck], passages: list[Passage]) -> Answer | None:
        kept = [c for c in checks if c.verified]
        if not kept:
            return None
        text = " ".join(c.text + " " + "".join(f"[{n}]" for n in c.supported_by) for c in kept)
        notes = []
        removed = len(checks) - len(kept)
        if removed:
            notes.append(f"{removed} sentence{'s' if removed > 1 else ''} of the model's answer "
                         f"{'were' if removed > 1 else 'was'} removed: not supported by the cited passages.")
        return Answer(question=question, text=text, abstained=False, citations=_citations(kept, passages),
                      answerer=self.name, sentences=checks, notes=notes)

    def _failed(self, answer: Answer, error: ModelError) -> Answer:
        note = f"{FAILED_NOTE} ({error})"
        answer.answerer, answer.fallback, answer.notes = self.name, True, [*answer.notes, note]
        answer.text = f"{FAILED_NOTE}\n\n{answer.text}"
        return answer

    def _fallback(self, answer: Answer, draft: str, checks: list[SentenceCheck]) -> Answer:
        answer.answerer, answer.sentences = self.name, checks
        said_no = NO_ANSWER.lower() in draft.lower() or bool(_SAYS_NO.search(draft))
        if answer.abstained and said_no:
            return answer  # the model and the quotes agree: the articles do not say
        note = FALLBACK_NOTE if draft.strip() else EMPTY_NOTE
        answer.fallback, answer.notes = True, [*answer.notes, note]
        answer.text = f"{note}\n\n{answer.text}"
        return answer


def _carry_short_answer(quotes: Answer, answer: Answer) -> None:
    """Give the model's answer the reader's short answer when it cites the very sentence holding it."""
    at = quotes.short_answer_at
    if at is None or answer.short_answer:
        return
    source = quotes.citations[at.citation - 1]
    for c in answer.citations:
        if (c.article_id, c.start, c.end) == (source.article_id, source.start, source.end):
            answer.short_answer, answer.short_answer_at = quotes.short_answer, replace(at, citation=c.n)
            return


def _citations(kept: list[SentenceCheck], passages: list[Passage]) -> list[Citation]:
    """One citation per cited passage number: its sentence that best supports a claim."""
    best: dict[int, Any] = {}
    for check in kept:
        for e in check.evidence:
            if e.supports and (e.n not in best or e.score > best[e.n].score):
                best[e.n] = e
    out = []
    for n in sorted(best, key=lambda n: next(i for i, c in enumerate(kept) if n in c.supported_by)):
        e, chunk = best[n], passages[n - 1].chunk
        out.append(Citation(n=n, article_id=chunk.article_id, title=chunk.title, source=chunk.source,
                            url=chunk.url, published=chunk.published, passage=chunk.text, quote=e.quote,
                            start=e.start, end=e.end, score=e.score, page=chunk.page_at(e.start)))
    return out


class _Timeout(Exception):
    """The deadline passed while waiting for the model."""


class _Worker:
    """Runs a model's stream in a daemon thread so the caller can stop waiting at a deadline."""

    _DONE = object()

    def __init__(self, model: BaseChatModel, messages: list[BaseMessage]) -> None:
        self.queue: queue.Queue[Any] = queue.Queue()
        threading.Thread(target=self._run, args=(model, messages), daemon=True).start()

    def _run(self, model: BaseChatModel, messages: list[BaseMessage]) -> None:
        try:
            for chunk in model.stream(messages):
                text = chunk.text if isinstance(chunk.text, str) else chunk.text()
                if text:
                    self.queue.put(text)
            self.queue.put(self._DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            self.queue.put(exc)

    def results(self, deadline: float) -> Iterator[str]:
        while True:
            try:
                item = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise _Timeout from None
            if item is self._DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def build_answerer(settings: Settings, embedder: Embedder, fallback: ExtractiveAnswerer,
                   model: BaseChatModel | None = None) -> LLMAnswerer:
    """The answerer the settings name; ``model`` overrides the chat model (tests, custom clients)."""
    from .llm import chat_model, describe

    name = describe(settings) if settings.answerer != "extractive" else type(model).__name__
    return LLMAnswerer(model if model is not None else chat_model(settings),
                       CitationChecker(embedder, settings.support_threshold), fallback, name=name,
                       timeout_s=settings.timeout_s, retries=settings.retries)

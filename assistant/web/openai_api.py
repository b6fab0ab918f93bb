"""OpenAI-compatible routes, so chat clients and wiki plugins that speak that protocol can use
the assistant as a model: ``GET /v1/models`` and ``POST /v1/chat/completions``.

The last user message is the question; earlier user and assistant messages are its history
(system messages and sampling parameters are accepted and ignored: answers are quoted, not
sampled). The answer text ends with its sources as numbered footnotes, so a client that shows
only ``content`` still shows where each sentence comes from; the structured answer rides along
in extra fields of the completion (and of the last chunk when streaming): ``citations``,
``abstained``, ``short_answer``, ``confidence`` and ``confidence_words``, ``as_of`` and ``timeline``. Streaming consumes the same ``Assistant.stream`` events as /api/ask,
for the viewer the guard proved (security.py): the key's or the embed token's groups.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ..access import Viewer
from ..answer.extractive import CHECKED_HEADING
from ..errors import BadQuestion

if TYPE_CHECKING:
    from ..assistant import Assistant, Event
    from .security import Guard

MODEL_ID = "news-assistant"
# The answer's structured fields that ride along with a completion (Answer.to_dict's names).
EXTRA = ("citations", "abstained", "short_answer", "confidence", "confidence_words", "as_of", "timeline")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, ...: accepted, ignored
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


def footnotes(citations: list[dict[str, Any]]) -> str:
    """The sources as text footnotes, one per line.

    Example: ``footnotes([{"n": 1, "title": "T", "source": "S", "published": "2023-06-01",
    "url": "", "quote": "Q."}])`` -> ``'\\n\\n[1] T (S, 2023-06-01): \u201cQ.\u201d'``
    """
    lines = []
    for c in citations:
        where = ", ".join(x for x in (c.get("source"), c.get("published"), c.get("link") or c.get("url")) if x)
        lines.append(f"[{c['n']}] {c['title']}" + (f" ({where})" if where else "") + f": \u201c{c['quote']}\u201d")
    return "\n\n" + "\n".join(lines) if lines else ""


def openai_router(assistant: Assistant, guard: Guard) -> APIRouter:
    from .security import require_index

    asker = Depends(guard.require("ask"))  # one callable: FastAPI runs it once per request
    router = APIRouter(prefix="/v1", tags=["openai-compatible"], dependencies=[asker])

    @router.get("/models")
    def models() -> dict[str, Any]:
        """The one model this server offers."""
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "news-assistant"}]}

    @router.post("/chat/completions")
    def chat(body: ChatRequest, viewer: Viewer = asker) -> Any:
        """Answer the last user message; citations as footnotes and in ``citations``."""
        question, history = _split(body.messages)
        require_index(assistant, viewer)
        events = assistant.stream(question, history, groups=viewer)
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not body.stream:
            answer = next(e for e in events if e.kind == "done").answer.to_dict()  # type: ignore[union-attr]
            message = {"role": "assistant", "content": answer["answer"] + footnotes(answer["citations"])}
            return {
                "id": completion_id, "object": "chat.completion", "created": created, "model": body.model,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                **_extra(answer),
            }
        first = next(events)  # a bad question fails here with its 400, before streaming
        chunks = _chunks(first, events, completion_id, created, body.model)
        return StreamingResponse(chunks, media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    return router


def _extra(answer: dict[str, Any]) -> dict[str, Any]:
    """What the answer says beyond its text, as extra fields of the completion (or the last chunk)."""
    return {key: answer[key] for key in EXTRA}


def _split(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    turns = [(m.role, _text(m.content)) for m in messages if m.role in ("user", "assistant")]
    last_user = max((i for i, (role, _) in enumerate(turns) if role == "user"), default=None)
    if last_user is None:
        raise BadQuestion("no user message: send at least one message with role \"user\"")
    history = [{"role": role, "content": text} for role, text in turns[:last_user]]
    return turns[last_user][1], history


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):  # content parts: keep the text ones
        return " ".join(p.get("text", "") for p in content if p.get("type") == "text")
    return content or ""


def _chunks(first: Event, rest: Iterator[Event], completion_id: str, created: int, model: str) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    streamed: list[str] = []
    for event in itertools.chain([first], rest):
        if event.kind == "delta":
            streamed.append(event.text)
            yield chunk({"content": event.text})
        elif event.kind == "done":
            answer = event.answer.to_dict()  # type: ignore[union-attr]
            if "".join(streamed).strip() != answer["answer"].strip():
                # A model's draft streams before it is checked; tokens cannot be taken back, so
                # the checked answer follows it, and the footnotes belong to the checked answer.
                yield chunk({"content": f"\n\n{CHECKED_HEADING}\n{answer['answer']}"})
            yield chunk({"content": footnotes(answer["citations"])})
            yield chunk({}, "stop", **_extra(answer))
    yield "data: [DONE]\n\n"

"""The HTTP API: a thin FastAPI shell over :class:`~assistant.Assistant`.

Routes (OpenAPI at ``/docs``)::

    POST   /api/ask                 question (+ history, k, filters) -> Answer.to_dict(); stream=true -> SSE
    GET    /api/articles            indexed articles (no text)
    POST   /api/articles            upload files (multipart "files") -> saved under corpus/uploads, ingested
    GET    /api/articles/{id}       one article with its text (for a sources panel)
    DELETE /api/articles/{id}       remove an article (and its uploaded file)
    GET    /api/health              liveness and the number of indexed articles
    /v1/...                         OpenAI-compatible routes (assistant/web/openai_api.py)
    /embed                          the chat page for iframes (assistant/web/embed.py)

Every error is ``{"error": {"type": ..., "message": ...}}`` (the shape OpenAI clients read) with
the status of :data:`STATUS`. The server-sent events of ``stream=true`` are ``question``,
``delta`` (answer text), ``citations``, ``done`` (the whole answer) or ``error``; each ``data:``
line is JSON. The first event is computed before the response starts, so a bad question still
gets its 400 rather than a 200 stream holding an error.

Every route that reads articles is handed the :class:`~assistant.access.Viewer` the guard proved
(security.py) and passes it to the Assistant; nothing in a request body names groups. An article
the viewer may not read is a 404, exactly like an id that does not exist.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from .. import errors
from ..access import Viewer
from ..config import UPLOAD_DIR, Settings
from .security import Guard, error_body, require_index
from .throttle import install_limits

if TYPE_CHECKING:
    from ..assistant import Assistant, Event

STATUS: dict[type[errors.AssistantError], int] = {
    errors.BadQuestion: 400, errors.LoadError: 400, errors.ConfigError: 400,
    errors.ArticleNotFound: 404, errors.IngestLocked: 409, errors.ModelError: 502,
    errors.IndexNotReady: 503,
}


class Turn(BaseModel):
    role: str = Field(description='"user" or "assistant"')
    content: str


class FiltersIn(BaseModel):
    source: str | None = Field(None, description="only articles from this source")
    published_after: str | None = Field(None, description="YYYY-MM-DD, inclusive")
    published_before: str | None = Field(None, description="YYYY-MM-DD, inclusive")


class AskRequest(BaseModel):
    question: str = Field(description="the question", examples=["when was the dialogue framework set up?"])
    history: list[Turn] = Field(default_factory=list, description="the conversation so far, oldest first")
    k: int | None = Field(None, ge=1, le=50, description="passages to retrieve")
    filters: FiltersIn | None = None
    stream: bool = Field(False, description="answer as server-sent events")


def create_app(assistant: Assistant, settings: Settings | None = None) -> FastAPI:
    """The web app: /api, /v1 and /embed over one Assistant. Mount the UI with ``ui.mount_ui``."""
    from .embed import embed_router
    from .openai_api import openai_router

    settings = settings or assistant.settings
    app = FastAPI(title="News assistant", version="0.1.0", lifespan=_thread_pool(settings.server_threads),
                  description="Ask questions of news articles; answers quote and cite the articles.")
    guard = Guard(settings)
    app.state.assistant, app.state.settings, app.state.guard = assistant, settings, guard
    _add_error_handlers(app)
    guard.install(app)
    install_limits(app, settings)
    app.include_router(api_router(assistant, settings, guard))
    app.include_router(openai_router(assistant, guard))
    app.include_router(embed_router(settings, guard))
    app.add_api_route("/", lambda: RedirectResponse("/ui/"), include_in_schema=False)
    return app


def _thread_pool(threads: int):  # noqa: ANN202 - a lifespan context factory
    """Sets how many requests the app's endpoints work on at once (``server_threads``; 0 keeps
    FastAPI's default thread pool of 40): the sync endpoints run in anyio's default thread pool."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202, ARG001
        if threads:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan


def api_router(assistant: Assistant, settings: Settings, guard: Guard):  # noqa: ANN201 - APIRouter
    from fastapi import APIRouter

    router = APIRouter(prefix="/api", tags=["assistant"])
    ask_scope, admin = Depends(guard.require("ask")), Depends(guard.require("admin"))

    @router.post("/ask")
    def ask(body: AskRequest, stream: bool = Query(False, description="same as the body field"),
            viewer: Viewer = ask_scope) -> Any:
        """Answer a question from the indexed articles the caller may read, citing the sentences quoted."""
        require_index(assistant, viewer)
        events = assistant.stream(body.question, [t.model_dump() for t in body.history], body.k,
                                  _filters(body.filters), groups=viewer)
        if not (stream or body.stream):
            return next(e for e in events if e.kind == "done").answer.to_dict()  # type: ignore[union-attr]
        first = next(events)  # raises BadQuestion here, before any byte of a 200 is sent
        return StreamingResponse(_sse(first, events), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @router.get("/articles")
    def list_articles(viewer: Viewer = ask_scope) -> list[dict[str, Any]]:
        """The indexed articles the caller may read, newest first: id, title, source, url, published, chunks."""
        return [_record(r, viewer) for r in assistant.articles(viewer)]

    @router.get("/articles/{article_id}")
    def get_article(article_id: str, viewer: Viewer = ask_scope) -> dict[str, Any]:
        """One article with its full text (404 when the caller may not read it)."""
        return _record(assistant.article(article_id, viewer), viewer, text=True)

    @router.post("/articles", status_code=201)
    async def upload(files: list[UploadFile] = File(description="txt, md, html, pdf or jsonl files"),
                     viewer: Viewer = admin) -> Any:
        """Save the files under the corpus' uploads/ directory and ingest them."""
        if len(files) > settings.max_upload_files:
            raise HTTPException(413, f"{len(files)} files in one upload; the limit is "
                                     f"{settings.max_upload_files} (max_upload_files)")
        paths = [await save_upload(f, settings) for f in files]
        report = await run_in_threadpool(assistant.ingest, paths)
        body = redact(report, viewer).to_dict()
        if report.failed and not (report.added or report.updated or report.unchanged or report.duplicates):
            raise errors.LoadError(", ".join(p.name for p in paths), "; ".join(e.reason for e in report.failed))
        return JSONResponse(body, status_code=201 if report.added or report.updated else 200)

    @router.delete("/articles/{article_id}")
    def delete(article_id: str, viewer: Viewer = admin) -> dict[str, Any]:
        """Remove an article from the index; an uploaded file of its own is removed too. An
        article the caller may not read is a 404 here too."""
        assistant.article(article_id, viewer)
        record = assistant.delete(article_id)
        remove_upload(record.key, settings)
        return {"deleted": _record(record, viewer)}

    @router.get("/health")
    def health() -> dict[str, Any]:
        """Open to all (for load balancers): the server is up and how many articles anyone may read."""
        return {"status": "ok", "articles": assistant.count_articles()}

    return router


def sse(kind: str, data: Any) -> str:
    """One server-sent event. Example: ``sse("delta", {"text": "Hi"})`` -> ``'event: delta\\ndata: {"text": "Hi"}\\n\\n'``"""
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _sse(first: Event, rest: Iterator[Event]) -> Iterator[str]:
    try:
        for event in itertools.chain([first], rest):
            if event.kind == "done":
                yield sse("done", event.answer.to_dict())  # type: ignore[union-attr]
            elif event.kind == "citations":
                yield sse("citations", {"citations": event.citations})
            else:
                yield sse(event.kind, {"text": event.text})
    except errors.AssistantError as exc:  # the status line is gone; say it in the stream
        yield sse("error", error_body(type(exc).__name__, str(exc), STATUS.get(type(exc), 500))["error"])


def _filters(body: FiltersIn | None):  # noqa: ANN202 - a retrieve.Filters
    from ..answer.retrieve import Filters

    return Filters(body.source, body.published_after, body.published_before) if body else None


def _record(record: Any, viewer: Viewer, text: bool = False) -> dict[str, Any]:
    """An article record as JSON; its access labels only for a viewer who reads every article
    (another viewer would learn the names of groups it is not in)."""
    hidden = {"content_hash", "body_hash", *(() if text else ("text",)), *(() if viewer.reads_all else ("access",))}
    return {k: v for k, v in asdict(record).items() if k not in hidden}


def redact(report: Any, viewer: Viewer) -> Any:
    """An ingest report for ``viewer``: a line about another article it may not read (the twin of
    a near-duplicate, which shares the upload's labels) keeps its outcome but not that article's name."""
    from dataclasses import replace

    if viewer.reads_all:
        return report
    hidden = [e for e in (*report.duplicates, *report.removed) if e.twin_access and not viewer.may_read(e.twin_access)]
    if not hidden:
        return report
    return replace(
        report,
        duplicates=[replace(e, reason="near-duplicate of an article already indexed; not indexed twice",
                            twin_access=()) if e in hidden else e for e in report.duplicates],
        removed=[replace(e, title="", key="", id="", reason="an older version was superseded by the upload",
                         twin_access=()) if e in hidden else e for e in report.removed],
    )


async def save_upload(upload: UploadFile, settings: Settings) -> Path:
    """Write one uploaded file under ``corpus_dir/uploads``; 413 when it is too large."""
    data = await upload.read(settings.max_file_bytes + 1)
    return keep_upload(upload.filename or "", data, settings)


def keep_upload(filename: str, data: bytes, settings: Settings) -> Path:
    """Save uploaded bytes as ``corpus_dir/uploads/<safe name>`` (same name: a new version).

    Example: ``keep_upload("../../etc/x y.md", b"...", settings)`` -> ``corpus/uploads/x_y.md``
    """
    from ..ingest.articles import SUPPORTED_SUFFIXES

    name = re.sub(r"[^\w.\-]+", "_", Path(filename).name).lstrip(".") or "upload.txt"
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise errors.LoadError(name, f"unsupported file type (supported: {', '.join(SUPPORTED_SUFFIXES)})")
    if len(data) > settings.max_file_bytes:
        raise HTTPException(413, f"{name} is larger than the {settings.max_file_bytes} byte limit (max_file_bytes)")
    folder = settings.corpus_dir / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.part"
    tmp.write_bytes(data)
    tmp.replace(folder / name)
    return folder / name


def remove_upload(key: str, settings: Settings) -> None:
    """Delete an article's uploaded file when the file holds that article alone."""
    if key.startswith(UPLOAD_DIR + "/") and "#" not in key:
        (settings.corpus_dir / key).unlink(missing_ok=True)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.AssistantError)
    async def assistant_error(request: Request, exc: errors.AssistantError) -> JSONResponse:
        status = STATUS.get(type(exc), 500)
        return JSONResponse(error_body(type(exc).__name__, str(exc), status), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return JSONResponse(error_body("BadRequest", where, 400), status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        name = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 413: "TooLarge"}.get(exc.status_code, "HTTPError")
        return JSONResponse(error_body(name, str(exc.detail), exc.status_code), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

"""Limits on what one client can make the server do: request rates and request body sizes.

* **Rate limit** (``rate_limit``, e.g. ``"60/minute;1000/hour"``): every request to ``/api``
  and ``/v1`` (except ``/api/health``, which load balancers poll) counts against the client's
  address, in a moving window (the ``limits`` library). Over the limit: ``429`` with the usual
  error body and ``Retry-After``. The counters live in this process's memory, so with N
  replicas behind a load balancer a client gets up to N times the limit; docs/deployment.md says
  what to do about it. Behind a reverse proxy the address is the ``X-Forwarded-For`` one that
  uvicorn accepts from trusted proxies (``--forwarded-allow-ips``).
* **Body cap** (``max_upload_bytes``): counted on the bytes actually received, not on the
  ``Content-Length`` header, so a chunked upload without that header cannot fill the disk.

Both are plain ASGI middleware (not ``BaseHTTPMiddleware``), so streamed answers pass untouched.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .security import error_body

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..config import Settings

LIMITED_PREFIXES = ("/api/", "/v1/")
EXEMPT_PATHS = ("/api/health",)


def install_limits(app: FastAPI, settings: Settings) -> None:
    """Add the body cap, and the rate limit when ``settings.rate_limit`` is set."""
    app.add_middleware(BodyCap, limit=settings.max_upload_bytes)
    if settings.rate_limit:
        app.add_middleware(RateLimit, spec=settings.rate_limit)


def parse_rate(spec: str) -> list[Any]:
    """``"60/minute;1000/hour"`` -> the ``limits`` items; ConfigError naming the setting if malformed.

    Example: ``str(parse_rate("5/second")[0])`` -> ``"5 per 1 second"``
    """
    from limits import parse_many

    try:
        items = parse_many(spec)
    except ValueError:
        items = []
    if not items or any(item.amount < 1 for item in items):
        raise ConfigError(f"rate_limit={spec!r}: expected e.g. '60/minute' or '10/second;500/hour'")
    return items


class RateLimit:
    """Per-client moving-window rate limit on /api and /v1."""

    def __init__(self, app: Any, spec: str) -> None:
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        self.app = app
        self.items = parse_rate(spec)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(LIMITED_PREFIXES) or path in EXEMPT_PATHS:
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("unknown", 0))[0]
        for item in self.items:
            if not self.limiter.hit(item, client):
                reset = self.limiter.get_window_stats(item, client).reset_time
                retry_s = max(1, int(reset - time.time() + 0.999))
                message = f"too many requests from this client: the limit is {item}; retry in {retry_s} s"
                return await _send_error(send, 429, "RateLimited", message, {"retry-after": str(retry_s)})
        return await self.app(scope, receive, send)


class _TooLarge(Exception):
    pass


class BodyCap:
    """Answer 413 once a request body passes ``limit`` bytes, whatever its headers claimed."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        received, over, answered, started = 0, False, False, False

        async def counted_receive() -> dict:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    over = True
                    raise _TooLarge()
            return message

        async def answer_413() -> None:
            nonlocal answered
            if not answered and not started:  # too late for a status once a response began
                answered = True
                message = f"the request body passed {self.limit} bytes, the limit (max_upload_bytes)"
                await _send_error(send, 413, "TooLarge", message)

        async def guarded_send(message: dict) -> None:
            # The app may turn the error into a response of its own (FastAPI says 400 "error
            # parsing the body"); once the cap is passed, the client gets the 413 instead.
            nonlocal started
            if over:
                return await answer_413()
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception as exc:  # anyio task groups may wrap it in an ExceptionGroup
            if not (over and _is_too_large(exc)):
                raise
        if over:
            await answer_413()


def _is_too_large(exc: BaseException) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return any(_is_too_large(e) for e in exc.exceptions)
    return isinstance(exc, _TooLarge)


async def _send_error(send: Any, status: int, kind: str, message: str, headers: dict | None = None) -> None:
    body = json.dumps(error_body(kind, message, status)).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})

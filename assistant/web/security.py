"""Who may call the web routes, and as whom: API keys, embed tokens, CORS and upload size.

All of it is off by default (a laptop on localhost); docs/embedding.md shows a deployment, and
docs/deployment.md ("Who may read what") the access labels.

* **Who asks** (a :class:`~assistant.access.Viewer`): every /api and /v1 route is told by
  :meth:`Guard.require` whose articles it may read, from what the server can verify: the
  ``api_key`` reads everything (it may also upload and delete); a key of ``api_keys`` reads its
  groups; an embed token reads the groups signed into it; anything else, and any group a
  client merely claims (a body field, a header), reads only unlabelled articles.

* **API key** (``api_key``): required on ``/api`` (except ``/api/health``) and ``/v1`` as
  ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``, compared in constant time.
* **Embed tokens**: the ``/embed`` page must ask questions without the key ever appearing in
  its source. The server mints a token when it serves the page: ``<expiry>.<origin>.<groups>.<hmac>``
  (origin and groups base64url-encoded, groups comma-separated; the wiki's own server may mint
  one for its viewer with the shared ``embed_secret`` and pass it as ``/embed?token=``),
  signed with ``embed_secret`` (a random per-process key if unset), bound to the origin of the
  page that frames it (its ``Referer``, which must be one of ``allowed_origins`` when that is
  set) and valid for ``embed_token_ttl_s``. A token may only ask and read articles (scope
  ``ask``), never upload or delete (scope ``admin``). It is accepted when the request's
  ``Origin`` is absent, the bound origin, or the server's own (the embed page's fetches).
  Trade-off accepted: a token copied out of a page works from a non-browser client until it
  expires; it grants what the page grants anyway, for minutes.
* **CORS** (``allowed_origins``): those origins may call the API from their own pages.
* **Exposed without a key**: a server bound to an address other than loopback (``host``, the
  address it listens on, not the client's) and no ``api_key`` answers questions but refuses
  every write (upload, delete, minting embed tokens) with a 403 that says which variable to set.
  The chat UI's library writes only on loopback or behind the UI login (``ui_user``), since the
  UI cannot send the key. Trade-off accepted: a proxy in front of a loopback server makes it
  public without this check noticing; set the key there too (docs/deployment.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from starlette.exceptions import HTTPException
from starlette.requests import Request  # at run time: FastAPI reads the dependency's annotation

from .. import errors
from ..access import ADMIN, ANONYMOUS, Viewer, viewer_of
from ..config import ENV_PREFIX

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..assistant import Assistant

    from ..config import Settings

SCOPES = ("ask", "admin")
KEY_VARIABLE = f"{ENV_PREFIX}API_KEY"
UI_LOGIN_VARIABLES = f"{ENV_PREFIX}UI_USER and {ENV_PREFIX}UI_PASSWORD"


def error_body(kind: str, message: str, status: int) -> dict[str, Any]:
    """The JSON of every error response; OpenAI clients read ``error.message``."""
    return {"error": {"type": kind, "message": message, "status": status}}


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, or "" if it has none.

    Example: ``origin_of("http://wiki.local:8080/page?x=1")`` -> ``"http://wiki.local:8080"``
    """
    parts = urlparse(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def is_loopback(host: str) -> bool:
    """Whether a bind address is reachable from this machine only.

    Example: ``is_loopback("127.0.0.1")`` -> True; ``is_loopback("0.0.0.0")`` -> False
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:  # a host name other than localhost may resolve to anything
        return False


def write_refusal(settings: Settings, ui: bool = False) -> str:
    """Why writes through the API (or, with ``ui``, the chat UI) are refused; "" when allowed."""
    if is_loopback(settings.host):
        return ""
    if ui and not settings.ui_user:
        return (f"this server listens on {settings.host} and the chat UI has no login, so the library "
                f"is read-only here: set {UI_LOGIN_VARIABLES} to upload and delete in the UI")
    if not ui and not settings.api_key:
        return (f"this server listens on {settings.host} without an API key, so it only answers questions: "
                f"set {KEY_VARIABLE} to allow uploads and deletes (then send `Authorization: Bearer <key>`)")
    return ""


def startup_line(settings: Settings) -> str:
    """What ``assistant serve`` says first: where it listens and who may write.

    Example: ``startup_line(Settings(host="0.0.0.0", port=8000))`` -> ``"Serving on http://0.0.0.0:8000 — no API
    key: questions only; set ASSISTANT_API_KEY to allow uploads and deletes"``
    """
    where = f"Serving on http://{settings.host}:{settings.port}"
    if is_loopback(settings.host):
        return f"{where} (this machine only" + ("; API key required)" if settings.api_key else ")")
    if not settings.api_key and settings.ui_user:
        return (f"{where} — no API key: /api and /v1 only answer questions (set {KEY_VARIABLE} to allow "
                "uploads and deletes there); the chat UI's library writes behind its login")
    if not settings.api_key:
        return f"{where} — no API key: questions only; set {KEY_VARIABLE} to allow uploads and deletes"
    ui = "" if settings.ui_user else f"; the chat UI has no login, so its library is read-only (set {UI_LOGIN_VARIABLES})"
    return f"{where} — API key required on /api and /v1{ui}"


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(encoded: str) -> str:
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


class EmbedTokens:
    """Short-lived, origin-bound, HMAC-signed tokens for the embed page, carrying the viewer's groups.

    Example (docs/deployment.md mints the same token without this class, in a wiki's server):
    ``EmbedTokens("s3cret", 900).claims(EmbedTokens("s3cret", 900).mint("https://w.example", ["hr"]))``
    -> ``("https://w.example", Viewer(groups=frozenset({'hr'})))``
    """

    def __init__(self, secret: str, ttl_s: int, clock: Callable[[], float] = time.time) -> None:
        self.key = (secret or secrets.token_urlsafe(32)).encode()
        self.ttl_s = ttl_s
        self.clock = clock

    def mint(self, origin: str, groups: tuple[str, ...] | list[str] = (), ttl_s: int | None = None) -> str:
        """A token for pages of ``origin`` ("*": any origin) whose viewer reads ``groups``
        ("*": every group), valid for ``ttl_s`` seconds (default: the server's)."""
        expiry = str(int(self.clock()) + (ttl_s or self.ttl_s))
        payload = f"{expiry}.{_b64(origin)}.{_b64(','.join(groups))}"
        return f"{payload}.{self._sign(payload)}"

    def claims(self, token: str) -> tuple[str, Viewer] | None:
        """The origin and viewer of a valid, unexpired token; None for any other token (forged,
        altered, expired, malformed). A token of the older form (no groups) reads as anonymous."""
        try:
            *parts, signature = token.split(".")
            if len(parts) not in (2, 3) or not hmac.compare_digest(signature, self._sign(".".join(parts))):
                return None
            if int(parts[0]) < self.clock():
                return None
            groups = _unb64(parts[2]) if len(parts) == 3 else ""
            return _unb64(parts[1]), viewer_of(groups) if groups else ANONYMOUS
        except (ValueError, UnicodeDecodeError, errors.BadQuestion):
            return None

    def origin(self, token: str) -> str | None:
        """The origin a valid, unexpired token is bound to; None for any other token."""
        claims = self.claims(token)
        return claims[0] if claims else None

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self.key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class Guard:
    """Checks keys and tokens on requests, says who asks, and installs CORS and the upload size limit."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tokens = EmbedTokens(settings.embed_secret, settings.embed_token_ttl_s)
        self.refusal = write_refusal(settings)
        self.keys = {**settings.key_groups, **({settings.api_key: ADMIN} if settings.api_key else {})}
        self._checks = {scope: self._check(scope) for scope in SCOPES}

    def require(self, scope: str) -> Callable[[Request], Viewer]:
        """A FastAPI dependency: the request must carry the key (or, for ``ask``, a key of
        ``api_keys`` or a token) when ``api_key`` is set; it gives the :class:`Viewer` who asks.
        One callable per scope, so that FastAPI runs it once per request however often it is named."""
        assert scope in SCOPES
        return self._checks[scope]

    def _check(self, scope: str) -> Callable[[Request], Viewer]:
        def check(request: Request) -> Viewer:
            if scope == "admin" and self.refusal:
                raise HTTPException(403, self.refusal)
            viewer = self.key_viewer(request)
            if viewer is not None and (scope == "ask" or viewer.reads_all):
                return viewer
            token = request.headers.get("x-embed-token", "")
            claims = self.token_claims(token, request) if token else None
            if scope == "ask" and claims is not None:
                return claims[1]
            if not self.settings.api_key:  # nothing to prove: anyone asks, as anonymous (and writes on loopback)
                return ANONYMOUS
            raise HTTPException(401, "missing or wrong API key: send `Authorization: Bearer <key>`",
                                headers={"WWW-Authenticate": "Bearer"})

        return check

    def key_viewer(self, request: Request) -> Viewer | None:
        """The viewer of the key the request sends (api_key: every article), or None."""
        sent = request.headers.get("x-api-key", "")
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            sent = value.strip()
        if not sent:
            return None
        found = None
        for key, viewer in self.keys.items():  # every key compared, in constant time each
            if hmac.compare_digest(sent.encode(), key.encode()):
                found = viewer
        return found

    def token_claims(self, token: str, request: Request) -> tuple[str, Viewer] | None:
        """(origin, viewer) of a valid token that this request may use: its origin still allowed,
        and sent from that origin, from the server's own pages, or by a client that sends none."""
        claims = self.tokens.claims(token)
        if claims is None:
            return None
        bound = claims[0]
        if self.settings.origins and bound != "*" and bound not in self.settings.origins:
            return None
        sent = request.headers.get("origin", "")
        own = origin_of(str(request.base_url))
        return claims if not sent or sent in (bound, own) or bound == "*" else None

    def token_fits(self, token: str, request: Request) -> bool:
        return self.token_claims(token, request) is not None

    def embed_origin(self, request: Request) -> str:
        """The origin to bind a new embed token to; 403 when the framing page is not allowed."""
        framing = origin_of(request.headers.get("referer", ""))
        allowed = self.settings.origins
        if not allowed or "*" in allowed:
            return framing or "*"
        if framing in allowed or framing == origin_of(str(request.base_url)):
            return framing
        raise HTTPException(403, "this page may only be embedded by the sites in allowed_origins")

    def frame_ancestors(self) -> str:
        allowed = self.settings.origins
        return "*" if not allowed or "*" in allowed else " ".join(("'self'", *allowed))

    def install(self, app: FastAPI) -> None:
        """CORS for ``allowed_origins`` and a 413 for uploads over ``max_upload_bytes``."""
        from fastapi.responses import JSONResponse
        from starlette.middleware.cors import CORSMiddleware

        limit = self.settings.max_upload_bytes

        @app.middleware("http")
        async def limit_body(request: Request, call_next):  # noqa: ANN001, ANN202
            length = request.headers.get("content-length", "")
            if request.method == "POST" and length.isdigit() and int(length) > limit:
                message = f"the request is {length} bytes; the limit is {limit} (max_upload_bytes)"
                return JSONResponse(error_body("TooLarge", message, 413), status_code=413)
            return await call_next(request)

        if self.settings.origins:
            app.add_middleware(
                CORSMiddleware, allow_origins=list(self.settings.origins), allow_credentials=False,
                allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
                allow_headers=["Authorization", "X-API-Key", "X-Embed-Token", "Content-Type"],
            )


def require_index(assistant: Assistant, viewer: Viewer = ANONYMOUS) -> None:
    """Raise IndexNotReady when there is nothing to answer from (first start, all deleted). Only
    the articles ``viewer`` may read count: otherwise a 503 or not would say whether the others exist."""
    if assistant.count_articles(viewer, at_most=1) == 0:
        raise errors.IndexNotReady("the index holds no articles yet; upload some or run `assistant ingest`")

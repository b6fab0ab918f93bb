"""The embeddable chat: ``GET /embed`` (a compact page for an iframe) and its script.

The page is plain HTML and one script (``/embed.js``) that calls ``POST /api/ask`` with
``stream=true`` and renders the same answer, markers and sources as the full UI (each quote's
date, "As of ...", a story's timeline; dates in words as ``ingest/dates.human_date`` writes them). It does not
use Gradio: Gradio's login relies on cookies that browsers block inside third-party iframes, and
a page this small loads faster in a wiki's side panel. Article text is put in the page with
``textContent`` only, and the response forbids inline scripts (``script-src 'self'``) as a
second wall. Framing is limited by ``frame-ancestors`` to ``allowed_origins``; the page carries
a short-lived embed token (see assistant/web/security.py), never the API key.

The token says whose articles the chat may read. ``/embed`` alone mints an anonymous one (the
articles without access labels). A wiki that knows its viewer mints one with the viewer's groups
in its own server (with the shared ``embed_secret``; docs/deployment.md) and frames
``/embed?token=<it>``: the page then carries that token, once it is checked (signature, expiry,
and the origin it is bound to, which must be the framing page's).

``POST /api/embed-token`` (API key required) mints a token for a wiki backend that renders its
own chat and wants to call /api/ask from its pages' scripts (with CORS for its origin); it may
name the viewer's ``groups`` too.
"""

from __future__ import annotations

import html
from importlib import resources
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from .. import errors

from ..access import Viewer

if TYPE_CHECKING:
    from ..config import Settings
    from .security import Guard


class TokenRequest(BaseModel):
    origin: str = Field(description="origin of the pages that will use the token, e.g. https://wiki.example.org")
    groups: list[str] = Field(default_factory=list, description="the viewer's groups: the token reads their articles")


def _static(name: str) -> str:
    return resources.files("assistant.web").joinpath("static", name).read_text(encoding="utf-8")


def embed_router(settings: Settings, guard: Guard) -> APIRouter:
    router = APIRouter(tags=["embed"])
    page, script = _static("embed.html"), _static("embed.js")

    @router.get("/embed", response_class=HTMLResponse)
    def embed(request: Request, token: str = "") -> HTMLResponse:
        """The compact chat page for an iframe, with a fresh anonymous embed token, or with
        ``token``: one the wiki minted with its viewer's groups (401 when it is not valid here)."""
        origin = guard.embed_origin(request)
        if token:
            claims = guard.tokens.claims(token)
            if claims is None or (origin != "*" and claims[0] not in ("*", origin)):
                return HTMLResponse("<!doctype html><title>Expired</title><p>This chat's link has expired or is not "
                                    "valid here. Reload the page.</p>", status_code=401,
                                    headers={"Cache-Control": "no-store"})
        token = token or guard.tokens.mint(origin)
        body = page.replace("{{token}}", html.escape(token, quote=True))
        return HTMLResponse(body, headers={
            "Content-Security-Policy": (
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                f"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors {guard.frame_ancestors()}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",  # the token inside expires; never serve a stale one
            "Referrer-Policy": "same-origin",  # the page's address may hold a token: never send it away
        })

    @router.get("/embed.js", include_in_schema=False)
    def embed_js() -> Response:
        return Response(script, media_type="text/javascript", headers={"X-Content-Type-Options": "nosniff"})

    @router.post("/api/embed-token")
    def embed_token(body: TokenRequest, viewer: Viewer = Depends(guard.require("admin"))) -> dict[str, Any]:
        """Mint a short-lived token that lets pages of ``origin`` ask questions (not upload or delete)
        and read the articles of ``groups``: groups the caller may read itself (the API key: any)."""
        from ..access import ALL_GROUPS, normalize_groups
        from .security import origin_of

        origin = origin_of(body.origin)
        if not origin or (settings.origins and origin not in settings.origins and "*" not in settings.origins):
            raise HTTPException(403, f"{body.origin!r} is not one of allowed_origins")
        try:
            groups = [ALL_GROUPS] if ALL_GROUPS in body.groups else list(normalize_groups(body.groups, "groups"))
        except ValueError as exc:
            raise errors.BadQuestion(str(exc)) from None
        if groups and not viewer.reads_all and (ALL_GROUPS in groups or not set(groups) <= viewer.groups):
            raise HTTPException(403, "a token may only carry groups the caller reads: mint it with ASSISTANT_API_KEY")
        return {"token": guard.tokens.mint(origin, groups), "expires_in": settings.embed_token_ttl_s,
                "header": "X-Embed-Token", "groups": groups}

    return router

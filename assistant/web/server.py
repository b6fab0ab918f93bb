"""The whole web app in one process: the HTTP API with the chat UI mounted, run by uvicorn.

Used by ``app.py`` and ``assistant serve``; tests call :func:`web_app` and run it themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..assistant import Assistant
    from ..config import Settings


def web_app(assistant: Assistant, settings: Settings) -> FastAPI:
    """/api, /v1, /embed and the chat UI at /ui, all over the one ``assistant``."""
    try:
        from .api import create_app
        from .ui import mount_ui
    except ImportError as exc:  # fastapi or gradio missing
        from ..errors import ConfigError

        raise ConfigError(f"the web server needs the web extra: pip install -e '.[web]' ({exc})") from exc
    return mount_ui(create_app(assistant, settings), assistant, settings)


def serve(assistant: Assistant, settings: Settings) -> None:
    """Build the index if it is empty, then serve on ``settings.host:settings.port`` until stopped.

    ``settings.host`` is also what the app is built with: on an address other than loopback and
    without an API key it answers questions only (assistant/web/security.py), and says so here.
    """
    import uvicorn

    from .security import startup_line

    report = assistant.ensure_index()
    if report is not None:
        print(f"index built from {settings.corpus_dir}: {report.summary()}", flush=True)
    app = web_app(assistant, settings)
    print(startup_line(settings), flush=True)
    print(f"chat: http://{settings.host}:{settings.port}/ui/  api docs: http://{settings.host}:{settings.port}/docs",
          flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", proxy_headers=True)

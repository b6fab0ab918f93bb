"""Composition root of the web server: ``python app.py`` (or ``assistant serve``).

Settings come from ``ASSISTANT_*`` variables (see assistant/config.py), e.g.
``ASSISTANT_PORT=8080 ASSISTANT_API_KEY=... python app.py``. The index is built from the
corpus on first start; then one process serves the chat UI (/ui/), the HTTP API (/api, /docs),
the OpenAI-compatible routes (/v1) and the embeddable chat (/embed), all over one Assistant.
"""

from assistant import Assistant, Settings
from assistant.config import for_server
from assistant.console import configure
from assistant.web.server import serve

if __name__ == "__main__":
    settings = for_server(Settings.from_env())
    configure(settings.log_level)
    serve(Assistant.from_settings(settings), settings)

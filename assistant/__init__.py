"""Ask the news: a question-answering assistant over news articles, with citations.

Example::

    from assistant import Assistant, Settings
    assistant = Assistant.from_settings(Settings(index_dir="index", corpus_dir="corpus"))
    assistant.ingest()
    print(assistant.ask("when was the dialogue framework set up?").text)

Heavy libraries (torch, chromadb) load on first use, so importing this package is instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .access import Viewer
from .config import Settings
from .errors import (
    ArticleNotFound,
    AssistantError,
    BadQuestion,
    ConfigError,
    IndexNotReady,
    IngestLocked,
    LoadError,
    ModelError,
)

if TYPE_CHECKING:
    from .answer.answers import Answer, Citation, TimelineEntry
    from .assistant import Assistant, Event
    from .index.report import IngestReport
    from .answer.retrieve import Filters

__all__ = [
    "Answer", "ArticleNotFound", "Assistant", "AssistantError", "BadQuestion", "Citation",
    "ConfigError", "Event", "Filters", "IndexNotReady", "IngestLocked", "IngestReport", "LoadError",
    "ModelError", "Settings", "TimelineEntry", "Viewer",
]

_LAZY = {
    "Assistant": "assistant", "Event": "assistant", "Answer": "answer.answers", "Citation": "answer.answers",
    "TimelineEntry": "answer.answers", "IngestReport": "index.report", "Filters": "answer.retrieve",
}


def __getattr__(name: str):  # noqa: ANN202 - lazy exports keep `import assistant` instant
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")

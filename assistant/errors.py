"""The assistant's errors: a small tree, turned into a response at each edge.

    AssistantError                  anything the assistant reports on purpose
    ├── ConfigError                 a setting is missing or malformed (names key, value, allowed)
    ├── LoadError                   one input file (or one line of it) cannot be read as an article
    ├── IndexNotReady               the index is empty or being rebuilt; try again or run ingest
    ├── IngestLocked                another process is ingesting into the same index
    ├── ArticleNotFound             no article with that id
    ├── BadQuestion                 a question that cannot be asked (empty, too long)
    └── ModelError                  a language model failed, timed out or is unreachable

The CLI prints ``str(error)`` on one line and exits non-zero; the HTTP API maps each class
to a status code. Messages say what happened and what to do about it.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class of every error the assistant raises on purpose."""


class ConfigError(AssistantError):
    """A setting is missing or malformed."""


class LoadError(AssistantError):
    """A file, or one line of a file, could not be read as an article.

    Example: ``LoadError("corpus/a.jsonl", "missing field 'text'", line=3)`` prints as
    ``corpus/a.jsonl:3: missing field 'text'``.
    """

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = str(path)
        self.reason = reason
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


class IndexNotReady(AssistantError):
    """The index holds no articles yet, or cannot be read right now."""


class IngestLocked(AssistantError):
    """Another process holds the ingest lock on this index."""


class ArticleNotFound(AssistantError):
    """No article has the given id."""


class BadQuestion(AssistantError):
    """The question is empty, too long or otherwise cannot be asked."""


class ModelError(AssistantError):
    """A language model failed, timed out or could not be reached."""

"""Settings: one typed object, read once, failing loudly.

Every field has a default and a one-line description. Environment variables are read here and
nowhere else, from a mapping passed in (so tests hand in a dict): ``ASSISTANT_<FIELD>``, e.g.
``ASSISTANT_INDEX_DIR=/srv/index``. A malformed value raises :class:`ConfigError` naming the
variable, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import os
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from .config_checks import check_llm as _check_llm, check_web as _check_web, parse_answerer  # noqa: F401
from .config_checks import parse_value as _parse
from .errors import ConfigError

if typing.TYPE_CHECKING:
    from .access import Viewer

ENV_PREFIX = "ASSISTANT_"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
UPLOAD_DIR = "uploads"  # under corpus_dir, so uploads keep stable keys and survive `ingest --sync`
DEFAULT_BACKEND = "onnx-int8"  # 2.5x torch, same dev-set quality: docs/evaluation.md ("Embedding backend")


def _setting(default: object, help: str, secret: bool = False) -> typing.Any:
    return field(default=default, metadata={"help": help}, repr=not secret)


@dataclass(frozen=True)
class Settings:
    """Everything the assistant can be told. Build with ``Settings(...)`` or ``Settings.from_env()``."""

    index_dir: Path = _setting(Path("index"), "Directory of the embedded Chroma index.")
    corpus_dir: Path = _setting(Path("corpus"), "Directory of articles ingested by default.")
    page_urls: str = _setting(
        "", "Where ingested files are published, for links: 'DIR=URL' pairs separated by ';'; a file under DIR "
        "with no URL of its own links to URL plus its path under DIR."
    )
    access: str = _setting(
        "", "Groups that may read the files of a directory: 'DIR=GROUP[,GROUP...]' pairs separated by ';'; a file "
        "under DIR is readable by those groups only (with its own labels too: by the groups both allow)."
    )
    chroma_url: str = _setting("", "URL of a Chroma server (http://host:8000); empty uses index_dir.")
    collection: str = _setting("news", "Name prefix of the Chroma collections.")
    embedding_model: str = _setting(
        DEFAULT_MODEL, "sentence-transformers model name or path; the default ships in a package."
    )
    embedding_batch_size: int = _setting(16, "Texts embedded per model call (64 took 3x the memory of 16, no faster).")
    embedding_backend: str = _setting(
        DEFAULT_BACKEND, "'torch', 'onnx' or 'onnx-int8' (exported once from the model, cached in ~/.cache)."
    )
    chunk_chars: int = _setting(1000, "Target chunk size in characters (whole sentences).")
    chunk_overlap_chars: int = _setting(200, "Characters of whole sentences repeated between chunks.")
    k: int = _setting(5, "Passages retrieved per question.")
    candidates: int = _setting(30, "Candidates each retriever (dense, lexical) returns before fusion.")
    rrf_k: int = _setting(5, "Reciprocal rank fusion constant.")
    max_sentences: int = _setting(3, "Most sentences quoted in an extractive answer.")
    sentence_candidates: int = _setting(
        32, "Sentences of the retrieved passages scored per question (16 missed answers further down: docs/evaluation.md)."
    )
    abstain_below: float = _setting(0.35, "Abstain when the best sentence scores below this.")
    reader: str = _setting(
        "shipped", "Short answers and no-answer decisions: 'shipped' (the trained reader), 'off', or a model directory."
    )
    reader_candidates: int = _setting(3, "Best-scored candidate sentences the reader reads to decide whether any answers.")
    reader_rereads: int = _setting(
        10, "Best-scored candidate sentences the reader reads, once one answers, to choose the one quoted first "
        "(news factoid accuracy 0.61 -> 0.84: docs/evaluation.md)."
    )
    onnx_threads: int = _setting(
        0, "ONNX Runtime intra-op threads per model call (embedding model, reader); 0: one per physical core "
        "(a server takes 1 unless set: 1.22x throughput for 50 clients, docs/benchmarks.md)."
    )
    server_threads: int = _setting(
        0, "Requests one server process works on at once (FastAPI's thread pool); 0: its default of 40."
    )
    near_duplicate: float = _setting(
        0.97, "Share of each other's word 5-grams two texts must hold to be one story published twice (versions.py)."
    )
    max_file_bytes: int = _setting(20_000_000, "Largest article file accepted; for JSONL, the largest line (a JSONL file streams, of any size).")
    feed_timeout_s: float = _setting(
        30.0, "Seconds a feed URL may take to answer and send the whole feed (assistant ingest URL, assistant watch)."
    )
    max_question_chars: int = _setting(2000, "Longest question accepted.")
    progress: bool = _setting(True, "Show a progress bar on long ingests (on a terminal; never for ask).")
    log_level: str = _setting(
        "WARNING", "Least severe log lines written to stderr: DEBUG, INFO, WARNING or ERROR; --verbose is INFO."
    )
    # ---- language model (optional extra `llm`); see assistant/answer/llm.py -------------------
    answerer: str = _setting(
        "extractive", "'extractive', 'smollm2', 'openai:MODEL', 'ollama:MODEL' or 'llamacpp:/path/model.gguf'."
    )
    llm_base_url: str = _setting("", "Base URL of the model server (OpenAI-compatible .../v1, or Ollama).")
    llm_api_key: str = _setting("", "API key for an openai: model; empty: OPENAI_API_KEY, or none for a local server.", secret=True)
    timeout_s: float = _setting(60.0, "Seconds a language model may take for one whole answer.")
    retries: int = _setting(1, "Retries when the model fails before its first token.")
    llm_max_tokens: int = _setting(256, "Most tokens a model may write per answer.")
    llm_context_tokens: int = _setting(4096, "Context window for a local GGUF model (llama.cpp n_ctx).")
    support_threshold: float = _setting(0.85, "Citation check: least support score of a verified sentence.")
    # ---- web (assistant serve, app.py); see docs/embedding.md for a deployment -----------
    host: str = _setting("127.0.0.1", "Address the web server listens on.")
    port: int = _setting(7860, "Port the web server listens on.")
    api_key: str = _setting("", "Key required on /api and /v1 (Bearer or X-API-Key); empty: no key.", secret=True)
    api_keys: str = _setting(
        "", "More keys, each for readers of some groups: 'KEY=GROUP[,GROUP...]' pairs separated by ';' (ask and "
        "read only; '*' reads every article). api_key itself reads every article.", secret=True
    )
    allowed_origins: str = _setting(
        "", "Comma-separated origins that may embed /embed and call the API (CORS); empty: any."
    )
    embed_secret: str = _setting("", "HMAC key for embed tokens; empty: a random key per process.", secret=True)
    embed_token_ttl_s: int = _setting(900, "Lifetime of an embed token in seconds.")
    ui_user: str = _setting("", "User name for the chat UI login (with ui_password); empty: no login.")
    ui_password: str = _setting("", "Password for the chat UI login.", secret=True)
    ui_users: str = _setting(
        "", "Chat UI logins for readers of some groups: 'USER:PASSWORD=GROUP[,GROUP...]' separated by ';' "
        "(ui_user reads every article and manages the library).", secret=True
    )
    ui_concurrency: int = _setting(8, "Chat UI requests served at once (Gradio concurrency limit).")
    max_upload_bytes: int = _setting(50_000_000, "Largest upload request (all files) accepted.")
    max_upload_files: int = _setting(20, "Most files accepted in one upload request.")
    rate_limit: str = _setting(
        "", "Requests per client on /api and /v1, e.g. '60/minute;1000/hour'; empty: no limit."
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: typing.Any) -> Settings:
        """Settings from ``ASSISTANT_*`` variables, then explicit overrides (e.g. from CLI flags).

        Example: ``Settings.from_env({"ASSISTANT_K": "8"}).k == 8``
        """
        environ = os.environ if environ is None else environ
        values: dict[str, typing.Any] = {}
        hints = typing.get_type_hints(cls)
        for f in fields(cls):
            name = ENV_PREFIX + f.name.upper()
            if name in environ:
                values[f.name] = _parse(name, environ[name], hints[f.name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("Path", Path) and not isinstance(value, Path):
                object.__setattr__(self, f.name, Path(value))
        positive = ("embedding_batch_size", "chunk_chars", "k", "candidates", "max_sentences", "sentence_candidates",
                    "reader_candidates", "reader_rereads")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)!r}: must be a positive integer")
        for name, default in (("onnx_threads", "one per core"), ("server_threads", "the default")):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name}={getattr(self, name)!r}: must be 0 ({default}) or a positive integer")
        if not 0 <= self.chunk_overlap_chars < self.chunk_chars:
            raise ConfigError(
                f"chunk_overlap_chars={self.chunk_overlap_chars}: must be >= 0 and below "
                f"chunk_chars ({self.chunk_chars})"
            )
        if self.embedding_backend not in ("torch", "onnx", "onnx-int8"):
            raise ConfigError(
                f"embedding_backend={self.embedding_backend!r}: expected torch, onnx or onnx-int8"
            )
        if self.reader not in ("shipped", "off") and not Path(self.reader).expanduser().is_dir():
            raise ConfigError(f"reader={self.reader!r}: expected 'shipped', 'off' or a directory holding a reader model")
        if not self.feed_timeout_s > 0:
            raise ConfigError(f"feed_timeout_s={self.feed_timeout_s!r}: must be a positive number of seconds")
        if self.log_level.upper() not in LOG_LEVELS:
            raise ConfigError(f"log_level={self.log_level!r}: expected one of {', '.join(LOG_LEVELS)}")
        _check_web(self)
        _check_llm(self)
        self.url_map  # noqa: B018 - parsed now, so a malformed value fails at start
        self.access_map  # noqa: B018
        self.key_groups  # noqa: B018
        self.ui_logins  # noqa: B018

    @property
    def url_map(self) -> tuple[tuple[Path, str], ...]:
        """``page_urls`` as (directory, URL prefix) pairs, the longest directory first.

        Example: ``Settings(page_urls="/srv/wiki=https://wiki.example.org/").url_map``
        -> ``((PosixPath('/srv/wiki'), 'https://wiki.example.org/'),)``
        """
        pairs = []
        for item in (p.strip() for p in self.page_urls.split(";")):
            if not item:
                continue
            directory, sep, url = (part.strip() for part in item.partition("="))
            if not sep or not directory or not url.startswith(("http://", "https://")):
                raise ConfigError(f"page_urls: {item!r} is not DIR=URL; expected e.g. /srv/wiki=https://wiki.example.org/")
            pairs.append((Path(directory).expanduser().resolve(), url if url.endswith("/") else url + "/"))
        return tuple(sorted(pairs, key=lambda pair: -len(pair[0].parts)))

    @property
    def access_map(self) -> tuple[tuple[Path, tuple[str, ...]], ...]:
        """``access`` as (directory, groups) pairs, the deepest directory first (assistant/access.py).

        Example: ``Settings(access="/srv/wiki/hr=hr").access_map`` -> ``((PosixPath('/srv/wiki/hr'), ('hr',)),)``
        """
        from .access import parse_access_map

        return parse_access_map(self.access)

    @property
    def key_groups(self) -> dict[str, Viewer]:
        """``api_keys`` as key -> the viewer it proves. Keys are URL-safe text (letters, digits, '-', '_',
        '.', '~'), so that '=' and ';' can separate them.

        Example: ``Settings(api_keys="k1=hr,managers").key_groups["k1"].groups`` -> ``frozenset({'hr', 'managers'})``
        """
        keys: dict[str, Viewer] = {}
        for item in (p.strip() for p in self.api_keys.split(";")):
            if not item:
                continue
            key, sep, groups = (part.strip() for part in item.partition("="))
            if not sep or not _KEY.match(key) or not groups:
                raise ConfigError("api_keys: an entry is not KEY=GROUP[,GROUP...] with a URL-safe KEY "
                                  "(letters, digits, '-', '_', '.', '~'); e.g. $(openssl rand -hex 24)=hr")
            if key == self.api_key:
                raise ConfigError("api_keys: a key equals api_key, which already reads every article")
            keys[key] = _viewer(groups, "api_keys")
        return keys

    @property
    def ui_logins(self) -> dict[str, tuple[str, Viewer]]:
        """The chat UI's logins: user -> (password, the viewer it proves); ``ui_user`` reads every article.

        Example: ``Settings(ui_users="ann:pw=hr").ui_logins["ann"]`` -> ``("pw", Viewer(groups=frozenset({'hr'})))``
        """
        from .access import ADMIN

        logins: dict[str, tuple[str, Viewer]] = {}
        if self.ui_user:
            logins[self.ui_user] = (self.ui_password, ADMIN)
        for item in (p.strip() for p in self.ui_users.split(";")):
            if not item:
                continue
            user, _, rest = item.partition(":")
            password, sep, groups = rest.rpartition("=")
            if not user.strip() or not password or not sep or not groups.strip():
                raise ConfigError("ui_users: an entry is not USER:PASSWORD=GROUP[,GROUP...] "
                                  "(the password may not hold ';'); e.g. ann:s3cret=hr,managers")
            if user.strip() in logins:
                raise ConfigError(f"ui_users: the user {user.strip()!r} is named twice (or is ui_user)")
            logins[user.strip()] = (password, _viewer(groups, "ui_users"))
        return logins

    @property
    def origins(self) -> tuple[str, ...]:
        """``allowed_origins`` as a tuple, e.g. ``("https://wiki.example.org",)``; empty: any."""
        return tuple(o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip())

    def replace(self, **changes: typing.Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @staticmethod
    def describe() -> list[tuple[str, str, str]]:
        """(variable, default, help) for every setting, for docs and ``--help``."""
        return [
            (ENV_PREFIX + f.name.upper(), str(f.default), f.metadata["help"]) for f in fields(Settings)
        ]


_KEY = re.compile(r"^[A-Za-z0-9._~-]+$")


def _viewer(groups: str, where: str) -> Viewer:
    from .access import ADMIN, Viewer, normalize_groups

    if groups.strip() == "*":
        return ADMIN
    try:
        names = normalize_groups(groups, where)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if not names:
        raise ConfigError(f"{where}: an entry names no group")
    return Viewer(frozenset(names))


def for_server(settings: Settings, environ: Mapping[str, str] | None = None) -> Settings:
    """A server's settings: one ONNX Runtime thread per model call unless ``ASSISTANT_ONNX_THREADS``
    says otherwise, since concurrent requests already keep every core busy.

    Example: ``for_server(Settings(), {}).onnx_threads`` -> ``1``
    """
    environ = os.environ if environ is None else environ
    return settings if ENV_PREFIX + "ONNX_THREADS" in environ else settings.replace(onnx_threads=1)

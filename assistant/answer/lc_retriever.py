"""The assistant's hybrid retrieval as a LangChain retriever, for use inside a user's own chain.

``Assistant.as_retriever()`` builds one (this module imports langchain-core, so the facade
imports it only then). Each ``Document`` is one retrieved passage: ``page_content`` is the chunk
text, exactly ``article.text[start:end]``, and ``metadata`` carries what a citation needs::

    {"article_id": "172b9b29c4ecbd41", "chunk_id": "...", "title": "Japan, U.S. to Compile ...",
     "source": "The Yomiuri Shimbun", "url": "", "published": "", "start": 1108, "end": 1688,
     "score": 0.0333, "page": None}

``score`` is the fused reciprocal-rank score (higher is better; comparable within one query
only); ``page`` is the PDF page where the passage starts, for PDFs. ``viewer`` decides which
articles may answer (assistant/access.py): anonymous unless ``as_retriever(groups=...)`` says. The module is named
``lc_retriever`` so that it never shadows the ``langchain`` package.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from ..access import ANONYMOUS
from .retrieve import Filters, Passage


class AssistantRetriever(BaseRetriever):
    """Dense + BM25 retrieval fused by reciprocal rank, as LangChain ``Document``\\ s with citation metadata.

    Example: ``assistant.as_retriever(k=3).invoke("when was the dialogue framework set up?")[0]
    .metadata["title"]`` -> ``"Japan, U.S. to Compile Joint Document on Extended Deterrence; ..."``
    """

    retriever: Any  # assistant.answer.retrieve.Retriever (Any: pydantic need not validate it)
    k: int = 5
    filters: Filters | None = None
    viewer: Any = ANONYMOUS  # assistant.access.Viewer: whose articles may answer

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [document(p) for p in self.retriever.search(query, self.k, self.filters, viewer=self.viewer)]


def document(passage: Passage) -> Document:
    """One retrieved passage as a LangChain document with its citation metadata."""
    chunk = passage.chunk
    metadata = {"article_id": chunk.article_id, "chunk_id": chunk.id, "title": chunk.title, "source": chunk.source,
                "url": chunk.url, "published": chunk.published, "start": chunk.start, "end": chunk.end,
                "score": round(passage.score, 6), "page": chunk.page_at(chunk.start)}
    return Document(page_content=chunk.text, metadata=metadata, id=chunk.id)

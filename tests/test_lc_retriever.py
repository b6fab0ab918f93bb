"""``Assistant.as_retriever()`` inside a user's own LCEL chain: the real embedding model, a real
Chroma index (the shipped corpus), and passages that carry exact citation metadata."""

from __future__ import annotations

import pytest

from langchain_core.documents import Document
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.prompt_values import PromptValue
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda, RunnableParallel, RunnablePassthrough

from .conftest import FOUNDING_QUESTION

FOUNDING_SENTENCE = ("The two governments in 2010 established a framework for regular discussions on extended "
                     "deterrence among working-level foreign and defense officials.")


def numbered(docs: list[Document]) -> str:
    return "\n\n".join(f"[{n}] {d.page_content}" for n, d in enumerate(docs, start=1))


def test_the_retriever_runs_in_a_chain_and_its_documents_cite_exactly(shipped) -> None:
    retriever = shipped.as_retriever(k=3, filters={"source": "The Yomiuri Shimbun"})
    assert isinstance(retriever, BaseRetriever)
    prompt = ChatPromptTemplate.from_messages([
        ("system", "Answer from the numbered passages only and cite them as [n].\n\n{context}"),
        ("human", "{question}"),
    ])
    model = RunnableLambda(lambda value: value)  # stands in for a chat model: returns the prompt it got
    chain = RunnableParallel(docs=retriever, question=RunnablePassthrough()) | RunnablePassthrough.assign(
        answer=RunnableLambda(lambda x: {"context": numbered(x["docs"]), "question": x["question"]}) | prompt | model)

    result = chain.invoke(FOUNDING_QUESTION)

    docs = result["docs"]
    assert 1 <= len(docs) <= 3
    founding = next(d for d in docs if FOUNDING_SENTENCE in d.page_content)
    meta = founding.metadata
    article = shipped.article(meta["article_id"])
    assert article.text[meta["start"]:meta["end"]] == founding.page_content
    assert meta["title"] == article.title and meta["source"] == "The Yomiuri Shimbun"
    assert {"url", "published", "score", "chunk_id", "page"} <= meta.keys() and meta["score"] > 0
    assert isinstance(result["answer"], PromptValue) and FOUNDING_SENTENCE in result["answer"].to_string()


def test_filters_apply_and_k_bounds_the_documents(shipped) -> None:
    assert shipped.as_retriever(k=1).invoke(FOUNDING_QUESTION)[0].metadata["title"].startswith("Japan, U.S.")
    assert len(shipped.as_retriever(k=1).invoke(FOUNDING_QUESTION)) == 1
    assert shipped.as_retriever(filters={"source": "Reuters"}).invoke(FOUNDING_QUESTION) == []


def test_the_facade_imports_langchain_core_only_when_asked() -> None:
    import subprocess
    import sys

    code = "import sys, assistant.assistant; print('langchain_core' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_an_unknown_filter_is_a_clear_error(shipped) -> None:
    from assistant import BadQuestion

    with pytest.raises(BadQuestion, match="unknown filter publisher; expected any of source"):
        shipped.as_retriever(filters={"publisher": "Reuters"})

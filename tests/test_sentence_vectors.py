"""Sentence vectors are computed once, at ingest, and stored with their chunks: a question embeds
the question and nothing else, the stored vectors are the sentences embedded alone (a web page's
under their nearest heading), and they obey
the commit-marker rules (written with their chunks before the article record, gone with them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant import Settings

from .conftest import FOUNDING_QUESTION, SHIPPED_CORPUS, build_assistant
from .realtext import write_corpus


class CountingEmbedder:
    """The real embedder, recording every batch of texts it is asked to embed."""

    def __init__(self, real) -> None:  # noqa: ANN001
        self.real = real
        self.calls: list[list[str]] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.real.embed(texts)

    def __getattr__(self, name: str):  # noqa: ANN204 - everything else is the real embedder's
        return getattr(self.real, name)


def sentence_ids(store) -> list[str]:  # noqa: ANN001
    return [i for ids, _, _ in store._scan(store.sentences, []) for i in ids]


def chunk_ids(store) -> list[str]:  # noqa: ANN001
    return [i for ids, _, _ in store.scan_chunks() for i in ids]


@pytest.fixture
def counted(tmp_path, embedder):  # noqa: ANN001, ANN201
    corpus = tmp_path / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    counting = CountingEmbedder(embedder)
    assistant = build_assistant(Settings(index_dir=tmp_path / "index", corpus_dir=corpus, progress=False), counting)
    assistant.ingest()
    return assistant, counting


def test_ask_embeds_exactly_the_question(counted) -> None:  # noqa: ANN001
    assistant, counting = counted
    counting.calls.clear()
    answer = assistant.ask(FOUNDING_QUESTION)
    assert not answer.abstained and "2010" in answer.text
    assert counting.calls == [[FOUNDING_QUESTION]]


def test_stored_sentence_vectors_are_the_sentences_embedded_alone(counted, embedder) -> None:  # noqa: ANN001
    assistant, _ = counted
    # The founding article's chunks (Markdown, whose lone short lines are guessed headings)
    ids, metas, docs = zip(*[row for batch in assistant.store.scan_chunks() for row in zip(*batch)
                             if row[1]["title"].startswith("Japan, U.S. to Compile")])
    stored = assistant.store.sentence_vectors(ids)
    assert sorted(stored) == sorted(ids)
    headings = 0
    for id_, meta, text in zip(ids, metas, docs):
        spans = list(zip(meta["sentences"][0::2], meta["sentences"][1::2]))
        kinds = meta.get("kinds", "").split() or ["prose"] * len(spans)
        # A headline never answers, so it has no vector; every other sentence has one. The shipped
        # article is Markdown, whose lone short lines (its headline, a photo caption) are guessed
        # headings: its sentences are embedded alone, not under "The Prime Minister's Office in Tokyo".
        headings += sum(kind == "heading" and start not in stored[id_] for (start, _), kind in zip(spans, kinds))
        spans = [span for span, kind in zip(spans, kinds) if kind != "heading"]
        assert sorted(stored[id_]) == [s for s, _ in spans]
        alone = embedder.embed([text[s - meta["start"] : e - meta["start"]] for s, e in spans])
        got = np.stack([stored[id_][s] for s, _ in spans])
        assert got.shape == alone.shape
        # Not bit-equal: onnx-int8 quantizes activations per batch, so a text's vector depends a
        # little on its batch-mates (cosine ~0.99), at ingest as at question time.
        assert (got * alone).sum(axis=1).min() > 0.98
    assert headings >= 1  # the shipped articles' headlines


def test_a_web_pages_sentence_is_embedded_under_its_title_and_nearest_heading_even_in_an_earlier_chunk(tmp_path) -> None:  # noqa: ANN001
    from assistant.ingest.articles import load_file, marks_up_headings
    from assistant.ingest.chunking import chunk_text, sentences_to_embed

    page = tmp_path / "settings.html"
    page.write_text("<html><head><title>Memory</title></head><body><h1>Memory</h1><p>These settings size the memory.</p><dl>"
                    "<dt>work_mem (integer)</dt><dd><p>Sets the memory of a sort. The default value is four "
                    "megabytes. It is per operation.</p></dd></dl><h2>Notes</h2><ul><li>Raise it with care.</li>"
                    "</ul></body></html>", encoding="utf-8")
    article = load_file(page).articles[0]
    chunks = chunk_text(article.id, article.text, 40, 0, "v", article.blocks)
    assert len(chunks) > 3  # the default's sentence is chunks away from its heading
    assert article.title == "Memory" and marks_up_headings(article.key)
    assert sorted(sentences_to_embed(chunks, article.title).values()) == sorted([
        "Memory. These settings size the memory.",  # the heading that is the title is said once
        "Memory. work_mem (integer). Sets the memory of a sort.",
        "Memory. work_mem (integer). The default value is four megabytes.",
        "Memory. work_mem (integer). It is per operation.",
        "Memory. Notes. Raise it with care.",
    ])


def test_a_sentence_under_no_heading_or_in_a_page_without_marked_up_headings_is_embedded_alone() -> None:
    from assistant.ingest.articles import marks_up_headings
    from assistant.ingest.chunking import chunk_text, sentences_to_embed

    assert sentences_to_embed(chunk_text("a", "One is here. Two is there.", 100, 0)) == {
        0: "One is here.", 13: "Two is there."}
    captioned = chunk_text("a", "Rates rise\n\nA file photo\n\nThe bank raised its rate.", 100, 0)
    assert captioned[0].kinds == ("heading", "heading", "prose")  # a caption looks like a heading in text
    assert list(sentences_to_embed(captioned).values()) == ["The bank raised its rate."]
    assert marks_up_headings("wiki/sql-cluster.html") and marks_up_headings("a/B.HTM")
    assert not any(marks_up_headings(key) for key in ("news.md", "notes.txt", "feed.jsonl#https://x.example/a.html"))


def test_packed_vectors_round_trip_within_float16() -> None:
    from assistant.index.records import pack_vectors, unpack_vectors

    vectors = np.random.default_rng(0).standard_normal((7, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    back = unpack_vectors(pack_vectors(vectors), 7)
    assert back.dtype == np.float32 and np.abs(back - vectors).max() < 1e-3
    assert np.abs((back * vectors).sum(axis=1) - 1).max() < 1e-4  # scores move by under 1e-4


def test_an_index_without_stored_vectors_still_answers_by_embedding_them(counted) -> None:  # noqa: ANN001
    assistant, counting = counted
    assistant.store.sentences.delete(ids=chunk_ids(assistant.store))
    counting.calls.clear()
    assert "2010" in assistant.ask(FOUNDING_QUESTION).text
    assert counting.calls[0] == [FOUNDING_QUESTION] and len(counting.calls) == 2


class Crash(BaseException):
    """Stands for the process dying."""


def test_sentence_records_follow_their_chunks_through_a_crash_and_a_delete(tmp_path, embedder) -> None:  # noqa: ANN001
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 8)
    assistant = build_assistant(Settings(index_dir=tmp_path / "index", corpus_dir=corpus, progress=False), embedder)
    real_upsert, calls = assistant.store.sentences.upsert, []

    def dying_upsert(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the 4th article's chunks are written, not its sentences
        calls.append(1)
        if len(calls) == 4:
            raise Crash()
        return real_upsert(*args, **kwargs)

    assistant.store.sentences.upsert = dying_upsert
    with pytest.raises(Crash):
        assistant.ingest()
    assistant.store.sentences.upsert = real_upsert
    assert len(assistant.store.article_records()) == 3
    assert set(sentence_ids(assistant.store)) < set(chunk_ids(assistant.store))  # the 4th's chunks have none
    # A sentence record whose chunk is gone (written by anything else) is an orphan too.
    assistant.store.sentences.upsert(ids=["stray"], embeddings=[[0.0]],
                                     metadatas=[{"article_id": "x", "content_hash": "y", "starts": [0], "vectors": ""}])
    assert "stray" in assistant.store.orphan_chunk_ids()

    report = assistant.ingest()
    assert len(report.unchanged) == 3 and len(report.added) == 5
    assert sorted(sentence_ids(assistant.store)) == sorted(chunk_ids(assistant.store))
    assert assistant.store.orphan_chunk_ids() == []

    gone = next(iter(assistant.store.article_records()))
    assistant.delete(gone)
    assert sorted(sentence_ids(assistant.store)) == sorted(chunk_ids(assistant.store))
    assert not assistant.store.sentences.get(where={"article_id": gone}, include=[])["ids"]

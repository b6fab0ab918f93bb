"""Chunking is pure and exact: every chunk and sentence is a slice of the article text."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.ingest.chunking import chunk_text, split_sentences
from assistant.index.shingles import shingle_overlap

DEV = Path(__file__).resolve().parents[1] / "tests" / "data" / "squad2" / "squad2-dev.json"


def dev_article() -> str:
    data = json.loads(DEV.read_text(encoding="utf-8"))["data"][0]
    return "\n\n".join(p["context"] for p in data["paragraphs"])


def test_chunks_are_exact_slices_of_whole_sentences() -> None:
    text = dev_article()
    chunks = chunk_text("normans", text, chunk_chars=600, overlap_chars=150)
    assert len(chunks) > 10
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.sentences[0][0] == chunk.start and chunk.sentences[-1][1] == chunk.end
        for start, end in chunk.sentences:
            assert text[start:end].strip() == text[start:end]
    covered = {span for chunk in chunks for span in chunk.sentences}
    assert covered == set(split_sentences(text, max_chars=1200))


def test_overlap_repeats_trailing_sentences_and_sizes_stay_near_target() -> None:
    chunks = chunk_text("normans", dev_article(), chunk_chars=600, overlap_chars=150)
    repeated = sum(1 for a, b in zip(chunks, chunks[1:]) if b.start < a.end)
    assert repeated > len(chunks) // 3
    assert max(len(c.text) for c in chunks) <= 1200  # one long sentence may overrun, never double
    assert all(b.start > a.start for a, b in zip(chunks, chunks[1:]))


def test_ids_are_stable_and_change_with_the_version() -> None:
    text = dev_article()
    first = [c.id for c in chunk_text("a", text, 600, 150, version="v1hash00")]
    assert first == [c.id for c in chunk_text("a", text, 600, 150, version="v1hash00")]
    assert set(first).isdisjoint(c.id for c in chunk_text("a", text, 600, 150, version="v2hash00"))


def test_headlines_and_captions_on_their_own_lines_are_sentences() -> None:
    text = "Storm hits coast\nPhoto: Coast Guard\n\nThe storm hit the coast on Monday. Power failed."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Storm hits coast", "Photo: Coast Guard", "The storm hit the coast on Monday.", "Power failed."
    ]


def test_a_sentence_that_opens_with_a_number_is_its_own_sentence() -> None:
    def split(text: str) -> list[str]:
        return [text[s:e] for s, e in split_sentences(text)]

    # The PostgreSQL manual's CREATE ROLE page, which the sentence splitter kept as one sentence.
    assert split("How many concurrent connections the role can make. -1 (the default) means no limit. "
                 "Note that only normal connections are counted.") == [
        "How many concurrent connections the role can make.", "-1 (the default) means no limit.",
        "Note that only normal connections are counted."]
    assert split("Setting this to zero logs all plans. 0 disables it.") == [
        "Setting this to zero logs all plans.", "0 disables it."]
    for one in ("The talks opened on Jan. 5 in Tokyo.", "The fee is approx. 20 dollars.", "Use e.g. 5 workers.",
                "See Section 3.4. 42 pages follow.", "They met at No. 7 Downing Street."):
        assert split(one) == [one]


def test_a_run_on_sentence_is_cut_at_whitespace() -> None:
    text = " ".join(["word"] * 2000)
    spans = split_sentences(text, max_chars=500)
    assert len(spans) > 1 and all(e - s <= 500 for s, e in spans)
    assert all(text[s:e].startswith("word") and text[s:e].endswith("word") for s, e in spans)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000),
       st.integers(50, 800), st.integers(0, 49))
def test_any_text_chunks_into_exact_slices(text: str, size: int, overlap: int) -> None:
    for chunk in chunk_text("x", text, size, overlap):
        assert text[chunk.start : chunk.end] == chunk.text and chunk.text.strip()


def test_shingle_overlap_tells_a_copy_from_a_different_story() -> None:
    text = dev_article()
    assert shingle_overlap(text, text.replace("Normans", "The Normans", 1)) > 0.95
    assert shingle_overlap(text[:3000], text[3000:6000]) < 0.05

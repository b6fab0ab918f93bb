"""What the extractive answerer may quote, sentence by sentence: the reader's span can lie in a
neighbour of the sentence it read, and only a neighbour of prose (or of the sentence's own kind)
may then be quoted; a heading or a line of code around it stays context."""

from __future__ import annotations

from assistant.answer.extractive import _candidates, quotable_kinds
from assistant.answer.reading import Candidate, sentence_at
from assistant.answer.retrieve import Passage
from assistant.index.records import StoredChunk

SENTENCES = (("max_connections (integer)", "heading"),
             ("Determines the maximum number of concurrent connections to the database server.", "prose"),
             ("The default is typically 100 connections.", "prose"),
             ("SELECT name, setting FROM pg_settings;", "code"))
TEXT = "max_connections (integer)\n" + " ".join(t for t, _ in SENTENCES[1:3]) + "\n" + SENTENCES[3][0]


def chunk() -> StoredChunk:
    spans = tuple((TEXT.index(t), TEXT.index(t) + len(t)) for t, _ in SENTENCES)
    return StoredChunk(id="c:0", article_id="a", text=TEXT, start=0, end=len(TEXT), sentences=spans,
                       title="Connection Settings", source="", url="", published="",
                       kinds=tuple(k for _, k in SENTENCES))


def candidate(i: int) -> Candidate:
    c = chunk()
    s, e = c.sentences[i]
    return Candidate(Passage(c, 1.0, None, None), s, e, TEXT[s:e])


def test_a_span_in_a_prose_neighbour_quotes_that_neighbour() -> None:
    found = sentence_at(candidate(1), TEXT.index("100"), TEXT.index("100") + 3)
    assert found.text == "The default is typically 100 connections."


def test_a_span_in_a_heading_or_code_neighbour_keeps_the_sentence_read() -> None:
    read = candidate(2)
    assert sentence_at(read, 0, 15) is read  # "max_connections" of the heading
    code = TEXT.index("pg_settings")
    assert sentence_at(read, code, code + 11) is read  # "pg_settings" of the line of code


def test_headings_and_code_are_not_candidates_unless_asked_for() -> None:
    c = chunk()
    found = _candidates([Passage(c, 1.0, None, None)], 16)
    assert [f.text for f in found] == [
        "Determines the maximum number of concurrent connections to the database server.",
        "The default is typically 100 connections.",
    ]
    asked = _candidates([Passage(c, 1.0, None, None)], 16, quotable_kinds("show the SQL command for it"))
    assert asked[-1].text == "SELECT name, setting FROM pg_settings;"

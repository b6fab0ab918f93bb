"""Plain text and Markdown: hard-wrapped paragraphs read as one, headlines stand alone, offsets stay exact."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.ingest.articles import Article, load_file
from assistant.ingest.blocks import is_wrapped, plain_blocks, reflow
from assistant.ingest.chunking import chunk_text, sentences

WRAPPED = """Rates rise again
TOKYO, July 28

The central bank raised its key interest rate by a quarter point on
Tuesday, the third increase this year, and said that further rises
could follow in the autumn if inflation stays high.

Officials said the decision was unanimous.
"""


def load(tmp_path: Path, name: str, content: str) -> Article:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return load_file(path).articles[0]


def kinds_and_quotes(article: Article) -> list[tuple[str, str]]:
    return [(k, article.text[s:e]) for s, e, k in sentences(article.text, 2000, article.blocks)]


def test_hard_wrapped_text_file_reads_as_whole_sentences_and_headlines_stand_alone(tmp_path: Path) -> None:
    article = load(tmp_path, "rates.txt", WRAPPED)
    assert article.text == (
        "Rates rise again\nTOKYO, July 28\n\n"
        "The central bank raised its key interest rate by a quarter point on Tuesday, the third increase "
        "this year, and said that further rises could follow in the autumn if inflation stays high.\n\n"
        "Officials said the decision was unanimous."
    )
    assert kinds_and_quotes(article) == [
        ("heading", "Rates rise again"),
        ("heading", "TOKYO, July 28"),
        ("prose", "The central bank raised its key interest rate by a quarter point on Tuesday, the third "
                  "increase this year, and said that further rises could follow in the autumn if inflation stays high."),
        ("prose", "Officials said the decision was unanimous."),
    ]
    assert article.title == "Rates rise again"


def test_markdown_keeps_its_marks_joins_wrapped_lines_and_keeps_code_verbatim(tmp_path: Path) -> None:
    article = load(tmp_path, "guide.md", (
        "# Clustering\n\nWhen a table is clustered, it is physically reordered\nbased on the index "
        "information.\n\n```sql\nCLUSTER employees\n    USING employees_ind;\n```\n\n"
        "| Option | Meaning |\n|---|---|\n| VERBOSE | prints progress |\n\n"
        "- Clustering is a one-time operation.\n- It takes an exclusive lock.\n"))
    assert article.text == (
        "# Clustering\n\nWhen a table is clustered, it is physically reordered based on the index information."
        "\n\n```sql\nCLUSTER employees\n    USING employees_ind;\n```\n\n"
        "| Option | Meaning |\n|---|---|\n| VERBOSE | prints progress |\n\n"
        "- Clustering is a one-time operation.\n- It takes an exclusive lock."
    )
    assert kinds_and_quotes(article) == [
        ("heading", "# Clustering"),
        ("prose", "When a table is clustered, it is physically reordered based on the index information."),
        ("code", "CLUSTER employees\n    USING employees_ind;"),
        ("table", "| Option | Meaning |"),
        ("table", "|---|---|"),
        ("table", "| VERBOSE | prints progress |"),
        ("prose", "- Clustering is a one-time operation."),
        ("prose", "- It takes an exclusive lock."),
    ]


def test_a_line_that_was_wrapped_is_told_from_one_that_stands_alone() -> None:
    assert is_wrapped("When a table is clustered, it is physically reordered", "based on the index.", 70)
    assert not is_wrapped("Storm hits coast", "Photo: Coast Guard", 18)  # short lines stand alone
    assert not is_wrapped("The vote was postponed again on Monday after a long debate", "- a list item", 70)
    assert not is_wrapped("x" * 60, "next", 400)  # paragraph-per-line text was never wrapped by hand


def test_text_without_loader_blocks_treats_a_wrapped_line_as_a_space() -> None:
    text = "Storm hits coast\n\nThe storm hit the coast on Monday and knocked out\npower to thousands of homes. Crews worked overnight."
    chunk = chunk_text("a", text, 1000, 0)[0]
    quoted = [text[s:e] for s, e in chunk.sentences]
    assert quoted == ["Storm hits coast",
                      "The storm hit the coast on Monday and knocked out\npower to thousands of homes.",
                      "Crews worked overnight."]
    assert chunk.kinds == ("heading", "prose", "prose")


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .,#|-`\n\t ")), max_size=400), st.booleans())
def test_reflowed_blocks_are_exact_stripped_spans(text: str, markdown: bool) -> None:
    blocks, soft = plain_blocks(text, markdown)
    flowed, moved = reflow(text, blocks, soft)
    assert len(moved) == len(blocks)
    previous_end = 0
    for (start, end, kind), (old_start, old_end, _) in zip(moved, blocks):
        assert previous_end <= start < end <= len(flowed)
        assert flowed[start:end].strip() == flowed[start:end]
        assert flowed[start:end].split() == text[old_start:old_end].split()  # only whitespace changed
        previous_end = end

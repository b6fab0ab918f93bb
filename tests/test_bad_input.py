"""Bad input: a corpus with a few bad files among ~200 good ones, and questions of every odd shape.

What a user must see: every good file is indexed, every bad file is named with its reason (in the
report, and in the CLI's output with exit code 3), and a question either gets an answer or a
clear :class:`BadQuestion`, never a crash.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.cli import EXIT_PARTLY_FAILED, main
from assistant.errors import BadQuestion
from assistant.answer.retrieve import Filters
from .conftest import FOUNDING_QUESTION, build_assistant
from .realtext import snippets, write_corpus

GOOD_FILES = 190
MAX_BYTES = 50_000

# name -> (bytes written, the reason the report must give)
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty.txt": (b"", "empty file"),
    "blank.md": (b"  \n\n\t\n", "empty file"),
    "photo.txt": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "binary file, not text"),
    "huge.txt": (b"All work and no play. " * 3000, f"over the limit of {MAX_BYTES} bytes"),
    "broken.html": (b"<html><<<>>><body><div><p", "no words in the text"),
    "script-only.html": (b"<html><body><script>var a = 1;</script><style>p{}</style></body></html>",
                         "no article text found in the page"),
    "truncated.pdf": (b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nxref garbage", "not a readable PDF"),
    "only-front-matter.md": (b"---\ntitle: Nothing here\n---\n", "no text after the front matter"),
    "bad-yaml.md": (b"---\ntitle: [unclosed\n---\nBody text.\n", "front matter is not valid YAML"),
    "notes.docx": (b"PK\x03\x04 word document", "unsupported file type .docx"),
}
# Files that look odd but are good: they must be ingested, not rejected.
ODD_BUT_GOOD: dict[str, bytes] = {
    "cafe-cp1252.txt": "Le café était très animé à Paris cette semaine, selon les témoins du quartier.".encode("cp1252"),
    "bank-utf16.txt": "Übersicht: Die Zentralbank hat den Leitzins am Dienstag erhöht.".encode("utf-16"),
    "tokyo-shift-jis.txt": "東京で記者会見が開かれた。首相は新しい経済政策を発表した。".encode("shift_jis"),
    "bom-utf8.md": "\ufeff# Harbour reopens\n\nThe harbour reopened on Monday after the storm.".encode("utf-8"),
}
JSONL = (
    '{"id": "w1", "title": "Wire one", "text": "The river flooded the lower town on Sunday night."}\n'
    "{this is not json\n"
    '{"id": "w3", "title": "Wire three", "text": "The mayor opened three shelters for the families."}\n'
    '{"id": "w4", "title": "No text"}\n'
)


def build_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    write_corpus(corpus, GOOD_FILES)
    bad = corpus / "incoming"
    bad.mkdir()
    for name, (data, _) in BAD_FILES.items():
        (bad / name).write_bytes(data)
    for name, data in ODD_BUT_GOOD.items():
        (bad / name).write_bytes(data)
    (bad / "wire.jsonl").write_text(JSONL, encoding="utf-8")
    # The same article under a second name: indexed once, the copy reported as a duplicate.
    (bad / "copy-of-art-007.txt").write_bytes((corpus / "art-007.txt").read_bytes())
    # Unreadable files. chmod 000 stops nobody when the tests run as root, so use what stops
    # root too: a link to nothing, and a FIFO (reading one would hang the ingest forever).
    (bad / "dangling.txt").symlink_to(root / "nowhere" / "gone.txt")
    os.mkfifo(bad / "pipe.txt")
    # A directory named like a file is walked as a directory: its article is found.
    (bad / "folder.txt").mkdir()
    (bad / "folder.txt" / "inside.txt").write_text("A file inside a folder named folder.txt is fine.\n")
    return corpus


EXPECTED_FAILED = {
    **{name: reason for name, (_, reason) in BAD_FILES.items()},
    "dangling.txt": "no such file or directory",
    "pipe.txt": "not a regular file",
}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, embedder):
    """The corpus ingested once through the CLI entry point (sharing the session's model)."""
    root = tmp_path_factory.mktemp("bad-input")
    corpus = build_corpus(root)
    index = root / "index"
    patch = pytest.MonkeyPatch()
    # The CLI builds its Assistant with from_settings(); reuse the session's model instead of
    # loading a second copy. Everything else is the real CLI path.
    patch.setattr(Assistant, "from_settings",
                  classmethod(lambda cls, settings: build_assistant(settings, embedder)))
    patch.setenv("ASSISTANT_MAX_FILE_BYTES", str(MAX_BYTES))
    patch.setenv("ASSISTANT_PROGRESS", "false")
    out = io.StringIO()
    code = main(["--index", str(index), "--corpus", str(corpus), "ingest"], stdout=out)
    again = io.StringIO()
    code_again = main(["--index", str(index), "--corpus", str(corpus), "ingest", "--json"], stdout=again)
    patch.undo()
    settings = Settings(index_dir=index, corpus_dir=corpus, progress=False, max_file_bytes=MAX_BYTES)
    assistant = build_assistant(settings, embedder)
    return {"code": code, "out": out.getvalue(), "code_again": code_again,
            "report": json.loads(again.getvalue()), "assistant": assistant, "corpus": corpus}


def test_every_good_file_is_indexed_once(ingested):
    keys = {r.key for r in ingested["assistant"].articles()}
    good = {f"art-{n:03d}.txt" for n in range(GOOD_FILES)}
    odd = {f"incoming/{name}" for name in ODD_BUT_GOOD}
    wire = {"incoming/wire.jsonl#w1", "incoming/wire.jsonl#w3"}
    assert keys == good | odd | wire | {"incoming/folder.txt/inside.txt"}


def test_the_cli_names_each_bad_file_and_why_and_exits_3(ingested):
    assert ingested["code"] == EXIT_PARTLY_FAILED
    failed = [line for line in ingested["out"].splitlines() if line.startswith("failed")]
    for name, reason in EXPECTED_FAILED.items():
        lines = [line for line in failed if f"/incoming/{name}:" in line]
        assert len(lines) == 1, (name, failed)
        assert reason in lines[0], (name, lines[0])
    assert any("wire.jsonl:2: invalid JSON" in line for line in failed)
    assert any("wire.jsonl:4: missing field 'text'" in line for line in failed)
    assert len(failed) == len(EXPECTED_FAILED) + 2
    assert "copy-of-art-007.txt" in next(
        line for line in ingested["out"].splitlines() if line.startswith("duplicate")
    )
    summary = ingested["out"].splitlines()[-1]
    assert summary.startswith(f"{GOOD_FILES + len(ODD_BUT_GOOD) + 3} added")
    assert f"{len(EXPECTED_FAILED) + 2} failed" in summary


def test_running_it_again_changes_nothing_and_still_reports_the_bad_files(ingested):
    report = ingested["report"]
    assert ingested["code_again"] == EXIT_PARTLY_FAILED
    assert report["added"] == [] and report["updated"] == [] and report["removed"] == []
    assert len(report["unchanged"]) == GOOD_FILES + len(ODD_BUT_GOOD) + 3
    assert len(report["failed"]) == len(EXPECTED_FAILED) + 2
    assert all(entry["reason"] for entry in report["failed"])


def test_legacy_encodings_are_read_as_written(ingested):
    texts = {r.key: ingested["assistant"].article(r.id).text for r in ingested["assistant"].articles()}
    assert texts["incoming/cafe-cp1252.txt"].startswith("Le café était très animé")
    assert "erhöht" in texts["incoming/bank-utf16.txt"]
    assert "首相は新しい経済政策" in texts["incoming/tokyo-shift-jis.txt"]
    assert not texts["incoming/bom-utf8.md"].startswith("\ufeff")


def test_answers_still_come_from_the_good_files(ingested):
    answer = ingested["assistant"].ask("Normandy is a region of which country?")
    assert not answer.abstained
    assert "France" in " ".join(c.passage for c in answer.citations)


# --- questions ---------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "\x00\x01\x1b\x07\x7f", "\u200b\u200b"])
def test_an_empty_question_is_a_clear_error(shipped, question):
    with pytest.raises(BadQuestion, match="empty"):
        shipped.ask(question)


def test_a_huge_question_is_a_clear_error(shipped):
    limit = shipped.settings.max_question_chars
    with pytest.raises(BadQuestion, match=f"limit is {limit}"):
        shipped.ask("why " * limit)
    assert shipped.ask(("x" * (limit - len(FOUNDING_QUESTION) - 1)) + " " + FOUNDING_QUESTION).question


def test_a_question_that_is_not_text_is_a_clear_error(shipped):
    with pytest.raises(BadQuestion):
        shipped.ask(None)  # type: ignore[arg-type]
    with pytest.raises(BadQuestion):
        shipped.ask(b"when?")  # type: ignore[arg-type]


@pytest.mark.parametrize("question", [
    "when was the\x00 dialogue\x1b[31m framework\x07 set up?",   # control characters
    "日米の拡大抑止に関する協議はいつ始まったのか？",                # Japanese
    "متى تم إنشاء إطار الحوار؟",                                   # Arabic, right to left
    "Когда была создана структура диалога?",                      # Russian
    "when was the dialogue framework set up? 🤔🇯🇵",               # emoji, flags
    "\ud800 lone surrogate in a question",                          # not encodable as UTF-8
    "<script>alert(1)</script> OR 1=1; -- when was it set up?",     # markup and SQL
    "((( [[[ .*+? \\ $^ ))) {{{",                                   # regex and template syntax
])
def test_odd_questions_get_an_answer(shipped, question):
    answer = shipped.ask(question)
    data = answer.to_dict()
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # the JSON contract stays serialisable
    assert data["answer"]


def test_control_characters_do_not_stop_the_answer(shipped):
    answer = shipped.ask("when was the\x00 dialogue\x1b framework\x07 set up?")
    assert "2010" in answer.text


@pytest.mark.parametrize("k", [0, -1, 10_000])
def test_odd_k_values_get_an_answer_or_a_clear_error(shipped, k):
    try:
        answer = shipped.ask(FOUNDING_QUESTION, k=k)
    except BadQuestion as error:
        assert "k" in str(error)
    else:
        assert answer.text


@pytest.mark.parametrize("filters", [
    Filters(published_after="yesterday"),
    Filters(published_before="2024-13-45"),
])
def test_bad_date_filters_are_a_clear_error(shipped, filters):
    with pytest.raises(BadQuestion, match="date"):
        shipped.ask(FOUNDING_QUESTION, filters=filters)


def test_a_filter_nothing_matches_abstains(shipped):
    answer = shipped.ask(FOUNDING_QUESTION, filters=Filters(source="No Such Paper"))
    assert answer.abstained and answer.citations == []



def test_a_parser_bug_on_one_file_is_reported_and_the_rest_is_ingested(make_assistant, tmp_path, monkeypatch):
    # Forced: a bug in a parser (one crashed on a table in a page of Debian's manuals) names the
    # file in the report and leaves the rest of the ingest alone, instead of ending it.
    from assistant.ingest import formats

    real = formats.load_html

    def load_html(data, key, label):
        if label.endswith("odd-table.html"):
            raise TypeError("sequence item 0: expected str instance, tuple found")
        return real(data, key, label)

    monkeypatch.setattr(formats, "load_html", load_html)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "odd-table.html").write_text("<html><body><p>Ferries stop at noon.</p></body></html>")
    (corpus / "tram.html").write_text("<html><head><title>Tram</title></head><body>"
                                      "<p>The tram line was extended by four stops.</p></body></html>")
    report = make_assistant(corpus_dir=corpus).ingest([corpus])
    assert [entry.title for entry in report.added] == ["Tram"]
    [failed] = report.failed
    assert failed.key.endswith("odd-table.html") and "TypeError" in failed.reason

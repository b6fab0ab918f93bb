"""The core promise: ingest articles, ask, get a short answer citing the exact sentence.

Everything here runs the real packaged embedding model and real Chroma directories.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from assistant import BadQuestion, ConfigError, Settings, cli
from assistant.answer.retrieve import Filters

from .conftest import FOUNDING_QUESTION, SHIPPED_CORPUS

CONTRACT = {"n", "article_id", "title", "source", "url", "published", "passage", "quote", "start", "end", "score"}


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, embedder):  # noqa: ANN001, ANN201
    """Run the real CLI in-process, reusing the session's embedding model."""
    monkeypatch.setattr("assistant.assistant.Embedder", lambda *a, **k: embedder)

    def run(*argv: str, stdin: str = "") -> tuple[int, str]:
        out = io.StringIO()
        code = cli.main(list(argv), stdin=io.StringIO(stdin), stdout=out)
        return code, out.getvalue()

    return run


def test_founding_question_cites_the_2010_sentence(run_cli, tmp_path: Path) -> None:
    code, out = run_cli("--index", str(tmp_path / "index"), "--corpus", str(SHIPPED_CORPUS),
                        "ask", "--json", FOUNDING_QUESTION)
    assert code == 0
    answer = json.loads(out)
    assert not answer["abstained"]
    assert "2010" in answer["answer"]
    first = answer["citations"][0]
    assert CONTRACT <= set(first)
    assert first["n"] == 1 and "[1]" in answer["answer"]
    assert "in 2010 established a framework for regular discussions" in first["quote"]
    text = (SHIPPED_CORPUS / "japan-us-extended-deterrence.md").read_text(encoding="utf-8")
    body = text.split("---\n", 2)[2].strip()
    assert body[first["start"] : first["end"]] == first["quote"]
    assert first["source"] == "The Yomiuri Shimbun"
    assert first["quote"] in first["passage"]


def test_unanswerable_question_abstains(shipped) -> None:
    answer = shipped.ask("Which team won the football league last season?")
    assert answer.abstained
    assert answer.text.startswith("The articles do not say")
    assert answer.citations == []


def test_readable_answer_lists_numbered_sources(run_cli, tmp_path: Path) -> None:
    code, out = run_cli("--index", str(tmp_path / "i"), "--corpus", str(SHIPPED_CORPUS), "ask", FOUNDING_QUESTION)
    assert code == 0
    assert "2010" in out.splitlines()[0]
    assert "Sources:" in out and "[1] Japan, U.S. to Compile Joint Document" in out


def test_batch_mode_answers_one_json_line_per_question(run_cli, tmp_path: Path) -> None:
    questions = f"{FOUNDING_QUESTION}\n\nWho won the World Cup final in football?\n"
    code, out = run_cli("--index", str(tmp_path / "i"), "--corpus", str(SHIPPED_CORPUS), "ask", "--json",
                        stdin=questions)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 2
    assert "2010" in lines[0]["answer"] and lines[1]["abstained"]


def test_cli_errors_are_one_line_and_nonzero(run_cli, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    code, _ = run_cli("--index", str(tmp_path / "i"), "ingest", str(tmp_path / "missing"))
    assert code == cli.EXIT_PARTLY_FAILED
    code, _ = run_cli("--index", str(tmp_path / "i"), "delete", "nope")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1].startswith("assistant: error: no article with id 'nope'")


def test_timings_and_shape(shipped) -> None:
    answer = shipped.ask(FOUNDING_QUESTION).to_dict()
    assert {"question", "answer", "abstained", "citations", "timings_ms"} <= set(answer)
    assert answer["timings_ms"]["total"] > 0


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01", "x" * 5000])
def test_bad_questions_are_refused_clearly(shipped, question: str) -> None:
    with pytest.raises(BadQuestion):
        shipped.ask(question)


def test_settings_from_environment() -> None:
    settings = Settings.from_env({"ASSISTANT_INDEX_DIR": "/srv/idx", "ASSISTANT_K": "8"})
    assert settings.index_dir == Path("/srv/idx") and settings.k == 8
    with pytest.raises(ConfigError, match="ASSISTANT_K='many': expected an integer"):
        Settings.from_env({"ASSISTANT_K": "many"})
    with pytest.raises(ConfigError, match="chunk_overlap_chars"):
        Settings(chunk_chars=100, chunk_overlap_chars=200)


def test_follow_up_uses_the_conversation(shipped) -> None:
    history = [{"role": "user", "content": "When will the foreign and defense ministers hold talks?"},
               {"role": "assistant", "content": "Later this month [1]"}]
    answer = shipped.ask("and where will they meet?", history=history)
    assert answer.standalone_question == "Where will they meet? (foreign defense ministers hold talks)"
    assert "Tokyo" in answer.text


def test_filters_by_source_and_date(make_assistant, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text(
        "---\ntitle: Harbour bridge opens\nsource: Daily Tide\npublished: 2024-03-01\n---\n"
        "The new harbour bridge opened to traffic on Friday after four years of construction work.\n"
    )
    (corpus / "b.md").write_text(
        "---\ntitle: Second harbour bridge planned\nsource: Coast Herald\npublished: 2025-06-10\n---\n"
        "The city council approved plans for a second harbour bridge to ease traffic on the first one.\n"
    )
    assistant = make_assistant(corpus_dir=corpus)
    assistant.ingest()
    question = "What happened with the harbour bridge?"
    titles = lambda a: {c.title for c in a.citations}  # noqa: E731
    assert titles(assistant.ask(question, filters=Filters(source="Coast Herald"))) == {"Second harbour bridge planned"}
    assert titles(assistant.ask(question, filters=Filters(published_before="2024-12-31"))) == {"Harbour bridge opens"}
    after = assistant.ask(question, filters=Filters(published_after="2025-01-01"))
    assert titles(after) == {"Second harbour bridge planned"}
    assert after.citations[0].published == "2025-06-10"


def test_stream_yields_each_quoted_sentence_then_citations_then_done(shipped) -> None:
    events = list(shipped.stream("What will the joint document include?"))
    kinds = [e.kind for e in events]
    assert kinds[0] == "question" and kinds[-2:] == ["citations", "done"]
    deltas = [e.text for e in events if e.kind == "delta"]
    answer = events[-1].answer
    assert "".join(deltas) == answer.text
    assert len(deltas) == len(answer.citations) and all(d.rstrip().endswith("]") for d in deltas)


def test_a_headline_is_not_quoted_as_the_answer(make_assistant, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "lunar.txt").write_text(
        "Lunar research base opens\n\nThe first permanent research base on the Moon opened on "
        "14 March 2031, after six years of construction by an international consortium.\n"
    )
    assistant = make_assistant(corpus_dir=corpus)
    assistant.ingest()
    answer = assistant.ask("when did the lunar research base open?")
    assert "14 March 2031" in answer.citations[0].quote
    assert "Lunar research base opens" not in answer.text


def test_a_sentence_two_pages_share_is_quoted_once(make_assistant, tmp_path: Path) -> None:
    # The manual's pg_dump and pg_dumpall pages both say "Non-plain-text dumps can be inspected ...":
    # the answer quoted it twice, [2] and [3].
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shared = "Archived dumps can be inspected by using the restore tool's list option."
    (corpus / "dump.md").write_text(f"# Dumping one database\n\nThe dump tool writes one database to a file. {shared} "
                                    "It runs while the database is in use.\n")
    (corpus / "dumpall.md").write_text(f"# Dumping a cluster\n\nThe dumpall tool writes every database to a script. "
                                       f"{shared} Roles and tablespaces are included.\n")
    assistant = make_assistant(corpus_dir=corpus, reader="off")
    assistant.ingest()
    answer = assistant.ask("How can archived dumps be inspected?")
    quotes = [c.quote for c in answer.citations]
    assert quotes[0] == shared and quotes.count(shared) == 1, quotes
    assert answer.text.count(shared) == 1

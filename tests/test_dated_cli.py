"""What ``assistant ask`` prints about time: each source's date in words, "As of ..." above an
answer that holds at a date, and a story's timeline as dated lines, oldest first.

The real CLI in-process over real dated news (tests/story.py: four Wikinews reports of 2020),
with the session's embedding model and a real Chroma directory.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from assistant import Assistant, cli

from .story import TIMELINE_QUESTION, timeline_answer, write_story

DATE_IN_WORDS = r"\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}"


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with the story's corpus; the first ask builds its index there, the others reuse it."""
    base = tmp_path_factory.mktemp("story-cli")
    write_story(base / "corpus")
    return base


@pytest.fixture
def ask(monkeypatch: pytest.MonkeyPatch, embedder, story: Path):  # noqa: ANN001, ANN201
    """``assistant ask QUESTION`` over the story, run in-process: its exit code and stdout."""
    monkeypatch.setattr("assistant.assistant.Embedder", lambda *a, **k: embedder)

    def run(question: str) -> tuple[int, str]:
        out = io.StringIO()
        code = cli.main(["--index", str(story / "index"), "--corpus", str(story / "corpus"), "ask", question],
                        stdout=out)
        return code, out.getvalue()

    return run


def test_every_source_shows_its_date_in_words(ask) -> None:  # noqa: ANN001
    code, out = ask("What did Germany say about Alexei Navalny?")
    assert code == 0
    sources = [line for line in out.split("Sources:\n", 1)[1].splitlines() if line.startswith("[")]
    assert sources, out
    for line in sources:
        assert re.search(rf"\(Wikinews, {DATE_IN_WORDS}, https://en\.wikinews\.org/", line), line
    dated = {"Germany says Alexei Navalny poisoned with Novichok": "5 September 2020",
             "Russia's Navalny airlifted to Germany": "22 August 2020"}
    assert any(f"] {title} (Wikinews, {day}, " in out for title, day in dated.items()), out


def test_a_timeline_answer_prints_as_of_and_dated_lines_oldest_first(ask, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    # The answer a timeline question should get (tests/story.py), whatever the answerer gives today.
    monkeypatch.setattr(Assistant, "ask", lambda self, question, *a, **k: timeline_answer(self, question))
    code, out = ask(TIMELINE_QUESTION)
    assert code == 0
    lines = out.splitlines()
    assert lines[:9] == [
        "As of 5 September 2020",
        "",
        "The German government announced the tests by a military laboratory found Novichok in "
        "Navalny's blood, and said there was \"unequivocal\" proof he had been poisoned. [3]",
        "",
        "Timeline:",
        "2020-08-22  Navalny was transferred from the hospital in Omsk to Charité in Berlin via air ambulance. [1]",
        "2020-08-22  Hospital officials in Omsk said no traces of poison was found in his blood or urine. [2]",
        "2020-09-05  The German government announced the tests by a military laboratory found Novichok in "
        "Navalny's blood, and said there was \"unequivocal\" proof he had been poisoned. [3]",
        "2020-09-05  The Russian government dismissed the claim from Berlin as groundless. [4]",
    ]
    assert "[1] Russia's Navalny airlifted to Germany (Wikinews, 22 August 2020, https://en.wikinews.org/" in out
    assert "[4] Germany says Alexei Navalny poisoned with Novichok (Wikinews, 5 September 2020, " in out


def test_the_story_question_is_answered_with_a_timeline(ask) -> None:  # noqa: ANN001
    """The real answerer, end to end: the Navalny story told as dated lines, oldest first."""
    code, out = ask(TIMELINE_QUESTION)
    assert code == 0
    entries = re.findall(r"^(\d{4}-\d{2}-\d{2})  (.+) \[(\d+)\]$", out, re.M)
    assert "Timeline:" in out and len(entries) >= 2, f"no timeline printed:\n{out}"
    dates = [date for date, _, _ in entries]
    assert dates == sorted(dates) and dates[0] == "2020-08-22" and dates[-1] == "2020-09-05", dates

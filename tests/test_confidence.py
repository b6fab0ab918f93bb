"""The answer's confidence, as a user meets it on the shipped corpus: every answer says how likely
what it shows first is right, in numbers (JSON, Python API) and in words (CLI, chat UI, /embed),
from the models scripts/fit_confidence.py fitted on SQuAD articles the reader never saw (their
refit is checked here too). The questions were written for these tests."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from assistant import Assistant
from assistant.answer.decision import Decision
from assistant.answer.reader import MODEL_DIR, reader_for
from assistant.cli import main
from assistant.web.render import answer_html

from .conftest import FOUNDING_QUESTION, ROOT

ANSWERED = [
    FOUNDING_QUESTION,
    "Where will the foreign and defense ministers hold their talks?",
    "When did Russia's aggression against Ukraine start?",
    "Who takes part in the regular discussions on extended deterrence?",
]


def test_the_shipped_reader_carries_its_confidence_model() -> None:
    reader = reader_for("shipped")
    assert reader is not None and reader.decision is not None
    figures = reader.decision.about["figures"]["test"]
    assert figures["confidence_ece"] <= 0.05  # calibrated on the articles the fit never saw
    assert abs(figures["mean_confidence"] - figures["share_right"]) < 0.05


@pytest.mark.parametrize("question", ANSWERED)
def test_an_answer_carries_its_confidence_in_numbers_and_words(shipped: Assistant, question: str) -> None:
    answer = shipped.ask(question)
    assert not answer.abstained and answer.confidence is not None and 0.0 < answer.confidence < 1.0
    data = answer.to_dict()
    assert data["confidence"] == pytest.approx(answer.confidence, abs=1e-3)
    assert data["confidence_words"].endswith(f"({round(100 * answer.confidence)}%)")
    assert "confidence_features" not in data  # the model's inputs stay inside


def test_a_clear_answer_is_more_confident_than_a_doubtful_one(shipped: Assistant) -> None:
    clear = shipped.ask("When did Russia's aggression against Ukraine start?")  # the sentence says it in the question's words
    doubtful = shipped.ask("How did China react to the joint document?")  # the article does not say
    assert clear.short_answer == "February 2022" and clear.confidence > 0.5
    assert doubtful.abstained or doubtful.confidence < clear.confidence - 0.2


def test_an_abstention_has_no_confidence(shipped: Assistant) -> None:
    answer = shipped.ask("What is the capital of Australia?")
    assert answer.abstained and answer.confidence is None and answer.to_dict()["confidence_words"] == ""


def test_the_cli_says_the_confidence_under_the_short_answer(shipped: Assistant) -> None:
    answer = shipped.ask(FOUNDING_QUESTION)
    out = io.StringIO()
    args = ["--index", str(shipped.settings.index_dir), "--corpus", str(shipped.settings.corpus_dir)]
    assert main([*args, "ask", FOUNDING_QUESTION], stdout=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "2010" and lines[1] == f"Confidence: {answer.confidence_words}"
    out = io.StringIO()
    assert main([*args, "ask", "--json", FOUNDING_QUESTION], stdout=out) == 0
    assert json.loads(out.getvalue())["confidence"] == pytest.approx(answer.confidence, abs=1e-3)


def test_the_chat_ui_says_the_confidence_under_the_short_answer() -> None:
    html = answer_html({"answer": "In 2010 it began. [1]", "abstained": False, "short_answer": "2010",
                        "confidence": 0.83, "confidence_words": "likely right (83%)", "citations": []}, 0)
    assert html.startswith('<div class="short-answer">2010</div><div class="confidence">Confidence: likely right (83%)</div>')
    abstained = answer_html({"answer": "The articles do not say.", "abstained": True, "confidence": None,
                             "confidence_words": "", "citations": []}, 0)
    assert "Confidence" not in abstained


def test_the_confidence_model_is_refitted_by_its_command(tmp_path) -> None:  # noqa: ANN001
    """scripts/fit_confidence.py on the answers it recorded (tests/data/confidence_rows.json.gz)
    gives the shipped decision.json again."""
    out = tmp_path / "decision.json"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "fit_confidence.py"), "--rows",
                           str(ROOT / "tests" / "data" / "confidence_rows.json.gz"), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    fitted, shipped = Decision.load(out), Decision.load(MODEL_DIR / "decision.json")
    for which in ("quote", "short"):
        assert getattr(fitted, which).names == getattr(shipped, which).names
        assert getattr(fitted, which).weights == pytest.approx(getattr(shipped, which).weights, abs=1e-6)
    assert fitted.about["figures"] == shipped.about["figures"]

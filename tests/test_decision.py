"""The learned answer decision, measured on the retrained reader and not shipped: its features, its
calibration metric, and its fit, which a command reproduces from the questions it recorded
(docs/evaluation.md, "A learned answer decision")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answer.decision import Decision, features, in_words, question_kind
from assistant.answer.proposal import propose
from assistant.eval.metrics import calibration_error, shown_right
from assistant.eval.data import Question

from .conftest import FOUNDING_QUESTION, ROOT

MEASURED = ROOT / "eval" / "decision.json"


def test_the_question_kind_and_the_reading_move_the_probabilities():
    assert question_kind("When did it start?", False) == "when"
    assert question_kind("How many ships sank?", False) == "number"
    assert question_kind("Did it sink?", True) == "yes_no"
    assert question_kind("What is the name of the ship?", False) == "what"
    decision = Decision.load(MEASURED)
    common = dict(yes_no=False, span_score=8.0, reading_top=5.0, reading_rank=0, scorer=0.6, scorer_second=0.5,
                  scorer_of_read=0.6, window="The pact was signed in 2010.", span="2010", names=[], unmatched=0)
    sure = features("When was the pact signed?", reading=8.0, **common)
    unsure = features("When was the pact signed?", reading=-6.0, **common)
    assert decision.probability("quote", sure) > decision.probability("quote", unsure)
    assert decision.probability("short", sure) > decision.probability("short", unsure)
    # A question naming what no passage mentions is abstained on before the decision (names.py), so
    # the decision is fitted on the others; a span that does not fit a "when" question counts against.
    misfit = features("When was the pact signed?", reading=8.0, **{**common, "span": "the pact"})
    assert decision.probability("short", misfit) < decision.probability("short", sure)


def test_confidence_in_words_and_the_calibration_error():
    assert in_words(0.95) == "very likely right (95%)"
    assert in_words(0.83) == "likely right (83%)"
    assert in_words(0.55) == "more likely right than wrong (55%)"
    assert in_words(0.3) == "uncertain (30%)"
    assert in_words(0.13) == "doubtful (13%)"
    assert calibration_error([(0.8, True), (0.8, False)]) == pytest.approx(0.3)
    assert calibration_error([(0.25, False), (0.25, True), (0.25, False), (0.25, False)]) == pytest.approx(0.0)
    q = Question("q", "When?", "T", ("in 2010",))
    assert shown_right("2010", "", q) and not shown_right("2011", "in 2010", q)
    assert shown_right("", "It began in 2010.", q) and not shown_right("", "x", Question("u", "When?", "T", ()))


def test_the_proposal_is_the_answer_the_decision_would_judge(shipped: Assistant):
    vector = shipped.embedder.embed([FOUNDING_QUESTION])[0]
    passages = shipped.retriever.search(FOUNDING_QUESTION, shipped.settings.k, None, vector)
    proposal = propose(shipped.answerer, FOUNDING_QUESTION, vector, passages)
    first = proposal.chosen[0]
    assert first.text[slice(*proposal.span)] == "2010" and "established a framework" in first.text
    assert proposal.features["kind_when"] == 1.0 and proposal.features["unmatched"] == 0.0
    assert set(proposal.features) == set(Decision.load(MEASURED).quote.names)


def test_the_measured_decision_is_refitted_by_its_command(tmp_path: Path):
    """scripts/fit_decision.py on the questions it recorded (tests/data/decision_rows.json.gz)
    gives eval/decision.json again: the same weights, threshold and figures."""
    out = tmp_path / "decision.json"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "fit_decision.py"), "--rows",
                           str(ROOT / "tests" / "data" / "decision_rows.json.gz"), "--max-wrong", "0.05",
                           "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    fitted, measured = json.loads(out.read_text()), json.loads(MEASURED.read_text())
    assert fitted["answer_above"] == measured["answer_above"]
    for model in ("quote", "short"):
        assert fitted[model]["names"] == measured[model]["names"]
        assert fitted[model]["weights"] == pytest.approx(measured[model]["weights"], abs=1e-6)
        assert fitted[model]["intercept"] == pytest.approx(measured[model]["intercept"], abs=1e-6)
    assert fitted["about"]["figures"] == measured["about"]["figures"]

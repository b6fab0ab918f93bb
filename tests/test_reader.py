"""The extractive reader: its training script end to end, and the shipped int8 model's answers."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answer.reader import Reader, Window, encode, open_tokenizer

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "japan-us-extended-deterrence.md"
FRAMEWORK = ("The two governments in 2010 established a framework for regular discussions on extended "
             "deterrence among working-level foreign and defense officials.")


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans as the project cuts them: Bling Fire, line by line."""
    import blingfire

    spans, at = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans += [(at + s, at + e) for s, e in blingfire.text_to_sentences_and_offsets(line)[1]]
        at += len(line) + 1
    return spans


def _window(sentence: str) -> Window:
    text = ARTICLE.read_text(encoding="utf-8")
    spans = _sentences(text)
    return Window.around(text, spans, next(i for i, (s, e) in enumerate(spans) if text[s:e] == sentence))


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader.load(threads=2)


def test_window_takes_neighbours_from_its_paragraph_only() -> None:
    window = _window(FRAMEWORK)
    assert window.text[window.centre_start:window.centre_end] == FRAMEWORK
    assert window.centre_start == 0  # the sentence before it ends the previous paragraph
    assert window.text.endswith("the joint document will include the views of both governments on implementing "
                                "deterrence effectively based on past discussions.")
    assert ARTICLE.read_text(encoding="utf-8")[window.offset:window.offset + len(window.text)] == window.text


def test_a_long_window_is_cut_around_its_centre_sentence(reader: Reader) -> None:
    filler = " ".join(["Nothing else happened that year."] * 30)
    text = f"{filler} The treaty was signed in 1921. {filler}"
    start = text.index("The treaty")
    window = Window(text, start, start + len("The treaty was signed in 1921."))
    encoded = encode(reader.tokenizer, "When was the treaty signed?", window, max_length=64)
    kept = [o for o in encoded.offsets if o is not None]
    assert len(encoded.ids) == 64
    assert kept[0][0] < window.centre_start and kept[-1][1] > window.centre_end
    assert reader.read("When was the treaty signed?", [window])[0].text == "1921"


def test_the_shipped_reader_answers_with_the_exact_span(reader: Reader) -> None:
    window = _window(FRAMEWORK)
    reading = reader.read("when was the dialogue framework set up?", [window])[0]
    assert reading.text == "2010"
    assert window.text[reading.start:reading.end] == "2010"
    assert reading.start == FRAMEWORK.index("2010")
    assert reading.answerable_score >= reader.threshold
    assert reader.answer("when was the dialogue framework set up?", [window]) == reading


def test_the_shipped_reader_abstains_when_the_window_does_not_answer(reader: Reader) -> None:
    window = _window(FRAMEWORK)
    reading = reader.read("What is the population of Tokyo?", [window])[0]
    assert reading.answerable_score < reader.threshold
    assert reader.answer("What is the population of Tokyo?", [window]) is None


def test_the_best_window_wins(reader: Reader) -> None:
    windows = [_window("They reportedly aim to compile the document before the end of the year."), _window(FRAMEWORK)]
    best = reader.answer("when was the dialogue framework set up?", windows)
    assert best is not None and best.window == 1 and best.text == "2010"


def _script(name: str):  # noqa: ANN202 - a module of scripts/
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_manual_windows_are_the_ones_the_assistant_reads_labelled_with_the_answer(shipped) -> None:
    rows = _script("reader_windows").windows(shipped, "when was the dialogue framework set up?", ["2010"], top=3)
    assert 1 <= len(rows) <= 4 and len({r["text"] for r in rows}) == len(rows)
    held = [r for r in rows if r["answer"]]
    assert held and all(r["text"][slice(*r["answer"])] == "2010" for r in held)
    assert any(FRAMEWORK in r["text"] for r in held)
    assert all(r["answer"] is None for r in rows if "2010" not in r["text"])


def test_training_script_runs_end_to_end_on_a_slice(tmp_path: Path) -> None:
    out = tmp_path / "model"
    extra = tmp_path / "manual_windows.jsonl"
    window = _window(FRAMEWORK)
    start = window.text.index("2010")
    extra.write_text("".join(json.dumps(row) + "\n" for row in [
        {"question": "When was the framework set up?", "text": window.text, "centre_start": window.centre_start,
         "centre_end": window.centre_end, "answer": [start, start + 4], "title": "t"},
        {"question": "Who won the match?", "text": window.text, "centre_start": window.centre_start,
         "centre_end": window.centre_end, "answer": None, "title": "t"}]))
    triples = _script("train_reader").extra_examples(extra)
    assert [(q, w.text[slice(*span)] if span else None) for q, w, span, _, _ in triples] == [
        ("When was the framework set up?", "2010"), ("Who won the match?", None)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    squad11 = ROOT / "tests" / "data" / "squad2" / "squad11-slice.json"  # the committed slice, not the full file
    runs, logs = {}, {}
    for name, more in (("plain", ["--no-torch-check"]), ("extra", ["--extra", str(extra)]),
                       ("resumed", ["--no-torch-check", "--max-steps", "3", "--work", str(tmp_path / "work-plain")]),
                       ("look-alikes", ["--no-torch-check", "--look-alikes", "1.0", "--hard-negatives"])):
        done = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "train_reader.py"), "--limit", "16", "--epochs", "1",
             "--max-steps", "2", "--save-steps", "1", "--squad11", str(squad11), "--out", str(out),
             "--work", str(tmp_path / f"work-{name}"), *more],
            capture_output=True, text=True, env=env, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        runs[name], logs[name] = json.loads((out / "reader.json").read_text()), done.stdout
    assert "resuming from" not in logs["plain"] and "checkpoint-2" in logs["resumed"]  # picks up where it stopped
    assert runs["extra"]["training"]["windows"] == runs["plain"]["training"]["windows"] + 2
    assert runs["look-alikes"]["training"]["windows"] > runs["plain"]["training"]["windows"]  # a look-alike per question
    assert "manual_windows.jsonl" in runs["extra"]["data"] and "manual_windows" not in runs["plain"]["data"]
    config = runs["extra"]
    assert config["split"]["test"]["squad2-dev16.json"][0] == "Normans"
    assert {"threshold", "centre_only", "figures", "max_seq_length"} <= config.keys()
    assert config["figures"]["test"]["questions"] == 16
    fresh = Reader.load(out, threads=1)
    window = _window(FRAMEWORK)
    reading = fresh.read("when was the dialogue framework set up?", [window])[0]
    assert window.text[reading.start:reading.end] == reading.text != ""
    assert open_tokenizer(out).token_to_id("[CLS]") == 101


def test_unanswerable_look_alikes_swap_what_the_question_asks_about() -> None:
    """scripts/unanswerable.py: a copy of an answerable question that its paragraph does not answer."""
    import random

    look_alike = _script("unanswerable").look_alike
    paragraph = "The Normans conquered England in 1066. Their duchy grew under Rollo's heirs after 1035, with 5 castles."
    made = {look_alike("In what year did the Normans conquer England?", paragraph, random.Random(seed))
            for seed in range(40)}  # a name for another of the paragraph ("The", "Their" open sentences: not names)
    assert made == {"In what year did the Rollo's conquer England?", "In what year did the Normans conquer Rollo's?"}
    years = {look_alike("What happened in 1066?", paragraph, random.Random(seed)) for seed in range(20)}
    assert years == {"What happened in 1035?"}  # a year for another year of the paragraph, never a count
    assert look_alike("Who was the first ruler?", "Nothing here.", random.Random(1)) == "Who was the last ruler?"
    assert look_alike("What comedian was a host?", "No names.", random.Random(1)) == "What comedian was not a host?"
    assert look_alike("Why?", "No names.", random.Random(1)) is None
    rows = [(q, w, span, weight) for q, w, span, weight, _ in _script("train_reader").examples(
        [{"question": "In what year did the Normans conquer England?", "title": "Normans", "context": paragraph,
          "spans": [(0, 38), (39, len(paragraph))], "windows": [_window_of(paragraph, 0), _window_of(paragraph, 1)],
          "article": [[_window_of(paragraph, 0), _window_of(paragraph, 1)]], "gold": [(33, 37)], "plausible": [],
          "answers": ["1066"]}],
        argparse.Namespace(negatives=0, article_negatives=0, hard_negatives=False, look_alikes=1.0,
                           look_alike_weight=1.0, unanswerable_negatives=2, unanswerable_weight=3.0), random.Random(3))]
    assert [(q == "In what year did the Normans conquer England?", span) for q, _, span, _ in rows] == [(True, (33, 37)),
                                                                                                     (False, None)]
    assert rows[0][1] is rows[1][1]  # the look-alike is read on the very window that answers the original


def _window_of(text: str, i: int) -> Window:
    spans = [(0, 38), (39, len(text))]
    return Window.around(text, spans, i)

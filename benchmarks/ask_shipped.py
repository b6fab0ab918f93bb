"""Median and p95 latency of `Assistant.ask` on the shipped corpus, after warm-up.

Run: .venv/bin/python benchmarks/ask_shipped.py [--runs 50]
Uses a fresh temporary index built from corpus/ and loads the model once. Each question is asked
three ways: sentence vectors cached in the answerer (a repeated question), read from the store
(a fresh question: the vectors were computed at ingest), and computed now (the store's vectors
ignored: what a fresh question cost before they were stored).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from assistant import Assistant, Settings

QUESTIONS = [
    "when was the dialogue framework set up?",
    "Where will the foreign and defense ministers hold talks?",
    "What will the joint document include?",
    "Which team won the football league last season?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        assistant = Assistant.from_settings(Settings(index_dir=Path(tmp), corpus_dir=root / "corpus", progress=False))
        assistant.ensure_index()
        first = time.perf_counter() - started
        for q in QUESTIONS:  # warm-up: lexical index load, first inference
            assistant.ask(q)
        store = assistant.answerer.store
        runs: dict[str, list[float]] = {"cached": [], "stored": [], "computed": []}
        for i in range(args.runs):
            for label in ("stored", "cached", "computed"):
                if label != "cached":
                    assistant.answerer._cache.clear()
                assistant.answerer.store = None if label == "computed" else store
                t = time.perf_counter()
                assistant.ask(QUESTIONS[i % len(QUESTIONS)])
                runs[label].append((time.perf_counter() - t) * 1000)
            assistant.answerer.store = store
    print(f"model load + first ingest: {first:.1f} s")
    for label, times in runs.items():
        times.sort()
        print(f"ask, sentence vectors {label}, {args.runs} runs: median {statistics.median(times):.1f} ms, "
              f"p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms")


if __name__ == "__main__":
    main()

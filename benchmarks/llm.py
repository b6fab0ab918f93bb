"""Time to first token and tokens per second of a language model answering from the articles.

Runs the full path (retrieve, grounded prompt, streamed generation, citation check) over the
shipped corpus for a few questions, and reports per question: time to first token (from the
start of generation, so the prompt's evaluation is included), the number of streamed pieces
(tokens, for llama.cpp) and pieces per second after the first, and whether the answer was
verified or fell back to quoting.

Run: .venv/bin/python benchmarks/llm.py [--answerer smollm2] [--base-url URL] [--repeat 2]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from assistant import Assistant, Settings

QUESTIONS = [
    "when was the dialogue framework set up?",
    "What will the joint document include?",
    "Who will hold talks in Tokyo later this month?",
]


def measure(assistant: Assistant, question: str) -> dict[str, float | str]:
    started = time.perf_counter()
    stamps: list[float] = []
    for event in assistant.stream(question):
        if event.kind == "delta":
            stamps.append(time.perf_counter())
        elif event.kind == "done":
            answer = event.answer
    gen_start = started + (answer.timings_ms["embed"] + answer.timings_ms["retrieve"]) / 1000.0
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    return {"ttft_s": stamps[0] - gen_start if stamps else float("nan"), "tokens": len(stamps),
            "tokens_per_s": rate, "result": "fallback" if answer.fallback else "verified"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answerer", default="smollm2")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="llm-bench-"))
    try:
        shutil.copytree(Path(__file__).resolve().parents[1] / "corpus", root / "corpus")
        settings = Settings(index_dir=root / "index", corpus_dir=root / "corpus", progress=False,
                            answerer=args.answerer, llm_base_url=args.base_url, timeout_s=300)
        assistant = Assistant.from_settings(settings)
        assistant.ingest()
        load = time.perf_counter()
        assistant.ask("warm up: load the model")  # the first call loads the model; not measured
        print(f"model load + first answer: {time.perf_counter() - load:.1f} s")
        rows = [measure(assistant, q) for _ in range(args.repeat) for q in QUESTIONS]
        for q, row in zip(QUESTIONS * args.repeat, rows):
            print(f"{row['ttft_s']:6.2f} s to first token  {row['tokens']:4} tokens  "
                  f"{row['tokens_per_s']:6.1f} tokens/s  {row['result']:8}  {q}")
        print(f"median: {statistics.median(r['ttft_s'] for r in rows):.2f} s to first token, "
              f"{statistics.median(r['tokens_per_s'] for r in rows):.1f} tokens/s over {len(rows)} answers")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

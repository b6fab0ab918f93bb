"""Ask question sets against a persistent index and print the figures docs/evaluation.md reports.

``assistant eval`` builds a fresh index per run; a manual of 10,000 chunks takes ten minutes to
ingest, so the manual question sets are asked here against one index built once:

    .venv/bin/python eval/question_sets.py --index /tmp/pg-index --corpus /usr/share/doc/postgresql-doc-15/html \\
        tests/data/pg_manual_qa_written.jsonl tests/data/pg_manual_unanswerable.jsonl

The index is built from ``--corpus`` when empty. Each question goes through
``assistant.eval.evaluate.ask_one``, as ``assistant eval`` asks it, so the figures are the same
ones (answer accuracy, wrong abstention, abstention, SQuAD F1, confidence calibration error). The
script uses only what earlier versions of the package also have, so an older checkout can be
measured on the same index (run it from that checkout's directory).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, os.getcwd())  # the checkout run from, not necessarily this one

from assistant import Assistant, Settings  # noqa: E402
from assistant.eval.data import load_dataset  # noqa: E402
from assistant.eval.evaluate import ask_one  # noqa: E402
from assistant.eval.metrics import summarise  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", type=Path, nargs="+", help="JSONL question sets")
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True, help="the articles the sets ask about")
    parser.add_argument("--reader", default="shipped")
    parser.add_argument("--json", type=Path, help="write per-question rows here")
    args = parser.parse_args()
    settings = Settings(index_dir=args.index, corpus_dir=args.corpus, reader=args.reader, progress=False)
    assistant = Assistant.from_settings(settings)
    began = time.perf_counter()
    assistant.ensure_index()
    print(f"index ready ({time.perf_counter() - began:.0f} s)", file=sys.stderr, flush=True)
    report, rows = {}, []
    for path in args.datasets:
        dataset = load_dataset(path)
        outcomes = []
        for question in dataset.questions:
            outcome, text = ask_one(assistant, question)
            outcomes.append(outcome)
            rows.append({"set": path.name, "question": question.question, "abstained": outcome.abstained,
                         "correct": outcome.correct, "answer": text,
                         "confidence": getattr(outcome, "confidence", None)})
        figures = summarise(outcomes)
        keep = ("questions", "answer_accuracy", "wrong_abstention", "abstention", "citation_precision",
                "confidence_ece", "ask_p50_ms")
        report[path.name] = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in figures.items() if k in keep}
        print(path.name, json.dumps(report[path.name]), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"figures": report, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()

"""Measure the assistant on dated news: factoid, unanswerable, changing facts and timelines.

Asks every question of the development sets against one persistent index of the news archive
(built from ``--corpus`` when empty) and prints the figures docs/evaluation.md reports:

* factoid accuracy: the answer (its short answer, else its quotes) holds a gold answer;
* abstention: the share of unanswerable questions abstained on;
* changing facts: the value that held at the asked date is in the answer's *first claim* (the
  short answer when shown, else the first quote);
* timeline date F1: a predicted entry's date matches a gold event date within one day (precision
  over the predicted dates, recall over the gold dates, F1 per story, then the mean).

    .venv/bin/python eval/news_eval.py --index /tmp/news-index --corpus corpus-news/ \\
        --factoid tests/data/news/news_factoid.jsonl --unanswerable tests/data/news/news_unanswerable.jsonl \\
        --changing tests/data/news/news_changing.jsonl tests/data/news/fomc_changing.jsonl \\
        --timelines tests/data/news/timelines_dev.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import string
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, os.getcwd())

from assistant import Assistant, Settings  # noqa: E402


def normal(text: str) -> str:
    text = "".join(" " if ch in string.punctuation and ch not in "/-." else ch for ch in text.lower())
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def holds(text: str, golds: list[str]) -> bool:
    said = f" {normal(text)} "
    return any(f" {normal(g)} " in said or normal(g) in said for g in golds if normal(g))


def first_claim(answer: dict) -> str:
    if answer["short_answer"]:
        return answer["short_answer"]
    return answer["citations"][0]["quote"] if answer["citations"] else ""


def whole(answer: dict) -> str:
    return " ".join([answer["short_answer"], *(c["quote"] for c in answer["citations"])])


def date_f1(predicted: list[str], gold: list[str]) -> float:
    """F1 of predicted dates against gold dates, a match within one day.

    Example: ``date_f1(["2020-08-22"], ["2020-08-21", "2020-09-05"])`` -> ``0.667`` (rounded)
    """
    p = {date.fromisoformat(d[:10]) for d in predicted}
    g = {date.fromisoformat(d[:10]) for d in gold}
    if not p or not g:
        return 0.0
    precision = sum(any(abs((x - y).days) <= 1 for y in g) for x in p) / len(p)
    recall = sum(any(abs((x - y).days) <= 1 for x in p) for y in g) / len(g)
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--factoid", type=Path, nargs="*", default=[])
    parser.add_argument("--unanswerable", type=Path, nargs="*", default=[])
    parser.add_argument("--changing", type=Path, nargs="*", default=[])
    parser.add_argument("--timelines", type=Path, nargs="*", default=[], help="JSON: [{question, dates}]")
    parser.add_argument("--rows", type=Path, help="write every question's outcome here (JSONL)")
    args = parser.parse_args()
    assistant = Assistant.from_settings(Settings.from_env(index_dir=args.index, corpus_dir=args.corpus, progress=False))
    began = time.perf_counter()
    assistant.ensure_index()
    print(f"index ready ({time.perf_counter() - began:.0f} s)", file=sys.stderr, flush=True)
    rows, figures = [], {}

    def ask(kind: str, q: dict) -> dict:
        began = time.perf_counter()
        answer = assistant.ask(q["question"], groups="*").to_dict()
        row = {"kind": kind, "id": q.get("id", ""), "question": q["question"], "abstained": answer["abstained"],
               "first_claim": first_claim(answer), "ms": round((time.perf_counter() - began) * 1000, 1),
               "cited": [(c["published"][:10], c["article_id"]) for c in answer["citations"][:3]]}
        rows.append(row)
        return {**answer, "row": row}

    factoid = [q for p in args.factoid for q in read(p)]
    if factoid:
        right = [holds(whole(a := ask("factoid", q)), q["answers"]) and not a["abstained"] for q in factoid]
        figures["factoid_accuracy"] = round(statistics.fmean(right), 3)
        figures["factoid_n"] = len(right)
    unanswerable = [q for p in args.unanswerable for q in read(p)]
    if unanswerable:
        figures["abstention"] = round(statistics.fmean(ask("unanswerable", q)["abstained"] for q in unanswerable), 3)
        figures["unanswerable_n"] = len(unanswerable)
    changing = [q for p in args.changing for q in read(p)]
    if changing:
        outcomes = []
        for q in changing:
            answer = ask("changing", q)
            ok = not answer["abstained"] and holds(first_claim(answer), q["answers"])
            answer["row"].update(right=ok, gold=q["answers"], as_of=q.get("as_of"))
            outcomes.append(ok)
        figures["changing_accuracy"] = round(statistics.fmean(outcomes), 3)
        figures["changing_n"] = len(outcomes)
    stories = [s for p in args.timelines for s in json.loads(p.read_text(encoding="utf-8"))]
    if stories:
        scores = []
        for story in stories:
            answer = ask("timeline", story)
            predicted = [e["date"] for e in answer.get("timeline", [])]  # none before timelines existed
            scores.append(date_f1(predicted, story["dates"]))
            answer["row"].update(f1=round(scores[-1], 3), predicted=len(predicted), gold=len(set(story["dates"])))
        figures["timeline_date_f1"] = round(statistics.fmean(scores), 3)
        figures["timeline_n"] = len(scores)
    for kind in ("factoid", "unanswerable", "changing", "timeline"):
        times = sorted(r["ms"] for r in rows if r["kind"] == kind)
        if times:
            figures[f"{kind}_ask_ms_p50"] = round(statistics.median(times), 1)
            figures[f"{kind}_ask_ms_p95"] = round(times[min(len(times) - 1, int(0.95 * len(times)))], 1)
    if args.rows:
        args.rows.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()

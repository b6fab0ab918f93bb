"""Fit the confidence of the shipped answers (``Answer.confidence``) on articles the reader never saw.

One command writes ``decision.json`` beside the reader, where ``Reader.load`` finds it:

    .venv/bin/python scripts/fit_confidence.py --rows tests/data/confidence_rows.json.gz \\
        --plot docs/evaluation/reliability.png       # records the questions once (minutes), then refits in seconds

Steps: ingest the 16 SQuAD 2.0 dev articles (tests/data/squad2/squad2-dev16.json) into a temporary
index, as ``assistant eval`` does; ask every question of the reader's *calibration* articles and
*test* articles (its reader.json split) through ``Assistant.ask``, exactly as a user would; record,
for each answer given, the numbers ``confidence.answer_confidence`` reads (decision.py,
``features``) and whether what the answer shows first is right: its short answer when it shows
one, else its first quote (``assistant.eval.metrics.shown_right``). Fit two logistic regressions on
the calibration articles (scikit-learn, fixed solver, so the fit is deterministic): one for
answers with a short answer, one for answers without; report their calibration error on the test
articles, with a reliability plot. The answer path itself (answer or abstain, show the phrase or
not) is unchanged: the confidence says how far to trust what it shows.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from fit_decision import choose_c, fit, plot, record_parts, save_rows  # noqa: E402 (scripts/fit_decision.py)
from assistant import Assistant, Settings  # noqa: E402
from assistant.answer.decision import Decision  # noqa: E402
from assistant.answer.reader import MODEL_DIR  # noqa: E402
from assistant.eval.data import load_dataset  # noqa: E402
from assistant.eval.metrics import calibration_error, reliability, shown_right  # noqa: E402

DATASET = ROOT / "tests" / "data" / "squad2" / "squad2-dev16.json"


def record(assistant: Assistant, question) -> dict:  # noqa: ANN001 - an eval Question
    """One question as a user asks it: whether it was answered, and if so the confidence's inputs and
    whether the first thing shown is right."""
    answer = assistant.ask(question.question)
    row = {"question": question.question, "title": question.title, "answerable": question.answerable,
           "abstained": answer.abstained}
    if answer.abstained or not answer.confidence_features:
        return {**row, "features": None}
    first = answer.citations[0].quote
    return {**row, "features": answer.confidence_features, "short": answer.short_answer,
            "quote_right": shown_right("", first, question),
            "short_right": bool(answer.short_answer) and shown_right(answer.short_answer, first, question)}


def measure(rows: list[dict], decision: Decision) -> dict:
    """Calibration error and reliability of the confidence over the answers given."""
    pairs = []
    for r in rows:
        if r["features"] is None:
            continue
        which = "short" if r["short"] else "quote"
        pairs.append((decision.probability(which, r["features"]), bool(r[f"{which}_right"])))
    right = sum(ok for _, ok in pairs)
    return {"answers": len(pairs), "right": right, "mean_confidence": round(sum(p for p, _ in pairs) / max(1, len(pairs)), 3),
            "share_right": round(right / max(1, len(pairs)), 3), "confidence_ece": round(calibration_error(pairs) or 0.0, 3),
            "reliability": reliability(pairs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reader", type=Path, default=MODEL_DIR, help="the reader model directory")
    parser.add_argument("--out", type=Path, default=None, help="file to write (default: decision.json in --reader)")
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--limit", type=int, default=0, help="only N questions of each part (a quick check)")
    parser.add_argument("--rows", type=Path, default=None, help="record per question to this JSON (or reuse it)")
    parser.add_argument("--plot", type=Path, default=None, help="write the reliability diagram (PNG)")
    args = parser.parse_args()
    began = time.perf_counter()
    if args.rows and args.rows.exists():
        rows = json.loads(gzip.decompress(args.rows.read_bytes()) if args.rows.suffix == ".gz" else args.rows.read_text())
    else:
        split = json.loads((args.reader / "reader.json").read_text())["split"]
        parts = {part: split[part]["squad2-dev16.json"] for part in ("calibration", "test")}
        dataset = load_dataset(args.dataset)
        settings = Settings(index_dir=Path("index"), corpus_dir=Path("corpus"), reader=str(args.reader), progress=False)
        rows = record_parts(settings, dataset, parts, record, args.limit, began)
        if args.rows:
            save_rows(rows, args.rows)
    answered = [r for r in rows["calibration"] if r["features"] is not None]
    names = sorted(answered[0]["features"])
    c = choose_c(answered, names)
    quote = fit([r for r in answered if not r["short"]], "quote_right", names, c)
    short = fit([r for r in answered if r["short"]], "short_right", names, c)
    decision = Decision(quote, short, 0.0)
    figures = {part: measure(rows[part], decision) for part in rows}
    about = {"what": "the confidence of the answers the assistant gives: 'quote' for answers without a short answer, "
                     "'short' for answers with one; answer_above is not used (the answer path decides)",
             "fitted_on": {"articles": sorted({r["title"] for r in rows["calibration"]}), "questions": len(rows["calibration"])},
             "measured_on": {"articles": sorted({r["title"] for r in rows["test"]}), "questions": len(rows["test"])},
             "c": c, "command": "scripts/fit_confidence.py " + " ".join(sys.argv[1:]), "seconds": round(time.perf_counter() - began),
             "figures": {part: {k: v for k, v in f.items() if k != "reliability"} for part, f in figures.items()}}
    Decision(quote, short, 0.0, about=about).save(args.out or args.reader / "decision.json")
    if args.plot:
        plot({"test articles (unseen by the fit)": figures["test"], "calibration articles (fitted on)": figures["calibration"]},
             args.plot)
    print(json.dumps(about, indent=1))


if __name__ == "__main__":
    main()

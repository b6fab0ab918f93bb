"""The reader's no-answer threshold and the number of sentences it reads, calibrated end to end.

The reader's own calibration (scripts/train_reader.py) reads each question's gold paragraph. Here
each question goes through the real question path instead: the whole index of SQuAD articles is
searched, the extractive scorer ranks the candidate sentences, and the reader reads the best
``top`` of them. Every reading is recorded once per question, then every threshold is replayed,
so a grid costs one pass. Run it on the calibration articles, never the test ones:

    .venv/bin/python eval/calibrate_reader.py --articles Scottish_Parliament,Islamism --top 4,6,8

For each ``top`` it prints the threshold with the best SQuAD 2.0 F1 among those that wrongly
abstain on at most each ``--max-wrong`` cap (default 0.10) of the answerable questions, with abstention,
wrong abstention, F1 and exact match, as a Markdown table (pasted into docs/evaluation.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.eval.data import load_dataset  # noqa: E402
from assistant.eval.evaluate import build_index  # noqa: E402
from assistant.eval.metrics import squad_scores  # noqa: E402

DATASET = ROOT / "tests" / "data" / "squad2" / "squad2-dev16.json"


def readings(assistant: Assistant, question: str, top: int) -> tuple[list[tuple[float, str]], float, str, bool]:
    """The reader's (score, span) for each of the ``top`` best-scored sentences, in the scorer's
    order, the scorer's best sentence score and text, and whether the question names something
    no retrieved passage mentions (the answerer abstains then, whatever the reader says)."""
    answerer = assistant.answerer
    vector = assistant.embedder.embed([question])[0]
    passages = assistant.retriever.search(question, assistant.settings.k, None, vector)
    scored = answerer.score(question, vector, passages)
    if not scored:
        return [], float("-inf"), "", False
    from assistant.answer.reading import window_of

    candidates = [c for _, c in scored[:top]]
    found = answerer.reader.read(question, [window_of(c) for c in candidates])
    unmatched = bool(answerer.unmatched_names(question, passages))
    return [(r.answerable_score, r.text) for r in found], scored[0][0], scored[0][1].text, unmatched


def replay(rows: list[tuple], threshold: float, floor: float, trust: float = float("inf")) -> dict[str, float]:
    """The figures if the assistant answered as it does (the first sentence, in the scorer's order,
    whose reading scores at least ``threshold``) and abstained when none does or the best sentence
    scores below ``floor`` or the question names something the passages never mention; except that
    a best sentence scoring at least ``trust`` is quoted (with no short answer) even when no
    reading clears the threshold."""
    f1s, ems, abstain_u, abstain_a = [], [], [], []
    for question, found, first, sentence, unmatched in rows:
        span = next((text for score, text in found if score >= threshold and text.strip()), None)
        if span is None and first >= trust:
            span = sentence
        abstained = span is None or first < floor or unmatched
        exact, f1 = squad_scores("" if abstained else span, question)
        f1s.append(f1)
        ems.append(exact)
        (abstain_a if question.answerable else abstain_u).append(abstained)
    return {"f1": sum(f1s) / len(f1s), "em": sum(ems) / len(ems),
            "abstention": sum(abstain_u) / max(1, len(abstain_u)),
            "wrong": sum(abstain_a) / max(1, len(abstain_a))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--articles", required=True, help="comma-separated titles (calibration articles)")
    parser.add_argument("--top", default="4,6,8", help="sentences read per question, comma-separated")
    parser.add_argument("--max-wrong", default="0.10", help="caps on wrong abstention, comma-separated")
    parser.add_argument("--trust", default="inf",
                        help="scorer levels above which the best sentence is quoted whatever the reader says, comma-separated")
    parser.add_argument("--reader", default="shipped", help="'shipped' or a reader model directory")
    parser.add_argument("--index", type=Path, help="build (or reuse) the index here, not in a temporary directory")
    args = parser.parse_args()
    data = load_dataset(args.dataset).only(args.articles.split(","))
    tops = [int(t) for t in args.top.split(",")]
    with tempfile.TemporaryDirectory(prefix="calibrate-") as tmp:
        settings = Settings(index_dir=args.index or Path(tmp) / "index", progress=False, reader=args.reader)
        assistant = Assistant.from_settings(settings)
        build_index(assistant, data, Path(tmp))
        floor = settings.abstain_below
        print(f"{len(data.questions)} questions about {args.articles}; scorer floor abstain_below={floor}\n")
        print("| sentences read | wrong abstention cap | threshold | trust scorer above | abstention | wrong abstention | SQuAD 2.0 F1 | exact match |")
        print("|---|---|---|---|---|---|---|---|")
        trusts = [float(t) for t in args.trust.split(",")]
        for top in tops:
            rows = [(q, *readings(assistant, q.question, top)) for q in data.questions]
            grid = sorted({round(score, 1) for _, found, *_ in rows for score, _ in found if score > float("-inf")})
            replayed = [((t, o), replay(rows, t, floor, o)) for t in grid for o in trusts]
            for cap in (float(c) for c in args.max_wrong.split(",")):
                allowed = [(t, f) for t, f in replayed if f["wrong"] <= cap] or replayed[:1]
                (t, o), f = max(allowed, key=lambda item: item[1]["f1"])
                print(f"| {top} | {cap:.2f} | {t:.1f} | {o} | {f['abstention']:.3f} | {f['wrong']:.3f} | {f['f1']:.3f} | {f['em']:.3f} |")


if __name__ == "__main__":
    main()

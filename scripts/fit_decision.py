"""Fit the answer decision (assistant/answer/decision.py) on articles the reader never saw, and measure it.

One command, after scripts/train_reader.py, writes the fitted decision and its figures beside the
reader (``decision.json`` in ``--reader``, where ``Reader.load`` finds it):

    .venv/bin/python scripts/fit_decision.py --reader assistant/answer/reader_model \
        --rows tests/data/decision_rows.json.gz --max-wrong 0.05 --plot docs/evaluation/reliability.png
    .venv/bin/python scripts/fit_decision.py --rows tests/data/decision_rows.json.gz --max-wrong 0.05 \
        --out /tmp/decision.json   # refit from the recorded questions: seconds

Steps: ingest the 16 SQuAD 2.0 dev articles (tests/data/squad2/squad2-dev16.json) into a temporary
index, as ``assistant eval`` does; ask every question of the reader's *calibration* articles (its
reader.json split) and *test* articles through the real question path up to the decision
(``assistant.answer.proposal.propose``: retrieval over all 16 articles, the sentence scorer, the reader);
record each proposal's features and whether its first quote holds a gold answer and whether its
short answer is right (``assistant.eval.metrics.shown_right``). Fit one logistic regression per
target on the calibration articles (scikit-learn, fixed solver: the fit is deterministic), pick
``answer_above`` there (the best SQuAD 2.0 F1 among the thresholds that abstain on at most
``--max-wrong`` of the answerable questions), and report on the test articles: F1, abstention,
accuracy and the calibration error of the confidence, with a reliability plot
(``--plot``). Everything fitted and measured lands in decision.json's ``about``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.answer.decision import Decision, Model  # noqa: E402
from assistant.answer.extractive import asks_yes_no  # noqa: E402
from assistant.answer.proposal import propose  # noqa: E402
from assistant.answer.reader import MODEL_DIR, Reader  # noqa: E402
from assistant.eval.data import load_dataset  # noqa: E402
from assistant.eval.evaluate import build_index  # noqa: E402
from assistant.eval.metrics import calibration_error, contains_answer, reliability, shown_right, squad_scores  # noqa: E402

DATASET = ROOT / "tests" / "data" / "squad2" / "squad2-dev16.json"


def record(assistant: Assistant, question) -> dict:  # noqa: ANN001 - an eval Question
    """One question up to the decision: its features, and what each possible answer would score."""
    answerer = assistant.answerer
    vector = assistant.embedder.embed([question.question])[0]
    passages = assistant.retriever.search(question.question, assistant.settings.k, None, vector)
    proposal = propose(answerer, question.question, vector, passages)
    row = {"question": question.question, "title": question.title, "answerable": question.answerable}
    if proposal is None:
        return {**row, "features": None}
    first = proposal.chosen[0].text
    short = first[proposal.span[0]:proposal.span[1]] if proposal.span else ""
    if asks_yes_no(question.question):
        short = ""  # never shown: a phrase is not a yes or a no
    text = " ".join(c.text for c in proposal.chosen)
    return {**row, "features": proposal.features, "short": short,
            "quote_right": shown_right("", first, question), "short_right": bool(short) and shown_right(short, first, question),
            "f1_short": squad_scores(short, question)[1] if short else 0.0,
            "f1_text": squad_scores(text, question)[1], "correct": question.answerable and contains_answer(text, question.answers),
            "scorer_first_right": shown_right("", proposal.scored[0][1].text, question)}


def record_parts(settings: Settings, dataset, parts: dict[str, list[str]], record, limit: int, began: float,  # noqa: ANN001
                 reader: Reader | None = None) -> dict[str, list[dict]]:
    """Index ``dataset`` in a temporary directory and ``record`` every question of each part's
    articles (at most ``limit`` per part, spread evenly, when set); ``reader`` replaces the
    settings' reader (a model with no fitted decision yet)."""
    rows = {}
    with tempfile.TemporaryDirectory(prefix="fit-") as tmp:
        assistant = Assistant.from_settings(settings.replace(index_dir=Path(tmp) / "index", corpus_dir=Path(tmp) / "corpus"))
        if reader is not None:
            assistant.answerer.reader = reader
        build_index(assistant, dataset, Path(tmp))
        for part, titles in parts.items():
            qs = [q for q in dataset.questions if q.title and q.title.replace(" ", "_") in titles]
            if limit:
                qs = qs[:: max(1, len(qs) // limit)][:limit]
            rows[part] = [record(assistant, q) for q in qs]
            print(f"{part}: {len(rows[part])} questions recorded ({time.perf_counter() - began:.0f} s)", flush=True)
    return rows


def save_rows(rows: dict[str, list[dict]], path: Path) -> None:
    """The recorded rows as JSON, gzipped (byte for byte reproducible) when ``path`` ends in .gz."""
    text = json.dumps(rows, separators=(",", ":"))
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode(), mtime=0))
    else:
        path.write_text(text)


def fit(rows: list[dict], target: str, names: list[str], c: float) -> Model:
    """A logistic regression of ``target`` on ``names``, standardised; rows without features are left out."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[r["features"][n] for n in names] for r in rows])
    y = np.array([bool(r[target]) for r in rows])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000, solver="lbfgs").fit((x - mean) / scale, y)
    return Model(tuple(names), tuple(float(v) for v in mean), tuple(float(v) for v in scale),
                 tuple(float(v) for v in model.coef_[0]), float(model.intercept_[0]))


def choose_c(rows: list[dict], names: list[str], grid: tuple[float, ...] = (0.01, 0.1, 1.0)) -> float:
    """The regularisation with the lowest log loss of ``quote`` over the calibration articles, each
    predicted by a fit on the others (articles differ more than questions do; this is what a new
    article meets)."""
    import math

    titles = sorted({r["title"] for r in rows})
    best = (float("inf"), grid[0])
    for c in grid:
        loss = 0.0
        for title in titles:
            model = fit([r for r in rows if r["title"] != title], "quote_right", names, c)
            for r in rows:
                if r["title"] == title:
                    p = min(1 - 1e-6, max(1e-6, model.probability(r["features"])))
                    loss -= math.log(p if r["quote_right"] else 1 - p)
        best = min(best, (loss, c))
    return best[1]


def replay(rows: list[dict], decision: Decision, names_rule: bool = True) -> dict:
    """The figures of the assistant deciding as ``decision`` does, per question as recorded.

    ``names_rule``: abstain first, whatever the decision says, when the question names something
    no retrieved passage mentions, as the assistant does (names.py; False: the decision alone)."""
    f1s, abstained_u, abstained_a, correct, pairs, shown = [], [], [], [], [], []
    for r in rows:
        if r["features"] is None:
            abstain, p_quote = True, 0.0
        else:
            p_quote = decision.probability("quote", r["features"])
            abstain = p_quote < decision.answer_above or (names_rule and r["features"]["unmatched"] > 0)
        if abstain:
            f1s.append(0.0 if r["answerable"] else 1.0)
        else:
            p_short = decision.probability("short", r["features"])
            show = bool(r["short"]) and p_short > decision.short_above
            shown.append(show)
            f1s.append(r["f1_short"] if show else r["f1_text"])
            pairs.append((p_short, r["short_right"]) if show else (p_quote, r["quote_right"]))
        (abstained_a if r["answerable"] else abstained_u).append(abstain)
        if r["answerable"]:
            correct.append(not abstain and r["correct"])
    share = lambda xs: round(sum(xs) / len(xs), 3) if xs else None  # noqa: E731
    return {"questions": len(rows), "squad_f1": share(f1s), "abstention": share(abstained_u),
            "wrong_abstention": share(abstained_a), "answer_accuracy": share(correct),
            "short_answers_shown": share(shown), "confidence_ece": round(calibration_error(pairs) or 0.0, 3),
            "reliability": reliability(pairs)}


def pick_threshold(rows: list[dict], quote: Model, short: Model, max_wrong: float) -> float:
    """The ``answer_above`` with the best F1 among those abstaining on at most ``max_wrong`` of answerable ones."""
    best = (-1.0, 0.0)
    for step in range(0, 100):
        t = step / 100
        figures = replay(rows, Decision(quote, short, t))  # as the assistant answers: the names rule first
        if figures["wrong_abstention"] <= max_wrong and figures["squad_f1"] > best[0]:
            best = (figures["squad_f1"], t)
    return best[1]


def plot(figures: dict, path: Path) -> None:
    """The reliability diagram: per confidence bin, the share right against the mean confidence."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.6, 4.2), dpi=110)
    ax.plot([0, 1], [0, 1], color="#999", linestyle="--", linewidth=1, label="perfectly calibrated")
    for name, fig_ in figures.items():
        bins = fig_["reliability"]
        ax.plot([b["confidence"] for b in bins], [b["right"] for b in bins], marker="o",
                label=f"{name} (ECE {fig_['confidence_ece']:.3f})")
        for b in bins:
            ax.annotate(str(b["count"]), (b["confidence"], b["right"]), fontsize=6, xytext=(3, -8),
                        textcoords="offset points")
    ax.set_xlabel("confidence the answer gave")
    ax.set_ylabel("share of those answers that were right")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("Answer confidence on SQuAD articles the reader never saw", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reader", type=Path, default=MODEL_DIR, help="the reader model directory")
    parser.add_argument("--out", type=Path, default=None,
                        help="decision file to write (default: decision.json in --reader, where the reader loads it)")
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--limit", type=int, default=0, help="only N questions of each part (a quick check)")
    parser.add_argument("--max-wrong", type=float, default=0.10, help="most wrong abstention when picking answer_above")
    parser.add_argument("--c", type=float, default=0.0,
                        help="inverse regularisation strength of both fits (default: chosen by choose_c)")
    parser.add_argument("--rows", type=Path, default=None, help="record per question to this JSON (or reuse it)")
    parser.add_argument("--plot", type=Path, default=None, help="write the reliability diagram (PNG)")
    args = parser.parse_args()
    out = args.out or args.reader / "decision.json"
    began = time.perf_counter()
    if args.rows and args.rows.exists():
        rows = json.loads(gzip.decompress(args.rows.read_bytes()) if args.rows.suffix == ".gz" else args.rows.read_text())
        parts = {part: sorted({r["title"].replace(" ", "_") for r in rows[part]}) for part in rows}
    else:
        split = json.loads((args.reader / "reader.json").read_text())["split"]
        parts = {part: split[part]["squad2-dev16.json"] for part in ("calibration", "test")}
        dataset = load_dataset(args.dataset)
        settings = Settings(index_dir=Path("index"), corpus_dir=Path("corpus"), reader="off", progress=False)
        rows = record_parts(settings, dataset, parts, record, args.limit, began, reader=Reader.load(args.reader))
        if args.rows:
            save_rows(rows, args.rows)
    fit_rows = [r for r in rows["calibration"] if r["features"] is not None and not r["features"]["unmatched"]]
    names = sorted(fit_rows[0]["features"])
    c = args.c or choose_c(fit_rows, names)
    quote = fit(fit_rows, "quote_right", names, c)
    short = fit([r for r in fit_rows if r["short"]], "short_right", names, c)
    threshold = pick_threshold(rows["calibration"], quote, short, args.max_wrong)
    decision = Decision(quote, short, threshold)
    figures = {part: replay(rows[part], decision) for part in rows}
    first = {part: {"reader_sentence_first_right": round(sum(r["quote_right"] for r in rs if r["features"] and r["answerable"])
                                                          / max(1, sum(1 for r in rs if r["features"] and r["answerable"])), 3),
                    "scorer_sentence_first_right": round(sum(r["scorer_first_right"] for r in rs if r["features"] and r["answerable"])
                                                          / max(1, sum(1 for r in rs if r["features"] and r["answerable"])), 3)}
             for part, rs in rows.items()}
    about = {"fitted_on": {"articles": parts["calibration"], "questions": len(rows["calibration"])}, "c": c,
             "measured_on": {"articles": parts["test"], "questions": len(rows["test"])},
             "command": "scripts/fit_decision.py " + " ".join(sys.argv[1:]),
             "answer_above_chosen": f"the best SQuAD 2.0 F1 on the calibration articles among thresholds abstaining "
                             f"on at most {args.max_wrong} of their answerable questions",
             "figures": {part: {k: v for k, v in f.items() if k != "reliability"} for part, f in figures.items()},
             "first_quote": first, "seconds": round(time.perf_counter() - began),
             "without_the_names_rule": {part: {k: v for k, v in replay(rows[part], decision, False).items()
                                                if k != "reliability"} for part in rows}}
    Decision(quote, short, threshold, about=about).save(out)
    if args.plot:
        plot({"test articles (unseen by the fit)": figures["test"], "calibration articles (fitted on)": figures["calibration"]},
             args.plot)
    print(json.dumps({"answer_above": threshold, **about}, indent=1))


if __name__ == "__main__":
    main()

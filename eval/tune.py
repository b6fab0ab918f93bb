"""Grid searches behind the defaults in assistant/config.py and assistant/answer/extractive.py.

Two experiments, each printing one Markdown table (pasted into docs/evaluation.md):

    .venv/bin/python eval/tune.py retrieval --chunking 400/100,600/150,800/200 --candidates 30,60 --rrf-k 20,60
    .venv/bin/python eval/tune.py answer --lexical 0,0.2,0.35,0.5 --type 0,0.08,0.15 --margin 0.03,0.05

``retrieval`` re-ingests the dev set's articles once per chunking and scores hit@1/hit@5/MRR@10
for every (candidates, rrf_k). ``answer`` retrieves once with the current settings, scores every
candidate sentence's features once, then replays the answer rule for every weighting and picks
the abstention threshold the way the default was picked: the highest threshold that wrongly
abstains on at most 10% of the answerable questions.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Settings  # noqa: E402
from assistant.answer.extractive import _candidates, _wants  # noqa: E402
from assistant.answer.terms import terms as _terms  # noqa: E402
from assistant.assistant import Assistant  # noqa: E402
from assistant.index.embeddings import Embedder  # noqa: E402
from assistant.eval.data import load_dataset  # noqa: E402
from assistant.eval.metrics import contains_answer, first_hit  # noqa: E402
from assistant.eval.evaluate import build_index  # noqa: E402
from assistant.index.lexical import LexicalIndex  # noqa: E402
from assistant.answer.retrieve import Retriever  # noqa: E402
from assistant.index.store import Store  # noqa: E402

DATASET = ROOT / "tests" / "data" / "squad2" / "squad2-dev.json"


def make_assistant(tmp: Path, embedder: Embedder, **settings: object) -> Assistant:
    s = Settings(index_dir=tmp / "index", progress=False, **settings)
    return Assistant(s, Store.open(s.index_dir), embedder, LexicalIndex(s.index_dir / "lexical", 0.0))


def retrieval(args: argparse.Namespace, embedder: Embedder) -> None:
    data = load_dataset(args.dataset)
    answerable = [q for q in data.questions if q.answerable]
    vectors = embedder.embed([q.question for q in answerable])
    print("| chunk_chars/overlap | chunks | candidates | rrf_k | hit@1 | hit@5 | MRR@10 |\n|---|---|---|---|---|---|---|")
    for chunking in args.chunking.split(","):
        size, overlap = map(int, chunking.split("/"))
        with tempfile.TemporaryDirectory() as tmp:
            assistant = make_assistant(Path(tmp), embedder, chunk_chars=size, chunk_overlap_chars=overlap)
            build_index(assistant, data, Path(tmp))
            chunks = assistant.store.chunks.count()
            for cands, rrf_k in itertools.product(_ints(args.candidates), _ints(args.rrf_k)):
                retriever = Retriever(assistant.store, assistant.lexical, embedder, cands, rrf_k)
                ranks = []
                for q, v in zip(answerable, vectors):
                    found = retriever.search(q.question, 10, vector=v)
                    ranks.append(first_hit(q, [(p.chunk.title, p.chunk.start, p.chunk.end, p.chunk.text) for p in found]))
                h1 = sum(r == 1 for r in ranks) / len(ranks)
                h5 = sum(r is not None and r <= 5 for r in ranks) / len(ranks)
                mrr = sum(1 / r for r in ranks if r) / len(ranks)
                print(f"| {size}/{overlap} | {chunks} | {cands} | {rrf_k} | {h1:.3f} | {h5:.3f} | {mrr:.3f} |", flush=True)


def features(assistant: Assistant, data, k: int) -> list[tuple[object, list[tuple[float, float, float, bool, int]]]]:
    """Per question: every candidate sentence's (semantic, lexical, type, holds gold, length)."""
    out = []
    vectors = assistant.embedder.embed([q.question for q in data.questions])
    for q, v in zip(data.questions, vectors):
        passages = assistant.retriever.search(q.question, k, vector=v)
        cands = _candidates(passages, 16)
        sims = assistant.embedder.embed([c.text for c in cands]) @ v if cands else []
        terms, wants = _terms(q.question), _wants(q.question)
        rows = []
        for c, sim in zip(cands, sims):
            lex = len(terms & _terms(c.text)) / len(terms) if terms else 0.0
            typ = 1.0 if wants is not None and wants.search(c.text) else 0.0
            rows.append((float(sim), lex, typ, contains_answer(c.text, q.answers), len(c.text)))
        out.append((q, rows))
    return out


def answer(args: argparse.Namespace, embedder: Embedder) -> None:
    data = load_dataset(args.dataset)
    with tempfile.TemporaryDirectory() as tmp:
        assistant = make_assistant(Path(tmp), embedder, chunk_chars=args.chunk_chars,
                                   chunk_overlap_chars=args.overlap, candidates=args.candidates, rrf_k=args.rrf_k)
        build_index(assistant, data, Path(tmp))
        table = features(assistant, data, args.k)
    print("| lexical | type | margin | max_sentences | threshold | accuracy | median chars | abstention | wrong abstention |")
    print("|---|---|---|---|---|---|---|---|---|")
    grid = itertools.product(_floats(args.lexical), _floats(args.type), _floats(args.margin), _ints(args.max_sentences))
    for lex_w, type_w, margin, max_s in grid:
        replayed = []
        for q, rows in table:
            scored = sorted(((s + lex_w * lx + type_w * t, gold, n) for s, lx, t, gold, n in rows), reverse=True)
            best = scored[0][0] if scored else -1.0
            chosen = [r for r in scored[:max_s] if r[0] >= best - margin]
            chars = sum(n for _, _, n in chosen) + 4 * len(chosen)
            replayed.append((q.answerable, best, any(g for _, g, _ in chosen), chars))
        threshold = calibrate([b for a, b, _, _ in replayed if a], args.max_wrong)
        ans = [(b >= threshold and ok, c) for a, b, ok, c in replayed if a]
        acc = sum(ok for ok, _ in ans) / len(ans)
        med = statistics.median(c for (a, b, _, c) in replayed if a and b >= threshold)
        abst = sum(b < threshold for a, b, _, _ in replayed if not a) / max(1, sum(not a for a, *_ in replayed))
        wrong = sum(b < threshold for a, b, _, _ in replayed if a) / len(ans)
        print(f"| {lex_w} | {type_w} | {margin} | {max_s} | {threshold:.3f} | {acc:.3f} | {med:.0f} | {abst:.3f} | {wrong:.3f} |",
              flush=True)


def calibrate(answerable_best: list[float], max_wrong: float) -> float:
    """The highest threshold under which at most ``max_wrong`` of answerable questions fall."""
    ordered = sorted(answerable_best)
    allowed = int(max_wrong * len(ordered))  # this many may fall below
    return round(ordered[allowed] - 1e-4, 3) if allowed < len(ordered) else ordered[-1]


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",")]


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("experiment", choices=["retrieval", "answer"])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--chunking", default="600/150")
    parser.add_argument("--candidates", default="30")
    parser.add_argument("--rrf-k", default="60")
    parser.add_argument("--chunk-chars", type=int, default=Settings.chunk_chars)
    parser.add_argument("--overlap", type=int, default=Settings.chunk_overlap_chars)
    parser.add_argument("-k", type=int, default=Settings.k)
    parser.add_argument("--lexical", default="0.35")
    parser.add_argument("--type", default="0.08")
    parser.add_argument("--margin", default="0.05")
    parser.add_argument("--max-sentences", default="3")
    parser.add_argument("--max-wrong", type=float, default=0.10)
    args = parser.parse_args()
    if args.experiment == "answer":
        args.candidates, args.rrf_k = _ints(args.candidates)[0], _ints(args.rrf_k)[0]
    embedder = Embedder()
    {"retrieval": retrieval, "answer": answer}[args.experiment](args, embedder)


if __name__ == "__main__":
    main()

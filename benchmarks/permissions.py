"""What the access filter costs: `ask` p50 and p95 with permissions off and on, in one run.

The corpus is benchmarks/corpus.py's real text (SQuAD's articles, then Debian's HTML manuals, then
docstrings) of about ``--chunks`` chunks, written as JSONL with every other article labelled for
one of four groups (so half the chunks are restricted). The questions are the SQuAD 2.0 dev set's,
about the first articles. Each question is asked three ways, in rotating order, with the
answerer's sentence-vector cache cleared before each ask (every ask is a fresh question):

* ``off``: ``groups="*"`` reads every article: no ``where`` clause, no BM25 mask, the code path of
  an index without labels;
* ``anonymous``: the unlabelled half (``{"restricted": {"$ne": True}}`` in Chroma, a BM25 mask);
* ``one group``: the unlabelled half and one group's articles (an ``$or`` of two clauses).

    .venv/bin/python benchmarks/permissions.py --chunks 10000 --questions 100 [--index DIR]

``--index DIR`` keeps the index there and reuses it when it is already built (the ingest is
most of the run's time; the measurement does not depend on when the index was built).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.eval.data import load_squad  # noqa: E402

from benchmarks.corpus import SQUAD, assemble, prefix  # noqa: E402

GROUPS = ("hr", "legal", "managers", "product")
MODES = {"off": "*", "anonymous": None, "one group": ["legal"]}


def write_corpus(path: Path, chunks: int) -> tuple[int, int]:
    """The labelled JSONL corpus; (articles, of which labelled)."""
    articles = prefix(assemble(chunks), chunks)
    with path.open("w", encoding="utf-8") as out:
        for i, (title, text) in enumerate(articles):
            row = {"id": i, "title": title, "text": text}
            if i % 2:
                row["access"] = [GROUPS[(i // 2) % len(GROUPS)]]
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(articles), len(articles) // 2


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=10000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--index", type=Path, help="keep (and reuse) the index here")
    args = parser.parse_args()
    work = args.index or Path(tempfile.mkdtemp(prefix="permissions-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    settings = Settings(index_dir=work / "index", corpus_dir=work / "corpus", progress=False, onnx_threads=1)
    assistant = Assistant.from_settings(settings)
    started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_utime
    if assistant.store.chunks.count() < args.chunks * 0.95:
        (work / "corpus").mkdir(exist_ok=True)
        articles, labelled = write_corpus(work / "corpus" / "corpus.jsonl", args.chunks)
        report = assistant.ingest()
        print(f"ingest: {articles} articles ({labelled} labelled), {report.chunks} chunks in "
              f"{time.perf_counter() - started:.0f} s ({resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu:.0f} s CPU)")
    chunks = assistant.store.chunks.count()
    restricted = len(assistant.store.chunks.get(where={"restricted": True}, include=[])["ids"])
    questions = [q.question for q in load_squad(SQUAD).sample(args.questions).questions]
    for question in questions[:5]:  # warm-up: the lexical index, the reader, ONNX sessions
        for groups in MODES.values():
            assistant.ask(question, groups=groups)
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    order = list(MODES)
    for i, question in enumerate(questions):
        for mode in order[i % 3:] + order[: i % 3]:  # rotate, so no mode always goes first
            assistant.answerer._cache.clear()  # a fresh question every time
            t = time.perf_counter()
            assistant.ask(question, groups=MODES[mode])
            times[mode].append((time.perf_counter() - t) * 1000)
    print(f"{chunks} chunks ({restricted} restricted), {len(questions)} questions, each asked 3 ways")
    print("| mode | ask p50 (ms) | ask p95 (ms) |\n|---|---|---|")
    for mode, values in times.items():
        print(f"| {mode} | {statistics.median(values):.1f} | {percentile(values, 0.95):.1f} |")


if __name__ == "__main__":
    main()

"""Speed: the project and the LangChain tutorial pipeline side by side, at several corpus sizes.

    .venv/bin/python benchmarks/speed.py --sizes 1000,10000,100000

For each size (in the project's chunks) a corpus of real text is assembled (benchmarks/corpus.py)
and each pipeline runs in a fresh child process, so peak memory is its own:

* ingestion: seconds from the JSONL file to a persisted index (the model is loaded and warmed
  before the clock starts, in both), chunks/s, articles/s, characters/s, and peak RSS;
* index size on disk per chunk;
* query latency p50/p95 over ``--queries`` SQuAD dev questions: retrieval alone (the project's
  hybrid ``Retriever.search``; the tutorial's ``similarity_search(k=4)``), and the project's full
  extractive ``ask`` (the tutorial has no answer step without an LLM);
* the project's time from process start to first answer: a new Python process that imports the
  package, opens the index, loads the models and answers one question, timed from its launch.

``--measure INDEX`` prints the query figures of an index built before (latencies, start to first
answer, size, the query process's peak RSS) without ingesting; ``--pipelines assistant`` runs one
pipeline only; ``--keep DIR`` keeps each size's corpus and
indexes under DIR/<size> (for benchmarks/load.py); ``--pool FILE`` takes the corpus from a JSONL
file benchmarks/corpus.py wrote instead of assembling it again (the larger sizes take minutes).

Results merge into ``--out``/results.json (one row per size and pipeline, so sizes can be run
separately), and results.md plus latency.png and throughput.png are redrawn from all of them.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

PIPELINES = ("assistant", "tutorial")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def questions(n: int) -> list[str]:
    from corpus import SQUAD

    from assistant.eval.data import load_squad

    pool = [q.question for q in load_squad(SQUAD).questions]
    return [pool[i * len(pool) // n] for i in range(n)]


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def timed(fn, items: list[str]) -> list[float]:  # noqa: ANN001
    out = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


def first_answer_s(index: Path, question: str) -> float:
    """Seconds from launching a new Python process to its first answer on ``index``."""
    code = ("import sys; from pathlib import Path; from assistant import Assistant, Settings; "
            "a = Assistant.from_settings(Settings(index_dir=Path(sys.argv[1]), progress=False)); "
            "print(bool(a.ask(sys.argv[2]).text))")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(index), question], check=True, capture_output=True,
                          text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    assert done.stdout.strip() == "True", done.stdout
    return elapsed


def corpus_rows(corpus: Path):  # noqa: ANN201 - an iterator of dicts
    """The articles of a corpus directory's JSONL parts, in order."""
    for part in sorted(corpus.glob("*.jsonl")):
        with part.open(encoding="utf-8") as lines:
            yield from (json.loads(line) for line in lines)


def query_figures(assistant, index: Path, qs: list[str]) -> dict:  # noqa: ANN001 - an Assistant
    """Latencies (lists of ms), index size and start to first answer of the project's index."""
    assistant.ask(qs[0])  # builds the lexical index if it is stale, outside the timings
    return {"retrieve_ms": timed(lambda q: assistant.retriever.search(q, assistant.settings.k), qs),
            "ask_ms": timed(assistant.ask, qs), "index_bytes": dir_bytes(index),
            "first_answer_s": first_answer_s(index, qs[-1])}


def percentiles(result: dict) -> None:
    """Replace the latency lists in ``result`` by their p50 and p95."""
    from assistant.eval.metrics import percentile

    for name in ("retrieve_ms", "ask_ms"):
        values = result.pop(name)
        result[name.replace("_ms", "_p50_ms")] = percentile(values, 50)
        result[name.replace("_ms", "_p95_ms")] = percentile(values, 95)


def measure(index: Path, n_queries: int) -> dict:
    """The query figures of an index built before (no ingest), e.g. one that took two sittings."""
    from assistant import Assistant, Settings

    assistant = Assistant.from_settings(Settings(index_dir=index, progress=False))
    result = {"index": str(index), "chunks": assistant.store.chunks.count(),
              "articles": assistant.store.articles.count(), **query_figures(assistant, index, questions(n_queries))}
    percentiles(result)
    result["query_process_peak_mb"] = peak_mb()
    return result


def worker(pipeline: str, corpus: Path, workdir: Path, n_queries: int) -> dict:
    """One pipeline, one corpus: ingest, size, latency. Runs in its own process."""
    qs = questions(n_queries)
    result: dict = {"pipeline": pipeline}
    if pipeline == "assistant":
        from assistant import Assistant, Settings

        assistant = Assistant.from_settings(Settings(index_dir=workdir / "index", progress=False))
        assistant.embedder.embed(["warm up"])
        base = peak_mb()
        started = time.perf_counter()
        report = assistant.ingest([corpus])
        if report.failed:  # a benchmark of a partial ingest would be a wrong number
            raise SystemExit("ingest failed: " + "; ".join(f"{e.key}: {e.reason}" for e in report.failed[:5]))
        result["ingest_s"] = time.perf_counter() - started
        result["chunks"], result["articles"] = report.chunks, len(report.added)
        result["peak_mb"], result["model_mb"] = peak_mb(), base
        result.update(query_figures(assistant, workdir / "index", qs))
    else:
        from assistant.eval.baseline import TutorialPipeline

        tutorial = TutorialPipeline(workdir / "tutorial")
        tutorial.embeddings.embed_query("warm up")
        base = peak_mb()
        started = time.perf_counter()
        rows = list(corpus_rows(corpus))
        tutorial.ingest([(r["title"], r["text"]) for r in rows])
        result["ingest_s"] = time.perf_counter() - started
        result["chunks"], result["articles"] = tutorial.chunks, len(rows)
        result["peak_mb"], result["model_mb"] = peak_mb(), base
        tutorial.search(qs[0])
        result["retrieve_ms"] = timed(tutorial.search, qs)
        result["ask_ms"] = []
        result["index_bytes"] = dir_bytes(workdir / "tutorial")
    result["chars"] = sum(len(row["text"]) for row in corpus_rows(corpus))
    percentiles(result)
    result["chunks_per_s"] = result["chunks"] / result["ingest_s"]
    result["articles_per_s"] = result["articles"] / result["ingest_s"]
    result["chars_per_s"] = result["chars"] / result["ingest_s"]
    result["bytes_per_chunk"] = result["index_bytes"] / max(1, result["chunks"])
    return result


def run(sizes: list[int], n_queries: int, out: Path, pipelines: list[str], keep: Path | None = None,
        pool_file: Path | None = None) -> list[dict]:
    from corpus import assemble, prefix, read_pool, write_parts

    results_path = out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else []
    # walking the manuals and site-packages once; smaller corpora are its prefixes
    pool = read_pool(pool_file) if pool_file else assemble(max(sizes))
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench-{size}-") as tmp:
            base = keep / str(size) if keep else Path(tmp)
            base.mkdir(parents=True, exist_ok=True)
            corpus = base / "corpus"
            write_parts(prefix(pool, size), corpus)
            for pipeline in pipelines:
                workdir = base / pipeline
                workdir.mkdir(exist_ok=False)
                cmd = [sys.executable, __file__, "--worker", pipeline, "--corpus", str(corpus),
                       "--workdir", str(workdir), "--queries", str(n_queries)]
                done = subprocess.run(cmd, check=True, capture_output=True, text=True)
                row = {"size": size, **json.loads(done.stdout.strip().splitlines()[-1])}
                results = [r for r in results if (r["size"], r["pipeline"]) != (size, pipeline)] + [row]
                print(json.dumps(row), flush=True)
    results.sort(key=lambda r: (r["size"], r["pipeline"]))
    out.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(results, indent=1))
    from plots import plot, table

    (out / "results.md").write_text(table(results))
    plot(results, out)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes in project chunks, comma-separated")
    parser.add_argument("--queries", type=int, default=100, help="questions timed per pipeline and size")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks")
    parser.add_argument("--pipelines", default=",".join(PIPELINES), help="which pipelines to run, comma-separated")
    parser.add_argument("--keep", type=Path, help="keep each size's corpus and indexes under this directory")
    parser.add_argument("--pool", type=Path, help="a corpus JSONL from benchmarks/corpus.py at least as large")
    parser.add_argument("--measure", type=Path, metavar="INDEX",
                        help="only the query figures of an existing index of the project (no ingest)")
    parser.add_argument("--worker", choices=PIPELINES, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.queries)))
        return
    if args.worker:
        print(json.dumps(worker(args.worker, args.corpus, args.workdir, args.queries)))
        return
    pipelines = [p for p in args.pipelines.split(",") if p]
    if not set(pipelines) <= set(PIPELINES):
        parser.error(f"--pipelines: expected some of {', '.join(PIPELINES)}")
    sizes = [int(s) for s in args.sizes.split(",")]
    results = run(sizes, args.queries, args.out, pipelines, args.keep, args.pool)
    print((args.out / "results.md").read_text())
    print(f"{len(results)} rows in {args.out / 'results.json'}")


if __name__ == "__main__":
    main()

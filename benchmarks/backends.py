"""Embedding backends side by side: encoding throughput and agreement with torch, in one run.

Encodes the same real chunk texts (the benchmark corpus, chunked with the current settings) with
each ``embedding_backend`` (torch, onnx, onnx-int8) and batch size, and prints chunks/s, the ratio
to torch at the default batch size, and the cosine between each backend's vector and torch's
(min and mean). Backends alternate per round so that a busy neighbour slows all of them alike.

    .venv/bin/python benchmarks/backends.py --chunks 1000 --batch-sizes 32,64,128 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from assistant import Settings  # noqa: E402
from assistant.ingest.chunking import chunk_text  # noqa: E402
from assistant.index.embeddings import BACKENDS, Embedder  # noqa: E402
from corpus import assemble, prefix  # noqa: E402


def chunk_texts(n: int) -> list[str]:
    """The texts of the first ``n`` chunks of the benchmark corpus."""
    settings = Settings()
    texts: list[str] = []
    for _title, text in prefix(assemble(n), n):
        texts += [c.text for c in chunk_text("x", text, settings.chunk_chars, settings.chunk_overlap_chars)]
    return texts[:n]


def measure(texts: list[str], batch_sizes: list[int], rounds: int) -> list[dict]:
    embedders = {b: Embedder(backend=b) for b in BACKENDS}
    for embedder in embedders.values():
        embedder.embed(texts[:8])  # load, export if needed, warm up
    best: dict[tuple[str, int], float] = {}
    vectors = {}
    for _ in range(rounds):
        for size in batch_sizes:
            for name, embedder in embedders.items():
                embedder.batch_size = size
                start = time.perf_counter()
                vectors[name] = embedder.embed(texts)
                seconds = time.perf_counter() - start
                best[name, size] = min(best.get((name, size), seconds), seconds)
    reference = best["torch", 64 if 64 in batch_sizes else batch_sizes[0]]
    rows = []
    for (name, size), seconds in sorted(best.items()):
        cosine = (vectors[name] * vectors["torch"]).sum(axis=1)
        rows.append({"backend": name, "batch_size": size, "chunks_per_s": round(len(texts) / seconds, 1),
                     "vs_torch": round(reference / seconds, 2), "cos_min": round(float(cosine.min()), 4),
                     "cos_mean": round(float(cosine.mean()), 5)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--batch-sizes", default="64")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    texts = chunk_texts(args.chunks)
    rows = measure(texts, [int(s) for s in args.batch_sizes.split(",")], args.rounds)
    print(f"{len(texts)} chunks, {sum(map(len, texts)) / len(texts):.0f} characters on average")
    print(f"{'backend':10} {'batch':>5} {'chunks/s':>9} {'vs torch':>8} {'cos min':>8} {'cos mean':>9}")
    for r in rows:
        print(f"{r['backend']:10} {r['batch_size']:>5} {r['chunks_per_s']:>9} {r['vs_torch']:>8} "
              f"{r['cos_min']:>8} {r['cos_mean']:>9}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

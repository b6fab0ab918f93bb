"""Reader training windows from a manual's question set, as the assistant would read them.

For each question of a JSONL set (``question``, ``answers``): retrieve and score as ``ask`` does,
then take the windows the reader reads at run time (the scorer's best ``--top`` sentences, each
with its neighbours), plus the first window among the scorer's best 16 that holds an expected
answer when none of those does. A window is labelled with the first place it holds an expected
answer (exact, else ignoring case), or as "no answer". One JSON line per window:
``{"question", "text", "centre_start", "centre_end", "answer": [start, end] | null, "title"}``.

    .venv/bin/python scripts/reader_windows.py tests/data/python_manual_qa.jsonl \\
        --corpus /tmp/pycorpus --index /tmp/pyindex --out /tmp/python_windows.jsonl

The index is built (or brought up to date) from ``--corpus`` first (the Python documentation's
pages without its indexes: docs/evaluation.md, "A reader trained on manual questions too").
scripts/train_reader.py takes the output with ``--extra``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import Assistant, Settings  # noqa: E402
from assistant.answer.reading import window_of  # noqa: E402

POOL = 16  # how deep to look for a window that holds the answer


def locate(text: str, answers: list[str]) -> list[int] | None:
    """[start, end) of the first expected answer found in ``text`` (exact first, then any case)."""
    for find in (lambda a: text.find(a), lambda a: text.lower().find(a.lower())):
        for answer in answers:
            at = find(answer)
            if at >= 0:
                return [at, at + len(answer)]
    return None


def windows(assistant: Assistant, question: str, answers: list[str], top: int) -> list[dict]:
    """The labelled windows of one question (duplicates of a window read once)."""
    vector = assistant.embedder.embed([question])[0]
    passages = assistant.retriever.search(question, assistant.settings.k, None, vector)
    scored = [c for _, c in assistant.answerer.score(question, vector, passages)[:POOL]]
    out: dict[str, dict] = {}
    for rank, cand in enumerate(scored):
        window = window_of(cand)
        found = locate(window.text, answers)
        if rank >= top and (found is None or any(w["answer"] for w in out.values())):
            continue
        out.setdefault(window.text, {"question": question, "text": window.text, "centre_start": window.centre_start,
                                     "centre_end": window.centre_end, "answer": found,
                                     "title": cand.passage.chunk.title})
    return list(out.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path, nargs="+", help="JSONL question sets")
    parser.add_argument("--corpus", type=Path, required=True, help="the manual's pages")
    parser.add_argument("--index", type=Path, required=True, help="index directory (built when missing)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--top", type=int, default=3, help="windows read per question (reader_candidates)")
    args = parser.parse_args()
    settings = Settings(index_dir=args.index, corpus_dir=args.corpus, chroma_url="", progress=False)
    assistant = Assistant.from_settings(settings)
    assistant.ingest()
    rows = []
    for path in args.questions:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line) if line.strip() else None
            if item and item.get("answers"):
                rows += windows(assistant, item["question"], list(item["answers"]), args.top)
    with args.out.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    held = sum(row["answer"] is not None for row in rows)
    print(f"{len(rows)} windows, {held} holding an expected answer -> {args.out}")


if __name__ == "__main__":
    main()

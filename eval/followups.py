"""Follow-up accuracy, before and after resolving follow-ups, in one run on one index.

    .venv/bin/python eval/followups.py tests/data/conversations.jsonl
    .venv/bin/python eval/followups.py tests/data/conversations.jsonl --rows   # every follow-up turn too

The index (a temporary directory) holds the shipped corpus (corpus/) and the articles of a SQuAD
JSON file (default: tests/data/squad2/squad2-dev.json, Normans and Computational complexity
theory), so a follow-up can drift to the wrong article as it could for a user. "glued" is the
behaviour before (the follow-up appended to the last question), "resolved" the current one
(assistant/answer/conversation.py). Prints a Markdown table (pasted into docs/evaluation.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.eval.conversations import (  # noqa: E402
    current_asker, evaluate_conversations, glued_asker, ingest_articles, load_conversations, markdown,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("conversations", type=Path)
    parser.add_argument("--squad", type=Path, default=ROOT / "tests" / "data" / "squad2" / "squad2-dev.json")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--rows", action="store_true", help="also print every follow-up turn of both askers")
    args = parser.parse_args()
    conversations = load_conversations(args.conversations)
    with tempfile.TemporaryDirectory(prefix="followups-") as tmp:
        assistant = Assistant.from_settings(Settings.from_env(index_dir=Path(tmp) / "index", progress=False))
        ingest_articles(assistant, Path(tmp), args.corpus, args.squad)
        started = time.perf_counter()
        result = evaluate_conversations({"glued (before)": glued_asker(assistant),
                                         "resolved (after)": current_asker(assistant)}, conversations)
        seconds = time.perf_counter() - started
    print(markdown(result))
    print(f"\n{len(conversations)} conversations, {seconds:.1f} s for both askers")
    if args.rows:
        before, after = result["rows"].values()
        for old, new in zip(before, after):
            if old["turn"] > 1:
                print(f"\n{old['id']} turn {old['turn']}: {old['question']}")
                for label, row in (("before", old), ("after", new)):
                    mark = "ok " if row["correct"] else "NO "
                    print(f"  {label:6} {mark} [{row['understood_as']}] {row['answer'][:140]}")


if __name__ == "__main__":
    main()

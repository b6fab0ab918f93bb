"""Write dated questions about the federal funds target from the FOMC statements (changing facts).

The target changes dozens of times between 1994 and 2016. For a date between two statements the
value that held is the one the latest statement on or before it states (../shared/news/README.md).
Each question asks at a date chosen at random between two statements, in one of the phrasings
people use; the gold value is read from the statement's own sentence by a pattern, and the
previous different value is kept as ``before``. Statements whose sentence does not match the
pattern (the 1990s notes, "expected to fall around") are skipped rather than guessed.

    python eval/fomc_questions.py ../shared/news/articles.jsonl tests/data/news/fomc_changing.jsonl
"""

from __future__ import annotations

import json
import random
import re
import sys
from datetime import date, timedelta
from pathlib import Path

_TARGET = re.compile(r"(?:target|target range) for the federal funds rate[^.]*?\b(?:to|at)\s+"
                     r"((?:\d+(?:-\d/\d)?|\d/\d)(?: to (?:\d+(?:-\d/\d)?|\d/\d))? percent)")
_PHRASES = [
    "What was the Federal Reserve's target for the federal funds rate in {month}?",
    "As of {day}, what was the FOMC's target for the federal funds rate?",
    "What federal funds rate target did the Federal Open Market Committee have on {day}?",
]


def statements(path: Path) -> list[tuple[str, str, str]]:
    """(published, article id, target) of each FOMC statement that states its target, oldest first."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        article = json.loads(line)
        if article["collection"] != "fomc_statements_1994_2016":
            continue
        match = _TARGET.search(article["text"])
        if match:
            out.append((article["published"], article["id"], match.group(1)))
    return sorted(out)


def questions(found: list[tuple[str, str, str]], n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    changes = [i for i in range(1, len(found)) if found[i][2] != found[i - 1][2]]
    for number, i in enumerate(sorted(rng.sample(changes, min(n, len(changes)))), start=1):
        start = date.fromisoformat(found[i][0])
        end = date.fromisoformat(found[i + 1][0]) - timedelta(days=1) if i + 1 < len(found) else start + timedelta(days=40)
        day = start + timedelta(days=rng.randint(0, max(0, (end - start).days)))
        phrase = _PHRASES[number % len(_PHRASES)]
        asked = date(day.year, day.month, 28) if "{month}" in phrase else day
        if "{month}" in phrase and any(start < date.fromisoformat(p) <= asked for p, _, _ in found[i + 1:]):
            continue  # the month saw another change: "in <month>" would be ambiguous
        at = max(j for j in range(len(found)) if found[j][0] <= asked.isoformat())
        previous = next((found[j] for j in range(at - 1, -1, -1) if found[j][2] != found[at][2]), None)
        out.append({
            "id": f"fomc{number:02d}",
            "question": phrase.format(month=f"{day:%B %Y}", day=f"{day.day} {day:%B %Y}"),
            "as_of": asked.isoformat(), "answers": [found[at][2]], "article_id": found[at][1],
            "before": [previous[2]] if previous else [], "before_article_id": previous[1] if previous else "",
        })
    return out


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    rows = questions(statements(source), 30)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} questions -> {target}")

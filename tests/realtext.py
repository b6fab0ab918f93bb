"""Real text for robustness tests: small articles cut from the SQuAD 2.0 dev paragraphs.

The two Wikipedia articles in ``tests/data/squad2/squad2-dev.json`` (Normans; computational
complexity theory) are real prose. Cutting their paragraphs into runs of whole sentences gives
a few hundred small, distinct articles, enough to make an ingest take long enough to be killed
part-way, without inventing text.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT / "tests" / "data" / "squad2" / "squad2-dev.json"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")

# Questions whose answer is in one paragraph of the data set, with a word the answer contains.
QUESTIONS = [
    ("In what country is Normandy located?", "France"),
    ("What is the name of the Norman castle built in Wales?", ""),
]


@lru_cache(maxsize=1)
def snippets(sentences_per_article: int = 2) -> tuple[tuple[str, str], ...]:
    """(title, text) pairs: each SQuAD paragraph cut into runs of ``sentences_per_article``."""
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    out: list[tuple[str, str]] = []
    for article in data:
        name = article["title"].replace("_", " ")
        for p, paragraph in enumerate(article["paragraphs"], start=1):
            sentences = _SENTENCE_END.split(paragraph["context"].strip())
            for s in range(0, len(sentences), sentences_per_article):
                text = " ".join(sentences[s : s + sentences_per_article]).strip()
                if len(text) >= 80:
                    out.append((f"{name}, paragraph {p}, part {s // sentences_per_article + 1}", text))
    return tuple(out)


def write_corpus(directory: Path, count: int, suffix: str = ".txt") -> list[Path]:
    """Write ``count`` snippets as files ``art-000.txt``... with a title line; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    items = snippets()
    if count > len(items):
        raise ValueError(f"only {len(items)} snippets available, asked for {count}")
    paths = []
    for n, (title, text) in enumerate(items[:count]):
        path = directory / f"art-{n:03d}{suffix}"
        path.write_text(f"{title}\n\n{text}\n", encoding="utf-8")
        paths.append(path)
    return paths

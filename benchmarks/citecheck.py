"""Measure the citation checker's support threshold on SQuAD 2.0 dev.

For every answerable question a *claim* is made from the question and its gold answer
("In what country is Normandy located: France."). The claim is scored, exactly as
:class:`assistant.answer.citecheck.CitationChecker` scores a cited sentence, against

* its own paragraph (supported: the paragraph holds the answer sentence), and
* the best-scoring *other* paragraph of the same article (unsupported, and the hardest case:
  same topic, same names, wrong passage).

The script prints, for a sweep of thresholds, the share of supported claims accepted and of
unsupported claims rejected, and the threshold with the best balanced accuracy.

Run: .venv/bin/python benchmarks/citecheck.py [path/to/squad2-dev.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.ingest.chunking import split_sentences
from assistant.answer.citecheck import CitationChecker, _numbers_found
from assistant.index.embeddings import Embedder

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "data" / "squad2" / "squad2-dev.json"


def scores(path: Path) -> tuple[list[float], list[float]]:
    checker = CitationChecker(Embedder(), threshold=0.0)
    positive, negative = [], []
    for article in json.loads(path.read_text())["data"]:
        paragraphs = [p["context"] for p in article["paragraphs"]]
        sentences = {n: [p[s:e] for s, e in split_sentences(p)] for n, p in enumerate(paragraphs, start=1)}
        claims, gold = [], []
        for n, para in enumerate(article["paragraphs"], start=1):
            for qa in para["qas"]:
                if qa.get("is_impossible") or not qa["answers"]:
                    continue
                claims.append(f"{qa['question'].strip().rstrip('?')}: {qa['answers'][0]['text']}.")
                gold.append(n)
        every = [list(sentences) for _ in claims]
        table = checker.support(claims, every, sentences)
        for i, (claim, n) in enumerate(zip(claims, gold)):
            def score(m: int) -> float:
                ok = _numbers_found(claim, paragraphs[m - 1])
                return table[(i, m)][0] if ok else -1.0
            positive.append(score(n))
            negative.append(max(score(m) for m in sentences if m != n))
    return positive, negative


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    positive, negative = scores(path)
    print(f"{len(positive)} claims from {path.name}")
    print("threshold  supported accepted  unsupported rejected  balanced")
    best = (0.0, 0.0)
    for t100 in range(40, 96, 5):
        t = t100 / 100
        accepted = sum(s >= t for s in positive) / len(positive)
        rejected = sum(s < t for s in negative) / len(negative)
        balanced = (accepted + rejected) / 2
        best = max(best, (balanced, t))
        print(f"{t:9.2f}  {accepted:18.3f}  {rejected:20.3f}  {balanced:8.3f}")
    print(f"best balanced accuracy {best[0]:.3f} at threshold {best[1]:.2f}")


if __name__ == "__main__":
    main()

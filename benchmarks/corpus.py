"""A benchmark corpus of real English text, of about N chunks, assembled offline.

Sources, in order, until the project's chunker (current settings) yields ``chunks`` chunks:

1. the SQuAD 2.0 dev set's two Wikipedia articles (tests/data/squad2/squad2-dev.json);
2. the docstrings of the Python packages installed in this venv, one article per module
   (module, class and function docstrings longer than 200 characters, blank line between them).

Real prose and reference text, every article different: no copies of one paragraph, so the
embedding model, BM25 and Chroma see the vocabulary spread of a real corpus.

    .venv/bin/python benchmarks/corpus.py --chunks 1000 --out /tmp/corpus-1k.jsonl
"""

from __future__ import annotations

import argparse
import ast
import itertools
import json
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Settings  # noqa: E402
from assistant.ingest.chunking import chunk_text  # noqa: E402
from assistant.eval.data import load_squad  # noqa: E402

SQUAD = ROOT / "tests" / "data" / "squad2" / "squad2-dev.json"


def docstring_articles(min_chars: int = 2000) -> Iterator[tuple[str, str]]:
    """(module name, its long docstrings joined) for every module in site-packages, sorted."""
    site = Path(sysconfig.get_paths()["purelib"])
    # Package by package, so a small corpus does not walk all of site-packages first.
    paths = (p for top in sorted(site.iterdir()) for p in (sorted(top.rglob("*.py")) if top.is_dir() else [top]))
    for path in paths:
        if path.suffix != ".py":
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
            continue
        nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.ClassDef, ast.FunctionDef)))]
        docs = [d for d in (ast.get_docstring(n) for n in nodes) if d and len(d) > 200]
        text = "\n\n".join(dict.fromkeys(docs))
        if len(text) >= min_chars:
            yield ".".join(path.relative_to(site).with_suffix("").parts), text


def assemble(chunks: int) -> list[tuple[str, str, int]]:
    """Articles totalling about ``chunks`` chunks under the current chunking settings, as
    ``(title, text, chunks so far)``; a smaller corpus is a prefix of a larger one (see ``prefix``)."""
    settings = Settings()
    articles: list[tuple[str, str, int]] = []
    total = 0
    # chain, not a list: a list would walk all of site-packages before the first article
    sources = itertools.chain(load_squad(SQUAD).articles if SQUAD.exists() else [], docstring_articles())
    for title, text in sources:
        total += len(chunk_text("x", text, settings.chunk_chars, settings.chunk_overlap_chars))
        articles.append((title, text, total))
        if total >= chunks:
            return articles
    raise SystemExit(f"only {total} chunks of text found; asked for {chunks}")


def prefix(pool: list[tuple[str, str, int]], chunks: int) -> list[tuple[str, str]]:
    """The shortest start of ``pool`` holding at least ``chunks`` chunks."""
    out = []
    for title, text, total in pool:
        out.append((title, text))
        if total >= chunks:
            break
    return out


def write_jsonl(articles: list[tuple[str, str]], path: Path) -> None:
    with Path(path).open("w", encoding="utf-8") as out:
        for i, (title, text) in enumerate(articles):
            out.write(json.dumps({"id": i, "title": title, "text": text}, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    articles = prefix(assemble(args.chunks), args.chunks)
    write_jsonl(articles, args.out)
    print(f"{len(articles)} articles, {sum(len(t) for _, t in articles)} characters -> {args.out}")


if __name__ == "__main__":
    main()

"""A benchmark corpus of real English text, of about N chunks, assembled offline.

Sources, in order, until the project's chunker (current settings) yields ``chunks`` chunks:

1. the SQuAD 2.0 dev set's two Wikipedia articles (tests/data/squad2/squad2-dev.json);
2. the HTML manuals of the Debian documentation packages in ``MANUALS`` that are installed, page
   by page, as the project's HTML loader shows them (the text both pipelines then embed);
3. the docstrings of the Python packages installed in this venv, one article per module
   (module, class and function docstrings longer than 200 characters, blank line between them).

Real prose and reference text, no near-duplicates: an article is left out when most of its
paragraphs already came earlier (a vendored copy of a module, a page repeated in two manuals), so
both pipelines embed the same text and characters/s compares like with like.

    apt-get install postgresql-doc-15 python3.11-doc debian-handbook python-django-doc \
        python-sqlalchemy-doc python-sklearn-doc git-doc python-pandas-doc python-scipy-doc \
        octave-doc sphinx-doc
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
DOC = Path("/usr/share/doc")
MANUALS = [  # (directory of one manual's HTML pages, as its Debian package installs it)
    DOC / "postgresql-doc-15" / "html", DOC / "python3.11" / "html", DOC / "debian-handbook" / "html" / "en-US",
    DOC / "python-django-doc" / "html", DOC / "python-sqlalchemy-doc" / "html", DOC / "python-sklearn-doc" / "html",
    DOC / "git-doc", DOC / "python-pandas-doc" / "html", DOC / "python-scipy-doc" / "html",
    DOC / "octave" / "octave.html", DOC / "sphinx-doc" / "html",
]
_NOT_PAGES = ("genindex", "py-modindex", "search.html")  # generated indexes: lists of links, not text


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


def manual_articles() -> Iterator[tuple[str, str]]:
    """(page title, page text) for each page of each installed manual in ``MANUALS``, sorted."""
    from assistant.ingest.articles import load_file
    from assistant.errors import LoadError

    for root in MANUALS:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.html")):
            parts = path.relative_to(root).parts
            if any(p.startswith("_") for p in parts) or path.name.startswith(_NOT_PAGES):
                continue
            try:
                loaded = load_file(path, root=root)
            except LoadError:
                continue
            for article in loaded.articles:
                if len(article.text) >= 500:
                    yield article.title, article.text


def novel(sources: Iterator[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """The articles of ``sources`` whose paragraphs are mostly new (at most a third seen before)."""
    seen: set[str] = set()
    for title, text in sources:
        paragraphs = {p.strip() for p in text.split("\n\n") if len(p.strip()) > 40}
        if paragraphs and len(paragraphs & seen) * 3 > len(paragraphs):
            continue
        seen |= paragraphs
        yield title, text


def assemble(chunks: int) -> list[tuple[str, str, int]]:
    """Articles totalling about ``chunks`` chunks under the current chunking settings, as
    ``(title, text, chunks so far)``; a smaller corpus is a prefix of a larger one (see ``prefix``)."""
    settings = Settings()
    articles: list[tuple[str, str, int]] = []
    total = 0
    # chain, not a list: a list would walk all of site-packages before the first article
    sources = novel(itertools.chain(
        load_squad(SQUAD).articles if SQUAD.exists() else [], manual_articles(), docstring_articles()
    ))
    for title, text in sources:
        total += len(chunk_text("x", text, settings.chunk_chars, settings.chunk_overlap_chars))
        articles.append((title, text, total))
        if total >= chunks:
            return articles
    raise SystemExit(f"only {total} chunks of text found; asked for {chunks}")


def read_pool(path: Path) -> list[tuple[str, str, int]]:
    """A corpus JSONL written by this script, as ``assemble`` returns it (chunk totals recounted)."""
    settings = Settings()
    pool: list[tuple[str, str, int]] = []
    total = 0
    with Path(path).open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            total += len(chunk_text("x", row["text"], settings.chunk_chars, settings.chunk_overlap_chars))
            pool.append((row["title"], row["text"], total))
    return pool


def prefix(pool: list[tuple[str, str, int]], chunks: int) -> list[tuple[str, str]]:
    """The shortest start of ``pool`` holding at least ``chunks`` chunks."""
    out = []
    for title, text, total in pool:
        out.append((title, text))
        if total >= chunks:
            break
    return out


def write_jsonl(articles: list[tuple[str, str]], path: Path, first_id: int = 0) -> None:
    with Path(path).open("w", encoding="utf-8") as out:
        for i, (title, text) in enumerate(articles, start=first_id):
            out.write(json.dumps({"id": i, "title": title, "text": text}, ensure_ascii=False) + "\n")


def write_parts(articles: list[tuple[str, str]], directory: Path, per_part: int = 500) -> None:
    """The articles as JSONL files of ``per_part`` articles each (``part-0001.jsonl``, ...): an
    archive is many files (the loader also streams one JSONL file of any size)."""
    directory.mkdir(parents=True, exist_ok=True)
    for number, lo in enumerate(range(0, len(articles), per_part), start=1):
        write_jsonl(articles[lo : lo + per_part], directory / f"part-{number:04d}.jsonl", first_id=lo)


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

"""HTML text extraction compared: trafilatura (the loader before) against the block layout (now).

For every page of a directory, each extractor's text is checked against what the page's own
markup says is content and what is chrome:

* paragraphs kept: share of the content ``<p>`` elements (outside tables) whose words appear,
  in order, in the text (whitespace ignored);
* paragraphs as shown: share of them that appear with single spaces, as a browser shows them;
* whole sentences: share of the sentences of those paragraphs (Bling Fire) that the chunker
  gives back as one sentence, exactly (trafilatura's text chunked as before: one line at most);
* headings and table cells kept: share of ``<h1>``-``<h6>`` and ``<td>`` texts (each paragraph
  of a cell on its own) found (whitespace ignored);
* chrome leaked: share of the chrome strings (the whole text, and link, item and paragraph
  texts, of at least three words, of navigation bars, sidebars and footers) found in the text;
* seconds for all pages.

    .venv/bin/python benchmarks/html_text.py postgres /usr/share/doc/postgresql-doc-15/html
    .venv/bin/python benchmarks/html_text.py python /usr/share/doc/python3.11/html
    .venv/bin/python benchmarks/html_text.py news tests/data/html
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.ingest.chunking import sentences  # noqa: E402
from assistant.ingest.html_text import collapse, page_layout  # noqa: E402

# Per kind of site: where the content is, and what is chrome, by the site's own markup.
SITES = {
    "postgres": ("//body", "//div[@class='navheader' or @class='navfooter']"),
    "python": ("//div[@role='main']", "//div[contains(@class, 'related') or contains(@class, 'sphinxsidebar') "
               "or @class='footer']"),
    "news": ("//article | //div[@class='story']", "//nav | //aside | //footer | //form | "
             "//div[contains(@class, 'top') or contains(@class, 'menu') or contains(@class, 'most-read') "
             "or contains(@class, 'related') or contains(@class, 'bottom') or contains(@class, 'newsletter') "
             "or contains(@class, 'cookie') or contains(@class, 'share')] | //ol[contains(@class, 'trail') "
             "or contains(@class, 'breadcrumbs')]"),
}
CHROME_IN_CONTENT = "ancestor::div[@class='navheader' or @class='navfooter' or contains(@class, 'toc')]"


def squash(text: str) -> str:
    return " ".join(text.split())


def truth(markup: str, site: str) -> dict[str, list[str]]:
    """Content paragraphs, headings, cells and chrome strings of one page, from its markup."""
    from lxml import html

    content_path, chrome_path = SITES[site]
    tree = html.fromstring(markup)
    for br in tree.iter("br"):
        br.tail = " " + (br.tail or "")
    for anchor in tree.xpath("//a[contains(@class, 'headerlink')]"):  # Sphinx's pilcrow after each heading
        anchor.drop_tree()
    chrome = tree.xpath(chrome_path)
    strings = {collapse(el.text_content()) for root in chrome for el in [root, *root.iter("a", "li", "p")]}
    for root in chrome:
        root.drop_tree()
    roots = tree.xpath(content_path)

    def texts(path: str) -> list[str]:
        found = [collapse(el.text_content()) for root in roots for el in root.xpath(path)
                 if not el.xpath(CHROME_IN_CONTENT) and "title" not in (el.get("class") or "")]
        return [t for t in found if t]

    content = squash(" ".join(root.text_content() for root in roots))
    cells = [collapse(p.text_content()) for root in roots for cell in root.xpath(".//td")
             for p in (cell.xpath("./p") or [cell])]
    return {
        "paragraphs": [p for p in texts(".//p[not(ancestor::td) and not(ancestor::th)]") if len(p.split()) >= 3],
        "headings": texts(".//h1 | .//h2 | .//h3 | .//h4 | .//h5 | .//h6"),
        "cells": [c for c in cells if c],
        "chrome": [s for s in strings if len(s.split()) >= 3 and squash(s) not in content],
    }


def trafilatura_text(markup: str) -> tuple[str, list[str]]:
    import blingfire
    import trafilatura

    text = (trafilatura.extract(markup, output_format="txt", include_comments=False) or "").strip()
    found = []
    for line in re.finditer(r"[^\n]+", text):  # the chunker before: a line break ended a sentence
        _, offsets = blingfire.text_to_sentences_and_offsets(line.group())
        found += [line.group()[s:e].strip() for s, e in offsets]
    return text, found


def layout_text(tree) -> tuple[str, list[str]]:
    text, blocks = page_layout(tree)
    return text, [text[s:e] for s, e, _ in sentences(text, 2000, blocks)]


def measure(directory: Path, site: str, limit: int | None) -> dict[str, dict[str, float]]:
    import blingfire
    from lxml import html

    pages = sorted(directory.rglob("*.html"))[:limit]
    totals: dict[str, dict[str, float]] = {name: {} for name in ("trafilatura", "layout")}
    for path in pages:
        markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", path.read_text(encoding="utf-8", errors="replace"), count=1)
        gold = truth(markup, site)
        gold_sentences = [s for p in gold["paragraphs"] for s in blingfire.text_to_sentences(p).split("\n") if s]
        for name in totals:
            started = time.perf_counter()
            text, found = trafilatura_text(markup) if name == "trafilatura" else layout_text(html.fromstring(markup))
            seconds = time.perf_counter() - started
            flat, shown, found_set = squash(text), f"\n{text}\n", set(found)
            add(totals[name], "seconds", seconds, 1)
            add(totals[name], "paragraphs kept", *count(gold["paragraphs"], lambda p: squash(p) in flat))
            add(totals[name], "paragraphs as shown", *count(gold["paragraphs"], lambda p: p in shown))
            add(totals[name], "whole sentences", *count(gold_sentences, lambda s: s in found_set))
            add(totals[name], "headings kept", *count(gold["headings"], lambda h: squash(h) in flat))
            add(totals[name], "table cells kept", *count(gold["cells"], lambda c: squash(c) in flat))
            add(totals[name], "chrome leaked", *count(gold["chrome"], lambda c: squash(c) in flat))
    return totals


def count(items: list[str], test) -> tuple[int, int]:  # noqa: ANN001
    return sum(1 for item in items if test(item)), len(items)


def add(totals: dict[str, float], name: str, hits: float, total: int) -> None:
    hit_key, total_key = f"{name}|hits", f"{name}|total"
    totals[hit_key] = totals.get(hit_key, 0) + hits
    totals[total_key] = totals.get(total_key, 0) + total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", choices=sorted(SITES))
    parser.add_argument("directory", type=Path)
    parser.add_argument("--limit", type=int, help="only the first N pages")
    args = parser.parse_args()
    totals = measure(args.directory, args.site, args.limit)
    names = [key.split("|")[0] for key in totals["layout"] if key.endswith("|hits")]
    print(f"| {args.site}: {int(totals['layout']['seconds|total'])} pages | trafilatura | block layout |")
    print("|---|---|---|")
    for name in names:
        cells = []
        for extractor in ("trafilatura", "layout"):
            hits, total = totals[extractor][f"{name}|hits"], totals[extractor][f"{name}|total"]
            cells.append(f"{hits:.1f} s" if name == "seconds" else f"{hits / total:.3f} ({int(hits)}/{int(total)})" if total else "-")
        print(f"| {name} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()

"""Do the sources' links open the page at the quoted sentence? Measured in a real Chromium.

    .venv/bin/python eval/links.py QUESTIONS.jsonl --corpus DIR --index DIR [-n 200]

The corpus directory (HTML pages, ingested into the index with it as ``corpus_dir``) is served
on a loopback port, as a wiki would publish it. Up to ``-n`` questions of the set (shuffled, seed
7) are asked; each answer's first citation gives a quote and a page, and Chromium (Debian's,
/usr/bin/chromium; window 1280 x 800) opens the page twice: plainly, then through the link the
assistant gives (``answer/links.py``: the page's address with a text fragment). Counted:

* found: the quote is in the page's rendered text (whitespace collapsed);
* below the first screen: the quote is not in view when the page opens plainly;
* in view through the link: the element holding the quote is in the window after the link opens.

Prints one JSON line, and the quotes not in view through the link.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import random
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.answer.links import sentence_link  # noqa: E402
from assistant.eval.data import load_dataset  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
IN_VIEW = """needle => {
    const squash = s => s.replace(/\\s+/g, " ").trim();
    const holders = [...document.body.querySelectorAll("*")].filter(e => squash(e.textContent).includes(needle));
    if (!holders.length) return null;
    const box = holders.sort((a, b) => a.textContent.length - b.textContent.length)[0].getBoundingClientRect();
    return box.bottom > 0 && box.top < innerHeight;
}"""


class _Pages(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--corpus", type=Path, required=True, help="the pages, as ingested (corpus_dir)")
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("-n", type=int, default=200, help="citations to follow")
    args = parser.parse_args()
    assistant = Assistant.from_settings(Settings.from_env(index_dir=args.index, corpus_dir=args.corpus, progress=False))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Pages, directory=str(args.corpus)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}/"

    questions = list(load_dataset(args.questions).questions)
    random.Random(7).shuffle(questions)
    quotes = []
    for question in questions:
        answer = assistant.ask(question.question)
        if answer.citations:
            quotes.append((base + assistant.article(answer.citations[0].article_id).key, answer.citations[0].quote))
        if len(quotes) == args.n:
            break

    from playwright.sync_api import sync_playwright

    counts = {"citations": len(quotes), "found": 0, "below_first_screen": 0, "in_view_through_link": 0,
              "below_first_screen_in_view_through_link": 0}
    missed = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        for url, quote in quotes:
            needle = " ".join(quote.split())
            seen = []
            for target in (url, sentence_link(url, quote)):
                page.goto("about:blank")
                page.goto(target)
                page.wait_for_timeout(400)  # the browser scrolls to the text after the load
                seen.append(page.evaluate(IN_VIEW, needle))
            plain, linked = seen
            counts["found"] += plain is not None
            counts["below_first_screen"] += plain is False
            counts["in_view_through_link"] += bool(linked)
            counts["below_first_screen_in_view_through_link"] += plain is False and bool(linked)
            if not linked:
                missed.append({"page": url[len(base):], "quote": quote, "found": plain is not None})
        browser.close()
    httpd.shutdown()
    print(json.dumps(counts))
    for miss in missed:
        print(json.dumps(miss, ensure_ascii=False))


if __name__ == "__main__":
    main()

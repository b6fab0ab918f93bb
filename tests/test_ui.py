"""The chat UI and the embedded chat in a real headless Chromium (Debian's, at /usr/bin/chromium).

One server for the module: the whole web app (API, /embed, Gradio UI) on a loopback port, over a
copy of the shipped corpus, with the API key on and one allowed embedding origin: a second
local server whose page frames /embed. The founding-question test writes docs/screenshot.png.
The link test runs a second app over real pages of the PostgreSQL manual, published by a third
local server (the "wiki") that the sources link to.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.answer.links import sentence_link
from assistant.web.server import web_app

from .conftest import FOUNDING_QUESTION, ROOT, SHIPPED_CORPUS, build_assistant
from .live import live_server
from .test_manual_pages import MANUAL

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
KEY = "ui-test-key"
HOSTILE = (
    "Harbor <img src=x onerror=\"window.__pwned='img'\"> news\n\n"
    "The harbor authority said the new ferry pier opened in 2019 after long delays. "
    "<script>window.__pwned='script'</script><img src=y onerror=\"alert('xss')\"> "
    "Ferries to the island now leave the pier every hour.\n"
)


class _FramePage(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        body = (f'<!doctype html><title>Wiki</title><h1>Wiki page</h1>'
                f'<iframe id="assistant" src="{self.target}/embed" width="420" height="640"></iframe>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Pages(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def wiki() -> Iterator[tuple[http.server.HTTPServer, str]]:
    """A 'wiki' on another local port; its page frames /embed (target set once the app runs)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FramePage)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, embedder, wiki) -> Iterator[str]:  # noqa: ANN001
    base = tmp_path_factory.mktemp("ui")
    shutil.copytree(SHIPPED_CORPUS, base / "corpus")
    settings = Settings(index_dir=base / "index", corpus_dir=base / "corpus", progress=False,
                        api_key=KEY, allowed_origins=wiki[1])
    assistant: Assistant = build_assistant(settings, embedder)
    assistant.ensure_index()
    with live_server(web_app(assistant, settings)) as url:
        _FramePage.target = url
        yield url


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201 - a playwright Browser
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):  # noqa: ANN001, ANN201 - a playwright Page that fails the test on any dialog
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.set_default_timeout(90_000)  # generous: CI machines are shared and busy
    yield page
    context.close()


def ask(page, question: str) -> None:  # noqa: ANN001
    """Ask in the chat and wait for the finished answer (streamed text is marked .streaming)."""
    done = "#chat .answer:not(.streaming)"
    before = page.locator(done).count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    page.locator(done).nth(before).wait_for()


def test_founding_question_answer_and_highlighted_source(page, app_url: str) -> None:  # noqa: ANN001
    page.goto(f"{app_url}/ui/")
    page.get_by_text(FOUNDING_QUESTION).first.wait_for()  # offered as an example question
    ask(page, FOUNDING_QUESTION)
    answer = page.locator("#chat .answer").last
    assert "2010" in answer.inner_text()
    short = page.locator("#chat .short-answer").last  # the answer itself, above the quote
    assert short.is_visible() and short.inner_text().strip() == "2010"
    assert short.bounding_box()["y"] < answer.bounding_box()["y"]
    confidence = page.locator("#chat .confidence").last  # how likely the short answer is right, in words
    assert confidence.is_visible() and re.fullmatch(r"Confidence: [a-z ]+ \(\d+%\)", confidence.inner_text().strip())
    source = page.locator("#src-0-1")
    assert source.evaluate("e => e.open") is False
    answer.locator('a[href="#src-0-1"]').click()
    assert source.evaluate("e => e.open") is True
    mark = source.locator("mark")
    assert mark.is_visible() and "in 2010 established a framework" in mark.inner_text()
    assert "Japan, U.S. to Compile Joint Document" in source.locator("summary").inner_text()
    page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))  # shown in the README


def test_follow_up_and_abstention_look(page, app_url: str) -> None:  # noqa: ANN001
    page.goto(f"{app_url}/ui/")
    ask(page, "Which ministers will hold talks on nuclear deterrence?")
    ask(page, "and where?")
    assert "Tokyo" in page.locator("#chat .answer").last.inner_text()
    understood = page.locator("#chat .understood").last
    assert "Understood as: Where? (ministers hold talks nuclear deterrence)" in understood.inner_text()
    ask(page, "what is the recipe for sourdough bread?")
    refusal = page.locator("#chat .answer.abstained").last
    assert refusal.is_visible() and "Not in the articles" in refusal.inner_text()
    color = refusal.evaluate("e => getComputedStyle(e).backgroundColor")
    normal = page.locator("#chat .answer:not(.abstained)").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert color != normal


def test_upload_an_article_then_ask_about_it(page, app_url: str, tmp_path: Path) -> None:  # noqa: ANN001
    article = tmp_path / "lunar.markdown"  # every suffix the loader takes, not only the common ones
    article.write_text("# Space agency roundup\n\nThe lunar research base at Shackleton crater opened in 2031 "
                       "after a decade of work. Twelve engineers will live there in shifts.\n")
    page.goto(f"{app_url}/ui/")
    page.get_by_role("tab", name="Library").click()
    page.locator("#upload input[type=file]").set_input_files(str(article))
    page.locator("#ingest").click()
    page.locator("#ingest-status").get_by_text("1 added").wait_for()
    page.locator("#articles").get_by_text("Space agency roundup").first.wait_for()
    page.get_by_role("tab", name="Chat").click()
    ask(page, "when did the lunar research base open?")
    assert "2031" in page.locator("#chat .answer").last.inner_text()


def test_markup_inside_an_article_never_runs(page, app_url: str, tmp_path: Path) -> None:  # noqa: ANN001
    hostile = tmp_path / "harbor.txt"
    hostile.write_text(HOSTILE)
    page.goto(f"{app_url}/ui/")
    page.get_by_role("tab", name="Library").click()
    page.locator("#upload input[type=file]").set_input_files(str(hostile))
    page.locator("#ingest").click()
    page.locator("#ingest-status").get_by_text("1 added").wait_for()
    page.locator("#articles").get_by_text("onerror").first.wait_for()  # the title, shown as text
    page.get_by_role("tab", name="Chat").click()
    ask(page, "when did the new ferry pier open?")
    page.locator('#chat a[href="#src-0-1"]').click()
    passage = page.locator("#src-0-1 blockquote")
    assert "<script>window.__pwned='script'</script>" in passage.inner_text()
    assert "onerror" in page.locator("#src-0-1 summary").inner_text()
    page.wait_for_timeout(300)  # let any injected image fail and fire onerror, if one existed
    assert page.evaluate("window.__pwned") is None and page.dialogs == []
    assert page.locator("#sources img, #sources script, #chat img[src=x], #chat img[src=y]").count() == 0


def test_embed_in_an_iframe_on_another_origin(page, app_url: str, wiki) -> None:  # noqa: ANN001
    page.goto(wiki[1])
    frame = page.frame_locator("#assistant")
    frame.locator("#question").fill(FOUNDING_QUESTION)
    frame.locator("button[type=submit]").click()
    bot = frame.locator(".msg.bot").last
    bot.locator("button.cite").first.wait_for()
    assert "2010" in bot.inner_text()
    assert bot.locator(".short-answer").inner_text() == "2010"  # the answer first, then the quote
    assert re.fullmatch(r"Confidence: [a-z ]+ \(\d+%\)", bot.locator(".confidence").inner_text().strip())
    assert bot.inner_text().startswith("2010")
    bot.locator("button.cite").first.click()
    mark = frame.locator("#src-0-1 mark")
    assert mark.is_visible() and "in 2010 established a framework" in mark.inner_text()
    assert KEY not in page.frames[1].content()  # the page holds a short-lived token, not the key
    frame.locator("#question").fill("when did the new ferry pier open?")  # the hostile article, if ingested
    frame.locator("button[type=submit]").click()
    frame.locator(".msg.bot").nth(1).locator("button.cite, .note").first.wait_for()
    embedded = next(f for f in page.frames if f.url.endswith("/embed"))
    assert embedded.evaluate("window.__pwned") is None and page.dialogs == []


def test_embed_refuses_other_sites(page, app_url: str, wiki) -> None:  # noqa: ANN001
    other = wiki[1].replace("127.0.0.1", "localhost")  # same server, another origin: not allowed
    page.goto(other)
    frame = page.frame_locator("#assistant")
    page.wait_for_timeout(1000)
    assert frame.locator("#question").count() == 0


@pytest.fixture(scope="module")
def manual_wiki(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[str]:  # noqa: ANN001
    """Three pages of the PostgreSQL manual published on a local 'wiki', ingested with
    ``page_urls`` mapping their directory to it; yields the chat app's URL."""
    assert MANUAL.is_dir(), f"{MANUAL} is missing: install postgresql-doc-15 (bash scripts/test does)"
    pages = tmp_path_factory.mktemp("wiki") / "docs" / "15"
    pages.mkdir(parents=True)
    for name in ("sql-cluster.html", "populate.html", "queries-limit.html", "stylesheet.css"):
        shutil.copy(MANUAL / name, pages / name)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Pages, directory=str(pages.parent.parent)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = tmp_path_factory.mktemp("wiki-index")
    settings = Settings(index_dir=base / "index", corpus_dir=base / "corpus", progress=False,
                        page_urls=f"{pages}=http://127.0.0.1:{httpd.server_port}/docs/15/")
    assistant: Assistant = build_assistant(settings, embedder)
    assistant.ingest([pages])
    with live_server(web_app(assistant, settings)) as url:
        yield url
    httpd.shutdown()


IN_VIEW = """needle => {
    const squash = s => s.replace(/\\s+/g, " ").trim();
    const holders = [...document.body.querySelectorAll("*")].filter(e => squash(e.textContent).includes(needle));
    const smallest = holders.sort((a, b) => a.textContent.length - b.textContent.length)[0];
    const box = smallest.getBoundingClientRect();
    return {top: box.top, bottom: box.bottom, height: innerHeight, scrolled: scrollY};
}"""


def test_a_source_link_opens_the_wiki_page_at_the_quoted_sentence(browser, manual_wiki: str) -> None:  # noqa: ANN001
    # A short window, so that the quoted sentence of the page is below its first screen.
    context = browser.new_context(viewport={"width": 1280, "height": 420})
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{manual_wiki}/ui/")
    ask(page, "What happens to the physical order of a table when you cluster it?")
    page.locator('#chat a[href="#src-0-1"]').click()
    source = page.locator("#src-0-1")
    quote = source.locator("mark").inner_text()
    assert "clustered" in quote
    link = source.locator(".meta a")
    assert link.inner_text().endswith("/docs/15/sql-cluster.html")  # the page's address, shown as it is
    with page.expect_popup() as opened:
        link.click()
    wiki_page = opened.value
    wiki_page.wait_for_load_state()
    wiki_page.wait_for_timeout(500)  # the browser scrolls to the text after the load
    assert wiki_page.url.split("#")[0].endswith("/docs/15/sql-cluster.html")
    seen = wiki_page.evaluate(IN_VIEW, quote)
    assert seen["scrolled"] > 0, seen  # the sentence is below the first screen of the page ...
    assert 0 <= seen["top"] < seen["height"], seen  # ... and the browser scrolled it into view
    context.close()


def test_the_embedded_chat_links_its_sources_at_the_quote_too(page, manual_wiki: str) -> None:  # noqa: ANN001
    page.goto(f"{manual_wiki}/embed")
    page.locator("#question").fill("What happens to the physical order of a table when you cluster it?")
    page.locator("button[type=submit]").click()
    page.locator(".msg.bot button.cite").first.click()
    link = page.locator("#src-0-1 .meta a")
    quote = page.locator("#src-0-1 mark").inner_text()
    assert link.inner_text().endswith("/docs/15/sql-cluster.html")
    assert link.get_attribute("href") == sentence_link(link.inner_text(), quote)

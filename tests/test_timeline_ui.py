"""Dated answers and timelines in a real headless Chromium (Debian's), chat UI and /embed.

One server for the module: the whole web app on a loopback port over real dated news
(tests/story.py: four Wikinews reports of 2020, two of them the Navalny poisoning). The first test
asks the story question of the real Assistant; the others put the answer that question should get
(``story.timeline_answer``) behind ``Assistant.stream``, the seam the UI and /embed call, so that
the rendering is checked on its own. The first test writes docs/images/timeline.png (the README's): the real answer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant import Assistant, Settings
from assistant.answer.answers import TimelineEntry
from assistant.web.server import web_app

from .conftest import ROOT, build_assistant
from .live import live_server
from .story import QUOTES, TIMELINE_QUESTION, answering, timeline_answer, write_story
from .test_ui import ask, browser, page  # noqa: F401 - the browser fixtures and the chat's ask()

# Scroll the chat so that this element is at the top, below the chat's floating label.
SHOW_FROM_THE_TOP = """e => {
    e.scrollIntoView({block: "start"});
    let box = e.parentElement;
    while (box && !(box.scrollHeight > box.clientHeight && /auto|scroll/.test(getComputedStyle(box).overflowY))) {
        box = box.parentElement;
    }
    if (box) box.scrollTop -= 36;
}"""
CHANGE = ("The finding changed: on 22 August 2020 the hospital in Omsk found no poison; on 5 September 2020 "
          "Germany said a military laboratory had found Novichok.")
HOSTILE = "Reported <img src=x onerror=\"window.__pwned='img'\"> <script>window.__pwned='script'</script> & more"


@pytest.fixture(scope="module")
def story_app(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[tuple[str, Assistant]]:  # noqa: ANN001
    base = tmp_path_factory.mktemp("story-ui")
    settings = Settings(index_dir=base / "index", corpus_dir=write_story(base / "corpus"), progress=False)
    assistant = build_assistant(settings, embedder)
    assistant.ensure_index()
    with live_server(web_app(assistant, settings)) as url:
        yield url, assistant


def test_the_story_question_shows_dated_sources_and_a_timeline(page, story_app) -> None:  # noqa: ANN001, F811
    """The real Assistant, end to end: each quote's date under it, then the timeline, oldest first."""
    url, _ = story_app
    page.goto(f"{url}/ui/")
    ask(page, TIMELINE_QUESTION)
    dated = page.locator("#chat .dated-sources").last.locator(".dated-source")
    assert dated.count() >= 1
    for line in dated.all_inner_texts():
        assert line.startswith("[") and " 2020 · Wikinews" in line, line
    timeline = page.locator("#chat ol.timeline").last
    assert timeline.count() == 1, f"no timeline in the answer: {page.locator('#chat').inner_text()!r}"
    days = timeline.locator("li time").evaluate_all("times => times.map(t => t.getAttribute('datetime'))")
    assert len(days) >= 2 and days == sorted(days), days
    assert days[0] == "2020-08-22" and days[-1] == "2020-09-05", days
    page.wait_for_timeout(500)  # the chat's own scrolling to the newest message ends first
    top = page.locator("#chat .as-of").last
    assert top.inner_text() == "As of 5 September 2020"
    top.evaluate(SHOW_FROM_THE_TOP)
    page.wait_for_timeout(100)
    assert top.is_visible(), "the screenshot would not show the answer's top"
    images = ROOT / "docs" / "images"
    images.mkdir(exist_ok=True)
    page.screenshot(path=str(images / "timeline.png"))  # the real answer, shown in the README


def test_the_chat_draws_the_timeline_and_its_links_open_the_sources(page, story_app, monkeypatch) -> None:  # noqa: ANN001, F811
    url, assistant = story_app
    monkeypatch.setattr(assistant, "stream", answering(timeline_answer(assistant)))
    page.goto(f"{url}/ui/")
    ask(page, TIMELINE_QUESTION)
    assert page.locator("#chat .as-of").last.inner_text() == "As of 5 September 2020"
    timeline = page.locator("#chat ol.timeline").last
    entries = timeline.locator("li")
    assert entries.count() == len(QUOTES)
    assert timeline.locator("time").all_inner_texts() == ["22 August 2020", "22 August 2020",
                                                          "5 September 2020", "5 September 2020"]
    assert [text.strip() for text in timeline.locator(".event").all_inner_texts()] == [q for _, q in QUOTES]
    # drawn as a timeline: a vertical line with a dot on it for each entry
    line = timeline.evaluate("e => [getComputedStyle(e).borderLeftStyle, getComputedStyle(e).listStyleType]")
    assert line == ["solid", "none"]
    dot = entries.first.evaluate("e => getComputedStyle(e, '::before').borderRadius")
    assert dot == "50%"
    dated = page.locator("#chat .dated-source").all_inner_texts()
    assert dated == ["[1] 22 August 2020 · Wikinews", "[2] 22 August 2020 · Wikinews",
                     "[3] 5 September 2020 · Wikinews", "[4] 5 September 2020 · Wikinews"]
    source = page.locator("#src-0-3")
    assert source.evaluate("e => e.open") is False
    entries.nth(2).locator('a[href="#src-0-3"]').click()  # the entry's [3] opens source 3
    assert source.evaluate("e => e.open") is True
    assert "found Novichok in Navalny's blood" in source.locator("mark").inner_text()
    assert "5 September 2020" in source.locator(".meta").inner_text()


def test_the_embedded_chat_shows_the_same_dates_and_timeline_as_text(page, story_app, monkeypatch) -> None:  # noqa: ANN001, F811
    url, assistant = story_app
    answer = timeline_answer(assistant)
    answer.timeline.append(TimelineEntry("2020-09-05", HOSTILE, 4))  # article text is text, here too
    answer.notes.append(CHANGE)
    monkeypatch.setattr(assistant, "stream", answering(answer))
    page.goto(f"{url}/embed")
    page.locator("#question").fill(TIMELINE_QUESTION)
    page.locator("button[type=submit]").click()
    bot = page.locator(".msg.bot").last
    bot.locator(".dated-sources").wait_for()
    assert bot.locator(".as-of").inner_text() == "As of 5 September 2020"
    assert bot.inner_text().startswith("As of 5 September 2020")  # above the answer
    timeline = bot.locator("ol.timeline")
    assert timeline.locator("time").all_inner_texts() == ["22 August 2020", "22 August 2020", "5 September 2020",
                                                          "5 September 2020", "5 September 2020"]
    assert timeline.locator(".event").all_inner_texts() == [*(q for _, q in QUOTES), HOSTILE]
    assert timeline.locator("li time").first.get_attribute("datetime") == "2020-08-22"
    assert bot.locator(".answer-note").inner_text() == CHANGE
    assert bot.locator(".dated-source").all_inner_texts() == [
        "[1] 22 August 2020 · Wikinews", "[2] 22 August 2020 · Wikinews",
        "[3] 5 September 2020 · Wikinews", "[4] 5 September 2020 · Wikinews"]
    timeline.locator("li").nth(2).locator("button.cite").click()  # the entry's [3] opens source 3
    assert page.locator("#src-0-3").evaluate("e => e.open") is True
    assert "5 September 2020" in page.locator("#src-0-3 .meta").inner_text()
    assert "found Novichok in Navalny's blood" in page.locator("#src-0-3 mark").inner_text()
    page.wait_for_timeout(300)  # let an injected image fail and fire onerror, if one existed
    assert page.evaluate("window.__pwned") is None and page.dialogs == []
    assert page.locator("img, .msg script").count() == 0

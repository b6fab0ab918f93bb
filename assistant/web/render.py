"""Answers and their sources as HTML for the chat UI, built by hand so article text stays text.

Articles come from anywhere (uploads, scraped pages), so every piece of article text that reaches
a page (titles, sources, passages, quotes, even the answer, which quotes articles) goes through
:func:`html.escape` here, and only the markup this module writes itself is markup. A ``<script>``
or ``<img onerror=...>`` inside an article is shown as those characters and never runs.

Each answer is one *turn*; its citation markers ``[n]`` link to ``#src-<turn>-<n>``, an entry of
the sources panel holding the title, source, date, link and the passage with the quoted sentence
marked. URLs become links only when they are http(s), so a ``javascript:`` URL stays text.

Time is shown where the reader needs it: "As of 18 March 2008" above an answer that holds at a
date, its notes (e.g. "The rate changed: ...") under it, a line "[1] 18 March 2008 · Federal
Reserve" under the quotes for each citation, and, for a
"how did X develop?" question, the timeline as an ``<ol class="timeline">`` (date, sentence, ``[n]``),
oldest first. Dates are written by :func:`~assistant.ingest.dates.human_date`, as the CLI writes them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..ingest.dates import human_date

_MARKER = re.compile(r"\[(\d{1,3})\]")
NOT_IN_ARTICLES = "Not in the articles"


def answer_html(answer: Mapping[str, Any], turn: int, streaming: bool = False) -> str:
    """One chat message for an answer (``Answer.to_dict()``): text, markers as links, and a note.

    Example: ``answer_html({"answer": "In 2010 [1]", "abstained": False, "citations": []}, 0)``
    -> ``'<div class="answer">In 2010 <a class="cite" href="#src-0-1" ...>[1]</a></div>'``
    """
    timeline = answer.get("timeline", [])
    # A timeline's text repeats its entries after a lead line; the entries are drawn as a timeline.
    text = html.escape(answer.get("answer", "").split("\n")[0] if timeline else answer.get("answer", ""))
    if answer.get("abstained"):
        body = f'<div class="answer abstained"><strong>{NOT_IN_ARTICLES}.</strong> {text}</div>'
    else:
        citations = answer.get("citations", [])
        numbers = {c["n"] for c in citations}
        css = "answer streaming" if streaming else "answer"  # streaming: text so far, no sources yet
        body = f'<div class="{css}">' + _MARKER.sub(lambda m: _cite_link(m, turn, numbers), text) + "</div>"
        notes = "".join(f'<div class="answer-note">{html.escape(note)}</div>'
                        for note in answer.get("notes", []) if note not in answer.get("answer", ""))
        body = body + timeline_html(timeline, turn, numbers) + notes + dated_sources_html(citations)
        if answer.get("confidence_words"):  # how likely what is shown first is right, calibrated
            body = f'<div class="confidence">Confidence: {html.escape(answer["confidence_words"])}</div>' + body
        if answer.get("short_answer"):  # the answer itself, above the quotes that prove it
            body = f'<div class="short-answer">{html.escape(answer["short_answer"])}</div>' + body
    if answer.get("as_of") and not answer.get("answer", "").startswith("As of"):  # else the text says it
        body = f'<div class="as-of">As of {html.escape(human_date(answer["as_of"]))}</div>' + body
    standalone, asked = answer.get("standalone_question", ""), answer.get("question", "")
    if standalone and standalone != asked:
        body += f'<div class="understood">Understood as: {html.escape(standalone)}</div>'
    return body


def _cite_link(match: re.Match[str], turn: int, numbers: set[int]) -> str:
    n = int(match.group(1))
    if n not in numbers:
        return match.group(0)  # "[3]" in a quoted sentence is the article's, not a citation
    return _cite(n, turn)


def _cite(n: int, turn: int) -> str:
    return f'<a class="cite" href="#src-{turn}-{n}" data-turn="{turn}" data-n="{n}">[{n}]</a>'


def timeline_html(timeline: Sequence[Mapping[str, Any]], turn: int, numbers: set[int]) -> str:
    """A story's dated entries (``Answer.timeline``, oldest first) as a list: date, sentence, ``[n]``.

    Example: ``timeline_html([{"date": "2020-08-22", "text": "Airlifted.", "citation": 1}], 0, {1})``
    -> ``'<ol class="timeline"><li><time datetime="2020-08-22">22 August 2020</time> ...</li></ol>'``
    """
    if not timeline:
        return ""
    items = []
    for entry in timeline:
        date, n = str(entry.get("date", "")), int(entry.get("citation", 0))
        cite = f" {_cite(n, turn)}" if n in numbers else f" [{n}]" if n else ""  # as markers: a link when cited
        items.append(f'<li><time datetime="{html.escape(date, quote=True)}">{html.escape(human_date(date))}</time>'
                     f' <span class="event">{html.escape(str(entry.get("text", "")))}</span>{cite}</li>')
    return '<ol class="timeline">' + "".join(items) + "</ol>"


def dated_sources_html(citations: Sequence[Mapping[str, Any]]) -> str:
    """Under the quotes, one line per citation: ``[n] date · source``, so each quote shows its date.
    The ``[n]`` here is a label, not a link: the quote's own marker above is the link.

    Example: ``dated_sources_html([{"n": 1, "published": "2008-03-18", "source": "Fed"}])``
    -> ``'<div class="dated-sources"><div class="dated-source"><span class="n">[1]</span> 18 March 2008 · Fed</div></div>'``
    """
    if not citations:
        return ""
    lines = []
    for c in citations:
        when = human_date(c.get("published", "")) or "date unknown"
        said = " · ".join(html.escape(x) for x in (when, c.get("source", "")) if x)
        lines.append(f'<div class="dated-source"><span class="n">[{int(c["n"])}]</span> {said}</div>')
    return '<div class="dated-sources">' + "".join(lines) + "</div>"


def sources_html(turns: Sequence[tuple[str, Sequence[Mapping[str, Any]]]]) -> str:
    """The sources panel: one group per answered question (latest open), one entry per citation."""
    if not turns:
        return '<div class="sources-empty">Sources of the answers appear here.</div>'
    groups = []
    last = len(turns) - 1
    for turn in range(last, -1, -1):
        question, citations = turns[turn]
        entries = "".join(source_html(c, turn) for c in citations) or (
            '<p class="no-sources">No sources: the articles do not answer this.</p>'
        )
        opened = " open" if turn == last else ""
        groups.append(
            f'<details class="turn" id="turn-{turn}"{opened}><summary>{html.escape(question)}</summary>'
            f"{entries}</details>"
        )
    return '<div class="sources">' + "".join(groups) + "</div>"


def source_html(citation: Mapping[str, Any], turn: int) -> str:
    """One source: ``[n] title``, then source, date and link, then the passage, quote marked."""
    n = int(citation["n"])
    meta = [html.escape(x) for x in (citation.get("source", ""), human_date(citation.get("published", ""))) if x]
    url = citation.get("url", "")
    if url.startswith(("http://", "https://")):  # the link opens the page at the quote (answer/links.py)
        href = citation.get("link") or url
        meta.append(f'<a href="{html.escape(href, quote=True)}" target="_blank" rel="noopener noreferrer" '
                    f'title="Open the page at the quoted sentence">{html.escape(url)}</a>')
    elif url:
        meta.append(html.escape(url))
    return (
        f'<details class="source" id="src-{turn}-{n}" data-n="{n}">'
        f'<summary><span class="n">[{n}]</span> {html.escape(citation.get("title") or "Untitled")}</summary>'
        f'<div class="meta">{" · ".join(meta)}</div>'
        f'<blockquote class="passage">{highlight(citation.get("passage", ""), citation.get("quote", ""))}</blockquote>'
        "</details>"
    )


def highlight(passage: str, quote: str) -> str:
    """The passage, escaped, with the quoted sentence in ``<mark>``.

    Example: ``highlight("a <b> c", "<b>")`` -> ``'a <mark>&lt;b&gt;</mark> c'``
    """
    at = passage.find(quote) if quote else -1
    if at < 0:
        # The quote is always cut from the passage; if not (an LLM paraphrase), show both.
        shown = html.escape(passage)
        return f"<mark>{html.escape(quote)}</mark><br>{shown}" if quote else shown
    before, after = passage[:at], passage[at + len(quote):]
    return f"{html.escape(before)}<mark>{html.escape(quote)}</mark>{html.escape(after)}"


def plain_history(turns: Sequence[tuple[str, Mapping[str, Any]]]) -> list[dict[str, str]]:
    """The conversation as the ``Assistant`` takes it: plain text, never the HTML shown."""
    history: list[dict[str, str]] = []
    for question, answer in turns:
        history.append({"role": "user", "content": question})
        history.append({"role": "assistant", "content": answer.get("answer", "")})
    return history

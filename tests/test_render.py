"""The HTML of answers and sources: article text is always text."""

from __future__ import annotations

from assistant.web.render import answer_html, highlight, plain_history, sources_html

CITATION = {"n": 1, "title": "<b>Bold</b> title", "source": "Wire & Co", "published": "2023-06-01",
            "url": "javascript:alert(1)", "passage": "Before. <i>The quote.</i> After.",
            "quote": "<i>The quote.</i>"}


def test_markers_link_only_real_citations() -> None:
    html = answer_html({"question": "q", "answer": "Said <i>so</i> [1] and [7]", "abstained": False,
                        "citations": [CITATION]}, turn=2)
    assert '<a class="cite" href="#src-2-1"' in html and "[7]</div>" in html
    assert "&lt;i&gt;so&lt;/i&gt;" in html and "<i>" not in html


def test_abstention_and_understood_as() -> None:
    html = answer_html({"question": "and when?", "standalone_question": "talks? and when?",
                        "answer": "The articles do not say.", "abstained": True, "citations": []}, 0)
    assert 'class="answer abstained"' in html and "Not in the articles" in html
    assert "Understood as: talks? and when?" in html


def test_source_escapes_everything_and_marks_the_quote() -> None:
    html = sources_html([("<q>", [CITATION])])
    assert "<b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; title" in html and "Wire &amp; Co" in html
    assert "<mark>&lt;i&gt;The quote.&lt;/i&gt;</mark>" in html
    assert 'href="javascript' not in html  # a non-http URL is shown, never linked
    assert highlight("abc", "zz") == "<mark>zz</mark><br>abc"


def test_history_is_plain_text() -> None:
    turns = [("q1", {"answer": "a1 [1]"})]
    assert plain_history(turns) == [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1 [1]"}]

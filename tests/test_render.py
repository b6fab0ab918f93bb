"""The HTML of answers and sources: article text is always text, and every citation shows its date."""

from __future__ import annotations

import re

import pytest

from assistant.ingest.dates import human_date
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


FED = {"n": 1, "title": "FOMC statement, March 18, 2008", "source": "Federal Reserve", "published": "2008-03-18",
       "url": "", "passage": "The Committee decided to lower its target.", "quote": "The Committee decided to lower its target."}
NAVALNY = [
    {"n": 1, "title": "Russia's Navalny airlifted to Germany", "source": "Wikinews", "published": "2020-08-22",
     "url": "", "passage": "Navalny was airlifted.", "quote": "Navalny was airlifted."},
    {"n": 2, "title": "Germany says Alexei Navalny poisoned with Novichok", "source": "Wikinews",
     "published": "2020-09-05", "url": "", "passage": "Novichok, said Germany.", "quote": "Novichok, said Germany."},
]
TIMELINE = [
    {"date": "2020-08-22", "text": "Navalny was airlifted from Omsk to Berlin.", "citation": 1},
    {"date": "2020-09-05", "text": "Germany said Navalny was poisoned with Novichok.", "citation": 2},
]


@pytest.mark.parametrize(("iso", "shown"), [
    ("2008-03-18", "18 March 2008"), ("2020-08-02", "2 August 2020"), ("2024-07-28T23:30:00-05:00", "28 July 2024"),
    ("2008-03", "March 2008"), ("", ""), ("in spring", "in spring"), ("2008-13-01", "2008-13-01"),
])
def test_dates_are_shown_in_words(iso: str, shown: str) -> None:
    assert human_date(iso) == shown  # a moment keeps its own calendar day, whatever the reader's zone


def test_every_quote_shows_its_date_and_source_under_it() -> None:
    undated = {**FED, "n": 2, "published": "", "source": "The Yomiuri Shimbun"}
    html = answer_html({"question": "q", "answer": "Lowered. [1] Talks. [2]", "abstained": False,
                        "citations": [FED, undated]}, turn=0)
    answer, dated = html.split('<div class="dated-sources">')
    assert "[1]" in answer and '<span class="n">[1]</span> 18 March 2008 · Federal Reserve' in dated
    assert '<span class="n">[2]</span> date unknown · The Yomiuri Shimbun' in dated
    assert "18 March 2008" in sources_html([("q", [FED])])  # and the sources panel, in words too
    assert "dated-sources" not in answer_html({"answer": "Lowered. [1]"}, 0, streaming=True)


def test_as_of_is_said_once_when_the_answer_text_says_it() -> None:
    html = answer_html({"question": "q", "answer": "As of 31 March 2008 (asked: March 2008): Cut to 2-1/4 percent. [1]",
                        "abstained": False, "as_of": "2008-03-31", "citations": [FED]}, 0)
    assert html.count("As of 31 March 2008") == 1 and 'class="as-of"' not in html


def test_as_of_is_shown_above_the_answer() -> None:
    html = answer_html({"question": "q", "answer": "It was 2.25 percent. [1]", "abstained": False,
                        "short_answer": "2.25 percent", "as_of": "2008-03-18", "citations": [FED]}, 0)
    assert html.startswith('<div class="as-of">As of 18 March 2008</div><div class="short-answer">')
    assert "As of" not in answer_html({"question": "q", "answer": "x [1]", "abstained": False,
                                       "citations": [FED], "as_of": ""}, 0)


def test_notes_are_shown_under_the_answer_as_text() -> None:
    change = "The rate changed: 3 percent on 30 January 2008, 2.25 percent on 18 March 2008 <b>[1]</b>."
    html = answer_html({"question": "q", "answer": "Lowered. [1]", "abstained": False, "citations": [FED],
                        "notes": [change, "Lowered."]}, 0)
    assert html.count('class="answer-note"') == 1  # a note the answer already says is not repeated
    assert '<div class="answer-note">The rate changed: 3 percent on 30 January 2008, 2.25 percent on 18 March ' \
           '2008 &lt;b&gt;[1]&lt;/b&gt;.</div><div class="dated-sources">' in html


def test_timeline_is_an_ordered_list_of_dated_entries_linking_their_sources() -> None:
    html = answer_html({"question": "How did it develop?", "answer": "Airlifted. [1]\nPoisoned. [2]",
                        "abstained": False, "citations": NAVALNY, "timeline": TIMELINE, "as_of": "2020-09-05"}, turn=3)
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', html).group(1)
    entries = re.findall(r"<li>(.*?)</li>", timeline)
    assert entries == [
        '<time datetime="2020-08-22">22 August 2020</time> <span class="event">Navalny was airlifted from Omsk to '
        'Berlin.</span> <a class="cite" href="#src-3-1" data-turn="3" data-n="1">[1]</a>',
        '<time datetime="2020-09-05">5 September 2020</time> <span class="event">Germany said Navalny was poisoned '
        'with Novichok.</span> <a class="cite" href="#src-3-2" data-turn="3" data-n="2">[2]</a>',
    ]
    # as of, the lead line of the text (its first line: the entries follow in the text too), then the entries
    assert html.index("As of 5 September 2020") < html.index('<div class="answer">') < html.index("timeline")
    assert "Poisoned" not in html.split('<ol class="timeline">')[0]
    assert "timeline" not in answer_html({"answer": "x", "abstained": False, "citations": [], "timeline": []}, 0)


def test_a_hostile_timeline_entry_is_shown_as_text() -> None:
    hostile = [{"date": '2020-08-22"><script>alert(1)</script>', "citation": 1,
                "text": "Airlifted <img src=x onerror=\"alert('xss')\"> & <script>window.x=1</script>"},
               {"date": "2020-09-05", "text": "Cites a number the answer lacks.", "citation": 7}]
    html = answer_html({"question": "q", "answer": "a [1]", "abstained": False, "citations": NAVALNY[:1],
                        "timeline": hostile}, 0)
    assert "<img" not in html and "<script" not in html
    assert "Airlifted &lt;img src=x onerror=&quot;alert(&#x27;xss&#x27;)&quot;&gt; &amp; &lt;script&gt;" in html
    assert 'datetime="2020-08-22&quot;&gt;&lt;script&gt;' in html  # the attribute cannot be closed
    assert "Cites a number the answer lacks.</span> [7]</li>" in html  # shown, not linked to a missing source

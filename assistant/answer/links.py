"""Links that open a cited page at the quoted sentence, with a URL text fragment.

A text fragment (``#:~:text=...``, https://wicg.github.io/scroll-to-text-fragment/) tells the
browser to scroll to and highlight the first match of the given words; Chromium-based browsers,
Safari (16.1+) and Firefox (131+) follow it, and any other browser opens the page at its top. The
quote is the sentence as the loader laid it out, which for HTML prose is the text the browser
renders (whitespace collapsed, one space between words), so the words match the page.

A sentence is matched whole up to 40 words: its first few words alone can match an earlier
sentence that begins alike (pprint's page has "Determine if the formatted representation of
object is ..." before the quoted "Determine if the formatted representation of the object is
..."). A longer one is linked by its first and last eight words (``textStart,textEnd``), to keep
the link short. Measured in Chromium on 400 first citations of the PostgreSQL and Python manuals
(docs/evaluation.md, "Links to the quoted sentence").

Example: ``sentence_link("https://wiki/p.html", "It opened in 2019.")``
-> ``"https://wiki/p.html#:~:text=It%20opened%20in%202019."``
"""

from __future__ import annotations

from urllib.parse import quote as _percent

WHOLE_UP_TO = 40  # a sentence of at most this many words is matched whole
EDGE_WORDS = 8  # words kept at each end of a longer one


def sentence_link(url: str, sentence: str) -> str:
    """``url`` with a text fragment for ``sentence``; ``url`` itself when it is not a web address
    or the sentence has no words; "" when there is no url."""
    words = sentence.split()
    if not url.startswith(("http://", "https://")) or not words:
        return url
    if len(words) <= WHOLE_UP_TO:
        directive = _term(" ".join(words))
    else:
        directive = f"{_term(' '.join(words[:EDGE_WORDS]))},{_term(' '.join(words[-EDGE_WORDS:]))}"
    page, _, fragment = url.partition("#")
    fragment = fragment.split(":~:", 1)[0]  # a directive already there is replaced, the anchor kept
    return f"{page}#{fragment}:~:text={directive}"


def _term(text: str) -> str:
    """Percent-encoded for a text directive: "-", "," and "&" are its syntax, so they are encoded too."""
    return _percent(text, safe="").replace("-", "%2D")

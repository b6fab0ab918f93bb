"""Sentence-aware chunking with character offsets into the article text.

Pure and deterministic: the same article and settings always give the same chunks with the
same ids, which is what makes re-ingesting idempotent. Sentences never straddle chunks, so a
citation can always quote whole sentences and point at their exact span.

Sentences are found inside the article's blocks (:mod:`assistant.ingest.blocks`: given by the
loader, or inferred from blank lines and hard line breaks), never across them, and each keeps
its block's kind, so the answerer can tell a sentence of prose from a heading, a table row or
a line of code. In a prose block a line break reads as a space (hard-wrapped text); a table's
rows and a code block's paragraphs are its "sentences"; a heading or caption is one. A prose
block that is a short line without final punctuation (a byline, a list entry, a line of
links) is a ``fragment``, not prose.

Sentence boundaries come from Bling Fire (a compiled, rule-based segmenter: about 25 times
faster than pysbd on the dev set, which matters at 100k chunks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .blocks import HEADLINE_WORDS, Block, plain_blocks

Span = tuple[int, int]
# The kinds of sentence an answer may quote (prose; code and table rows when asked for). Headings,
# captions and fragments never answer: the ingest embeds no vector for them.
QUOTABLE_KINDS = frozenset({"prose", "code", "table"})
Sentence = tuple[int, int, str]  # (start, end, kind)

_FINAL = re.compile(r"[.!?:;…\"'’”)\]]$")
_LINES = re.compile(r"[^\n]+")
_PARAGRAPHS = re.compile(r"\S(?:.*\S)?(?:\n[ \t\r\f\v]*\S.*)*", re.MULTILINE)
# A sentence that starts with a number, after one that ends on a lowercase word: "... the role can
# make. -1 (the default) means no limit." (the sentence splitter keeps them together). Not after an
# abbreviation ("approx. 20", "Jan. 5", "No. 7", "e.g. 3": listed, capitalised, short or dotted).
_NUMBER_OPENS = re.compile(r"(?<![\w.])([a-z]{3,})[.!?]\s+(?=[-\u2212]?\d)")
_ABBREVIATIONS = frozenset("approx etc vol vols fig figs sec secs est art ref refs nos eqs viz incl".split())


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one article: ``text == article.text[start:end]``."""

    id: str
    article_id: str
    index: int
    text: str
    start: int
    end: int
    sentences: tuple[Span, ...]  # absolute (start, end) offsets of each sentence
    kinds: tuple[str, ...] = ()  # each sentence's kind ("prose", "heading", ...); empty: all prose

    def between(self, start: int, end: int) -> str:
        """The chunk's text between article offsets ``start`` and ``end`` (a sentence's span)."""
        return self.text[start - self.start : end - self.start]


def split_sentences(text: str, max_chars: int = 2000, blocks: Sequence[Block] = ()) -> list[Span]:
    """Offsets of the sentences in ``text``, without surrounding whitespace.

    Example: ``split_sentences("It rained. We left.\\nNext")`` -> ``[(0, 10), (11, 19), (20, 24)]``
    """
    return [(start, end) for start, end, _ in sentences(text, max_chars, blocks)]


def sentences(text: str, max_chars: int = 2000, blocks: Sequence[Block] = ()) -> list[Sentence]:
    """The sentences of ``text`` with their kinds, block by block.

    Example: ``sentences("Storm hits coast\\nThe storm hit the coast on Monday. Power failed.")``
    -> ``[(0, 16, "heading"), (17, 51, "prose"), (52, 65, "prose")]``
    """
    out: list[Sentence] = []
    previous_end = 0
    for start, end, kind in blocks or plain_blocks(text)[0]:
        start, end = max(start, previous_end), min(end, len(text))
        if end <= start:
            continue
        previous_end = end
        if kind == "prose" and _fragment(text[start:end]):
            kind = "fragment"
        for s, e in _units(text, start, end, kind):
            out += [(ps, pe, kind) for ps, pe in _cap(text, s, e, max_chars)]
    return out


def _units(text: str, start: int, end: int, kind: str) -> list[Span]:
    """Where a block's sentences are, before trimming and capping."""
    body = text[start:end]
    if kind == "table":
        return [(start + m.start(), start + m.end()) for m in _LINES.finditer(body)]
    if kind == "code":
        return [(start + m.start(), start + m.end()) for m in _PARAGRAPHS.finditer(body)]
    if kind != "prose" and kind != "fragment":
        return [(start, end)]
    import blingfire

    _, offsets = blingfire.text_to_sentences_and_offsets(body.replace("\n", " "))
    return [(start + a, start + b) for s, e in offsets for a, b in _at_numbers(body, s, e)]


def _at_numbers(body: str, start: int, end: int) -> list[Span]:
    """``body[start:end]`` cut before each sentence that opens with a number (``_NUMBER_OPENS``)."""
    cuts = [m.end() for m in _NUMBER_OPENS.finditer(body, start, end) if m.group(1) not in _ABBREVIATIONS]
    bounds = [start, *cuts, end]
    return [(a, b) for a, b in zip(bounds, bounds[1:])]


def _fragment(body: str) -> bool:
    return not _FINAL.search(body.rstrip()) and len(body.split()) <= HEADLINE_WORDS


def _cap(text: str, start: int, end: int, max_chars: int) -> list[Span]:
    """Cut a run-on "sentence" (a long table row, a list without punctuation) at whitespace,
    and trim whitespace from the pieces."""
    pieces: list[Span] = []
    start, end = _trim(text, start, end)
    while end - start > max_chars:
        cut = start + max_chars
        space = max(text.rfind(" ", start + max_chars // 2, cut), text.rfind("\n", start + max_chars // 2, cut))
        cut = space if space > 0 else cut
        pieces.append(_trim(text, start, cut))
        start, end = _trim(text, cut, end)
    pieces.append((start, end))
    return [(s, e) for s, e in pieces if e > s]


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def chunk_text(
    article_id: str, text: str, chunk_chars: int, overlap_chars: int, version: str = "",
    blocks: Sequence[Block] = (),
) -> list[Chunk]:
    """Pack whole sentences into chunks of about ``chunk_chars``, repeating up to
    ``overlap_chars`` of trailing sentences at the start of the next chunk.

    ``version`` (the article's content hash) goes into chunk ids, so the chunks of an edited
    article never collide with the chunks they replace. ``blocks`` are the article's blocks
    (``Article.blocks``); without them they are inferred from the text.

    Example: ``chunk_text("a1", "One. Two. Three.", 9, 0)[1].text`` -> ``"Three."``
    """
    found = sentences(text, max(chunk_chars * 2, 200), blocks)
    kind_of = {(start, end): kind for start, end, kind in found}
    groups: list[list[Span]] = []
    current: list[Span] = []
    for span in ((start, end) for start, end, _ in found):
        if current and span[1] - current[0][0] > chunk_chars:
            groups.append(current)
            current = _overlap(current, overlap_chars, span)
        current.append(span)
    if current:
        groups.append(current)
    prefix = f"{article_id}:{version[:8]}" if version else article_id
    return [
        Chunk(
            id=f"{prefix}:{i}",
            article_id=article_id,
            index=i,
            text=text[group[0][0] : group[-1][1]],
            start=group[0][0],
            end=group[-1][1],
            sentences=tuple(group),
            kinds=tuple(kind_of[span] for span in group),
        )
        for i, group in enumerate(groups)
    ]


def _overlap(previous: list[Span], overlap_chars: int, following: Span) -> list[Span]:
    """Trailing sentences of ``previous`` worth repeating before ``following``."""
    kept: list[Span] = []
    for span in reversed(previous[1:]):  # never repeat a whole chunk
        if previous[-1][1] - span[0] > overlap_chars:
            break
        kept.insert(0, span)
    return kept


def sentences_to_embed(chunks: list[Chunk], title: str | None = None) -> dict[int, str]:
    """Each distinct sentence of an article's chunks (overlapping chunks repeat some) that an
    answer may quote, by start, as it is embedded: alone or, given the ``title`` of a page that
    marks its headings up, after the title and the nearest heading before it in the page, so that
    "The default value is 4MB." is the default of "work_mem (integer)" on "Resource Consumption".
    Not headings, captions or fragments (``QUOTABLE_KINDS``). docs/evaluation.md, "Sentences
    embedded under their page's title and heading".

    Example: ``sentences_to_embed(chunk_text("a", "One. Two.", 100, 0))`` -> ``{0: "One.", 5: "Two."}``
    """
    spans: dict[int, tuple[str, str]] = {}
    for chunk in chunks:
        for (start, end), kind in zip(chunk.sentences, chunk.kinds or ("prose",) * len(chunk.sentences)):
            spans.setdefault(start, (kind, chunk.between(start, end)))
    found: dict[int, str] = {}
    title = " ".join(title.split()) if title else None
    context = title
    for start in sorted(spans):
        kind, text = spans[start]
        if kind == "heading" and title:
            heading = " ".join(text.split())
            context = title if heading == title else f"{title}. {heading}"
        elif kind in QUOTABLE_KINDS:
            found[start] = f"{context}. {text}" if context else text
    return found

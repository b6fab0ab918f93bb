"""Blocks: the paragraphs, headings, tables and code of an article, as spans of its text.

A loader that knows a document's structure lays its text out block by block and records each
block's span and kind in ``Article.blocks``; the chunker then finds sentences inside blocks
only, so that a sentence never runs from a heading into a paragraph or out of a table, and it
keeps each sentence's kind, so that the answerer can quote prose and leave the rest.

Kinds: ``prose`` (a paragraph, a list item, a definition), ``heading`` (headings, headlines,
datelines, the terms of a definition list), ``caption`` (table and figure titles), ``table``
(one row per line) and ``code`` (preformatted text, verbatim).

Inside a prose block a line break is soft: the text reads on as if it were a space, which is
what a hard-wrapped paragraph means. For plain text and Markdown, :func:`plain_blocks` tells a
wrapped line from a line that stands on its own (a headline, a dateline, a caption) with
:func:`is_wrapped`, and :func:`reflow` turns the soft breaks into single spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Block = tuple[int, int, str]  # (start, end, kind): article.text[start:end] is the block
KINDS = ("prose", "heading", "caption", "table", "code")

WRAP_MAX = 100  # lines longer than this were not wrapped by hand (paragraph-per-line text)
WRAPPED_MIN = 40  # a wrapped line is at least this long: wrapping below 40 columns is rare
WRAPPED_RATIO = 0.6  # ... and at least this share of the paragraph's longest line
HEADLINE_WORDS = 20  # a lone line without final punctuation and at most this many words is a heading

_LIST_ITEM = re.compile(r"\s*(?:[-*+•]|\d{1,3}[.)])\s+\S")
_FINAL = re.compile(r"[.!?:;…\"'’”)\]]$")
_ATX = re.compile(r" {0,3}#{1,6}(?:\s|$)")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)\s*$")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_TABLE_RULE = re.compile(r"\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_RULE = re.compile(r" {0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")


@dataclass
class Layout:
    """Text built block by block, remembering each block's span and kind.

    Example: ``layout = Layout(); layout.add("Rates rise", "heading"); layout.add("It rose.", "prose")``
    then ``layout.text`` -> ``"Rates rise\\n\\nIt rose."`` and ``layout.blocks[1]`` -> ``(12, 20, "prose")``
    """

    parts: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    size: int = 0

    def add(self, text: str, kind: str, joiner: str = "\n\n") -> None:
        """Append a block (its surrounding whitespace is kept out of the span)."""
        body = text.rstrip()
        lead = len(body) - len(body.lstrip())
        if lead == len(body):
            return
        if self.parts:
            self.parts.append(joiner)
            self.size += len(joiner)
        self.parts.append(body)
        self.blocks.append((self.size + lead, self.size + len(body), kind))
        self.size += len(body)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def is_wrapped(line: str, following: str, width: int) -> bool:
    """Whether the break after ``line`` is a soft wrap rather than the end of a line of its own.

    ``width`` is the longest line of the paragraph, an estimate of the wrap column. Hand-wrapped
    text is ragged, so a line counts as wrapped when the next word would not have fitted, or
    when it is at least ``WRAPPED_RATIO`` of the width; a short line (a headline, a caption, a
    dateline) never is.

    Example: ``is_wrapped("When a table is clustered, it is physically reordered", "based on", 70)``
    -> ``True``; ``is_wrapped("Storm hits coast", "Photo: Coast Guard", 18)`` -> ``False``
    """
    line, following = line.strip(), following.strip()
    if not following or width > WRAP_MAX or len(line) < WRAPPED_MIN or _LIST_ITEM.match(following):
        return False
    return len(line) + 1 + len(following.split()[0]) > width or len(line) >= WRAPPED_RATIO * width


def plain_blocks(text: str, markdown: bool = False) -> tuple[list[Block], list[tuple[int, int]]]:
    """The blocks of plain text (or Markdown) and its soft line breaks, as spans of ``text``.

    Paragraphs end at blank lines; a list item starts a block; a line that was not wrapped ends
    one. With ``markdown``, headings, fenced and indented code and pipe tables are blocks of
    their own kind. A lone short line without final punctuation is a heading (a headline).

    Example: ``plain_blocks("Storm hits coast\\nThe storm hit the coast.")[0]``
    -> ``[(0, 16, "heading"), (17, 41, "prose")]``
    """
    lines = _lines(text)
    blocks: list[Block] = []
    soft: list[tuple[int, int]] = []
    paragraph: list[tuple[int, int]] = []
    i = 0

    def close() -> None:
        _paragraph(text, paragraph, blocks, soft)
        paragraph.clear()

    while i < len(lines):
        start, end = lines[i]
        line = text[start:end]
        if not line.strip():
            close()
        elif markdown and _FENCE.match(line):
            close()
            i = _fenced(text, lines, i, blocks)
        elif markdown and _ATX.match(line):
            close()
            blocks.append(_span(text, start, end, "heading"))
        elif markdown and paragraph and _SETEXT.match(line):
            blocks.append(_span(text, paragraph[0][0], paragraph[-1][1], "heading"))
            paragraph.clear()
        elif markdown and _RULE.match(line):
            close()
        elif markdown and "|" in line and i + 1 < len(lines) and _TABLE_RULE.match(text[slice(*lines[i + 1])]):
            close()
            i = _table(text, lines, i, blocks)
        elif markdown and not paragraph and (line.startswith("    ") or line.startswith("\t")) and _after_blank(text, lines, i, blocks):
            i = _indented(text, lines, i, blocks)
        else:
            if _LIST_ITEM.match(line):
                close()
            paragraph.append((start, end))
        i += 1
    close()
    return blocks, soft


def reflow(text: str, blocks: list[Block], soft: list[tuple[int, int]]) -> tuple[str, tuple[Block, ...]]:
    """``text`` with every soft line break (and the indentation around it) made one space.

    Example: ``reflow("a long\\n   line", [(0, 15, "prose")], [(6, 10)])`` -> ``("a long line", ((0, 11, "prose"),))``
    """
    pieces, shifts, last, removed = [], [], 0, 0
    for start, end in soft:
        pieces += [text[last:start], " "]
        removed += (end - start) - 1
        shifts.append((end, removed))
        last = end
    pieces.append(text[last:])

    def moved(offset: int) -> int:
        shift = 0
        for at, total in shifts:
            if at > offset:
                break
            shift = total
        return offset - shift

    return "".join(pieces), tuple((moved(s), moved(e), kind) for s, e, kind in blocks)


def _paragraph(text: str, lines: list[tuple[int, int]], blocks: list[Block], soft: list[tuple[int, int]]) -> None:
    """Split a run of non-blank lines at its hard breaks into prose (or heading) blocks."""
    if not lines:
        return
    width = max(len(text[s:e].strip()) for s, e in lines)
    group = [lines[0]]
    for previous, current in zip(lines, lines[1:]):
        if is_wrapped(text[slice(*previous)], text[slice(*current)], width):
            soft.append((previous[0] + len(text[slice(*previous)].rstrip()), current[0] + _indent(text[slice(*current)])))
            group.append(current)
        else:
            blocks.append(_prose(text, group))
            group = [current]
    blocks.append(_prose(text, group))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _lines(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def _prose(text: str, group: list[tuple[int, int]]) -> Block:
    block = _span(text, group[0][0], group[-1][1], "prose")
    body = text[block[0] : block[1]]
    words = body.split()
    if len(group) == 1 and not _LIST_ITEM.match(body) and not _FINAL.search(body) and len(words) <= HEADLINE_WORDS:
        return (block[0], block[1], "heading")
    return block


def _span(text: str, start: int, end: int, kind: str) -> Block:
    body = text[start:end]
    lead = len(body) - len(body.lstrip())
    return (start + lead, start + len(body.rstrip()), kind)


def _fenced(text: str, lines: list[tuple[int, int]], i: int, blocks: list[Block]) -> int:
    fence = _FENCE.match(text[slice(*lines[i])]).group(1)
    j = i + 1
    while j < len(lines) and not text[slice(*lines[j])].lstrip().startswith(fence):
        j += 1
    if j > i + 1:
        _add_code(text, lines[i + 1][0], lines[j - 1][1], blocks)
    return j


def _table(text: str, lines: list[tuple[int, int]], i: int, blocks: list[Block]) -> int:
    j = i
    while j + 1 < len(lines) and "|" in text[slice(*lines[j + 1])] and text[slice(*lines[j + 1])].strip():
        j += 1
    blocks.append(_span(text, lines[i][0], lines[j][1], "table"))
    return j


def _after_blank(text: str, lines: list[tuple[int, int]], i: int, blocks: list[Block]) -> bool:
    """Indented Markdown is code after a blank line, unless it continues a list item."""
    if i == 0:
        return True
    if text[slice(*lines[i - 1])].strip():
        return False
    return not (blocks and _LIST_ITEM.match(text[blocks[-1][0] : blocks[-1][1]]))


def _indented(text: str, lines: list[tuple[int, int]], i: int, blocks: list[Block]) -> int:
    j = i
    while j + 1 < len(lines):
        following = text[slice(*lines[j + 1])]
        if following.strip() and not (following.startswith("    ") or following.startswith("\t")):
            break
        j += 1
    while j > i and not text[slice(*lines[j])].strip():
        j -= 1
    _add_code(text, lines[i][0], lines[j][1], blocks)
    return j


def _add_code(text: str, start: int, end: int, blocks: list[Block]) -> None:
    span = _span(text, start, end, "code")
    if span[1] > span[0]:
        blocks.append(span)

"""The text of a web page as a browser shows it, block by block, without the page's chrome.

:func:`page_layout` walks the page's main content (the largest ``<article>``, else ``<main>``
or ``role=main``, else ``<body>``) and lays it out as :mod:`assistant.ingest.blocks`:

* whitespace inside a block collapses to single spaces, as HTML renders it; ``<pre>`` is kept
  verbatim (a ``code`` block);
* paragraphs, list items, definition terms and descriptions, headings, table cells,
  blockquotes and divs end blocks; ``<br>`` ends a line;
* headings and definition terms are ``heading`` blocks, table and figure titles ``caption``;
* a data table becomes one line per row, ``column: value; column: value`` (a table whose cells
  hold paragraphs or lists is page layout, and its cells are read as blocks);
* navigation, breadcrumbs, sidebars, headers and footers of the page, forms, scripts, hidden
  elements and link lists (tables of contents, "related" lists) are dropped.

Trade-off accepted: main content is found by markup (semantic elements, ``role``, and class or
id names such as ``navheader``, ``breadcrumb``, ``sidebar``), not by text density as
trafilatura does. On the PostgreSQL and Python manuals trafilatura drops headings and tables,
moves inline code out of its sentence and keeps the source's line wraps (docs/evaluation.md,
"Real HTML pages"); a page built of anonymous divs keeps more of its chrome here.
"""

from __future__ import annotations

import re
from typing import Any

from .blocks import Block, Layout

_SKIP = frozenset(
    "script style noscript template head title meta link svg canvas iframe object embed form button "
    "select input textarea option nav aside footer dialog audio video map area img picture source".split()
)
_BLOCK = frozenset(
    "p div section article main header li ul ol dl dd blockquote figure address details summary "
    "center hr fieldset legend body html td th tr tbody thead tfoot".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Class names of page chrome: DocBook's navheader/navfooter and table of contents, Sphinx's
# related bar and sidebar, and the usual names on news sites.
_CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navheader|navfooter|navigation|menu|breadcrumbs?|sidebar|"
    r"sphinxsidebar(?:wrapper)?|related|footer|skip|share|sharing|social|advert|"
    r"advertisement|ads?|promo|cookie|newsletter|subscribe|comments?|toc|toctree-wrapper|"
    r"switcher|mobile-nav|sr-only|visually-hidden|logo|masthead|most-?read|trending)(?:$|[\s_-])",
    re.IGNORECASE,
)
_CHROME_ID = re.compile(
    r"(?:site-?)?(?:nav|navbar|navigation|menu|breadcrumbs?|sidebar|footer|header|masthead|comments|related)",
    re.IGNORECASE,
)
_INLINE = frozenset("a span em strong b i code small abbr cite sup sub".split())
_INLINE_CHROME = frozenset("headerlink skip-link sr-only visually-hidden screen-reader-text".split())
_CODE_CLASS = re.compile(r"(?:^|\s)(?:cmdsynopsis|funcsynopsis|highlight|synopsis)(?:$|\s)")
_TITLE_CLASS = re.compile(r"(?:^|\s)title(?:$|\s)")
_SPACE = re.compile(r"[ \t\n\r\f]+")
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright\b)(?!.{300})", re.IGNORECASE)  # a short copyright line
_Part = tuple[str, str]  # (class, text) of a paragraph in a table cell
_BREAK = "\x00"  # a <br> in the inline text (lxml never passes NUL through from a page)
_LINK_DENSE = 0.7  # a list or paragraph whose text is mostly link text is navigation


def page_layout(tree: Any) -> tuple[str, tuple[Block, ...]]:
    """The page's main text and its blocks.

    Example: for ``<body><nav>Home</nav><p>It  rained\\n all day.</p><h2>Later</h2></body>``
    -> ``("It rained all day.\\n\\nLater", ((0, 18, "prose"), (20, 25, "heading")))``
    """
    root = _main(tree)
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    layout = walker.layout
    return layout.text, tuple(layout.blocks)


def collapse(text: str) -> str:
    """HTML's whitespace rule: every run of spaces, tabs and line breaks is one space (a
    no-break space counts as a space: it reads as one, and quotes are searched and copied).

    Example: ``collapse("  reordered\\n   based ")`` -> ``"reordered based"``
    """
    return _SPACE.sub(" ", text.replace("\xa0", " ")).strip(" ")


def _main(tree: Any) -> Any:
    for path in ("//article", "//main | //*[@role='main']"):
        found = [el for el in tree.xpath(path) if not _skipped(el)]
        if found:
            return max(found, key=lambda el: len(el.text_content()))
    bodies = tree.xpath("//body")
    return bodies[0] if bodies else tree


def _skipped(el: Any) -> bool:
    """Chrome, hidden or non-text: dropped with everything inside it."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if not tag or tag.lower() in _SKIP:
        return True
    get = el.get
    if get("hidden") is not None or get("aria-hidden") == "true":
        return True
    if re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", get("style") or "", re.I):
        return True
    if get("role") in ("navigation", "banner", "contentinfo", "complementary", "search"):
        return True
    classes = get("class") or ""
    if tag.lower() in _INLINE:  # a link or span named like chrome is usually part of a sentence ("toc-backref")
        return not _INLINE_CHROME.isdisjoint(classes.split())
    # Ids are matched whole: DocBook derives ids from titles ("PLPYTHON-SHARING").
    return bool(_CHROME.search(classes) or _CHROME_ID.fullmatch(get("id") or "")) and tag.lower() not in ("body", "html")


def _page_header(el: Any) -> bool:
    """The page's header (logo, menus), not an article's (headline, byline)."""
    return not el.xpath("ancestor::article") and not el.xpath(".//h1")


def _link_list(el: Any, tag: str) -> bool:
    """A table of contents, a "related stories" list, a bar of links: items that are links."""
    if tag in ("ul", "ol", "menu"):
        items = el.xpath("./li")
        return len(items) >= 2 and all(_linked(item) for item in items)
    if tag == "dl":
        terms = el.xpath("./dt")
        return bool(terms) and all(_linked(term) for term in terms) and _linked(el)
    return False


def _linked(el: Any) -> bool:
    """Whether most of the element's text is link text."""
    text = len(collapse(el.text_content()))
    linked = sum(len(collapse(a.text_content())) for a in el.iter("a"))
    return text > 0 and linked >= _LINK_DENSE * text


class _Walker:
    """Depth-first over the main element, collecting inline text into blocks."""

    def __init__(self) -> None:
        self.layout = Layout()
        self.inline: list[str] = []

    def flush(self, kind: str = "prose") -> None:
        for number, line in enumerate("".join(self.inline).split(_BREAK)):
            text = collapse(line)
            if text and not _COPYRIGHT.match(text):
                self.layout.add(text, kind, "\n" if number else "\n\n")
        self.inline = []

    def walk(self, el: Any) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if _skipped(el) or _link_list(el, tag) or (tag == "header" and _page_header(el)):
            return
        classes = el.get("class") or ""
        if tag == "br":
            self.inline.append(_BREAK)
        elif tag == "pre" or (tag in ("div", "p") and _CODE_CLASS.search(classes) and not el.xpath(".//pre")):
            self.flush()
            self._code(el)
        elif tag in _HEADINGS or tag == "dt" or (tag in ("p", "div") and _TITLE_CLASS.search(classes)):
            self.flush()
            self._children(el)
            self.flush("heading" if tag in _HEADINGS or tag == "dt" else "caption")
        elif tag in ("caption", "figcaption"):
            self.flush()
            self._children(el)
            self.flush("caption")
        elif tag == "table" and _data_table(el):
            self.flush()
            self._table(el)
        elif tag in _BLOCK or tag == "table":
            self.flush()
            self._children(el)
            self.flush()
        else:
            self._children(el)

    def _children(self, el: Any) -> None:
        self.inline.append(el.text or "")
        for child in el:
            self.walk(child)
            self.inline.append(child.tail or "")

    def _code(self, el: Any) -> None:
        text = el.text_content()
        text = text[1:] if text.startswith("\n") else text  # HTML drops a newline right after <pre>
        if el.tag != "pre":
            text = collapse(text)
        self.layout.add(text.rstrip(), "code")

    def _table(self, el: Any) -> None:
        for caption in el.xpath("./caption"):
            self.layout.add(collapse(caption.text_content()), "caption")
        header: list[list[_Part]] = []
        head_rows: list[str] = []
        lines: list[str] = []
        for row in el.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"):
            cells = _cells(row)
            if not any(any(parts) for parts in cells):
                continue
            in_head = row.getparent().tag == "thead" or all(c.tag == "th" for c in row.xpath("./td | ./th"))
            if in_head and not lines:
                header = _merge_header(header, cells)
                head_rows.append("; ".join(" ".join(t for _, t in parts) for parts in cells if parts))
                continue
            lines.append(_row_text(header, cells))
        if not lines:  # a table of header cells only: its rows as they are
            lines = head_rows
        self.layout.add("\n".join(line for line in lines if line), "table")


def _data_table(table: Any) -> bool:
    """A table of data; one with tables or headings in its cells, or a single cell, is page layout."""
    if table.xpath(".//td//table | .//th//table | .//td//h1 | .//td//h2 | .//td//h3 | .//td//h4"):
        return False
    return len(table.xpath(".//td | .//th")) > 1


def _cells(row: Any) -> list[list[_Part]]:
    """A row's cells as lists of parts (a cell's paragraphs), one list per column: a cell
    spanning n columns is followed by n-1 empty ones."""
    out: list[list[_Part]] = []
    for cell in row.xpath("./td | ./th"):
        try:
            span = max(1, min(int(cell.get("colspan") or 1), 50))
        except ValueError:
            span = 1
        out += [_parts(cell)] + [[] for _ in range(span - 1)]
    return out


def _parts(cell: Any) -> list[_Part]:
    """The paragraphs of a cell with their class (DocBook's function tables put signatures,
    description and example in paragraphs), or its one text."""
    parts: list[_Part] = []
    inline = [cell.text or ""]
    for child in cell:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag in ("p", "div", "pre", "ul", "ol", "dl", "br"):
            parts.append(("", collapse("".join(inline))))
            if tag != "br":
                parts.append((child.get("class") or "", collapse(child.text_content())))
            inline = [child.tail or ""]
        elif not _skipped(child):
            inline += [child.text_content(), child.tail or ""]
        else:
            inline.append(child.tail or "")
    parts.append(("", collapse("".join(inline))))
    return [part for part in parts if part[1]]


def _merge_header(header: list[list[_Part]], cells: list[list[_Part]]) -> list[list[_Part]]:
    """Header rows stacked into names per column (a group's name, then the column's own)."""
    cells = [parts or (cells[i - 1] if i else []) for i, parts in enumerate(cells)]  # a group spans its columns
    if not header:
        return cells
    width = max(len(header), len(cells))
    header, cells = header + [[]] * (width - len(header)), cells + [[]] * (width - len(cells))
    return [[("", " ".join(t for _, t in h + c))] if c and c != h else h for h, c in zip(header, cells)]


def _row_text(header: list[list[_Part]], cells: list[list[_Part]]) -> str:
    """One row as ``column: value; column: value``.

    Example: ``_row_text([[("", "Name")], [("", "Size")]], [[("", "smallint")], [("", "2 bytes")]])``
    -> ``"Name: smallint; Size: 2 bytes"``
    """
    pairs: list[str] = []
    for number, parts in enumerate(cells):
        names = header[number] if number < len(header) else []
        for name, values in _assign(names, parts):
            value = " | ".join(values)
            if value:
                pairs.append(f"{name}: {value}" if name and name != value else value)
    return "; ".join(pairs)


def _assign(names: list[_Part], parts: list[_Part]) -> list[tuple[str, list[str]]]:
    """The parts of a cell under the names of its header: a part goes to the name of its own
    class (a second signature stays a signature), the others to the unclassed names in order,
    the remainder to the last."""
    if len(names) <= 1:
        return [(" ".join(t for _, t in names), [t for _, t in parts])]
    slots: list[list[str]] = [[] for _ in names]
    by_class = {cls: i for i, (cls, _) in enumerate(names) if cls}
    free = [i for i, (cls, _) in enumerate(names) if not cls] or [len(names) - 1]
    position = 0
    for cls, text in parts:
        if cls in by_class:
            slots[by_class[cls]].append(text)
        else:
            slots[free[min(position, len(free) - 1)]].append(text)
            position += 1
    return [(name, slot) for (_, name), slot in zip(names, slots)]

"""One article per file: the plain text, Markdown, HTML and PDF loaders.

:func:`assistant.ingest.articles.load_file` picks the loader by suffix and hands it the file's bytes,
the article key and the label to name in errors. The heavy libraries (trafilatura, lxml,
pypdf, python-frontmatter) are imported inside the loader that needs them, so importing this
module stays cheap and loading a ``.txt`` never pulls in a PDF parser.

Every loader records the text's blocks (paragraphs, headings, tables, code;
:mod:`assistant.ingest.blocks`). Plain text and Markdown keep their text as written, except
that the line breaks inside a hard-wrapped paragraph become single spaces. HTML text is laid
out from the page's elements as a browser shows it (:mod:`assistant.ingest.html_text`).
Metadata is read with lxml, not trafilatura, on purpose: trafilatura's date search falls back
to guessing from the body (a copyright line in the footer becomes "2024-01-01"), and a
guessed date would be cited to a reader as the article's own.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import date
from itertools import chain
from typing import Any

from .dates import normalize_date
from .document import Article, decode_text
from .blocks import plain_blocks, reflow
from ..errors import LoadError

# lxml refuses a str that still carries an XML encoding declaration (XHTML pages do).
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " · ", " :: ")
# Values PDF writers put in /Title and /Author when the author gave none (ReportLab, Word).
_PDF_PLACEHOLDERS = {"untitled", "anonymous", "unknown", "unspecified"}
_TITLE_CHARS = 200  # a fallback title is the first line; a one-paragraph file must not make it huge


def load_text(data: bytes, key: str, label: str, markdown: bool = False) -> Article:
    """A text or Markdown file, with optional YAML front matter for its metadata."""
    import frontmatter
    import yaml

    text = decode_text(data, label)
    if not text.strip():
        raise LoadError(label, "empty file")
    try:
        meta, body = frontmatter.parse(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        # +2: the mark counts from 0 inside the front matter, which starts after the '---' line.
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise LoadError(label, f"front matter is not valid YAML{where}: {problem}") from error
    body, blocks = reflow(body.strip(), *plain_blocks(body.strip(), markdown))
    if not body:
        raise LoadError(label, "no text after the front matter")
    fields = {name: _meta_text(meta, name, label) for name in ("title", "source", "url", "author")}
    # Hugo and Jekyll call it "date"; accept that so such files keep their dates.
    date_field = "published" if meta.get("published") is not None else "date"
    try:
        published = normalize_date(meta.get(date_field), date_field)
    except ValueError as error:
        raise LoadError(label, str(error)) from error
    title = fields.pop("title") or title_from_text(body, markdown)
    return Article(key=key, title=title, text=body, published=published, blocks=blocks,
                   access=_access(meta.get("access"), label), **fields)


def _access(value: object, label: str) -> tuple[str, ...]:
    """An article's own access labels (front matter, JSONL field or meta tag); LoadError if malformed."""
    from ..access import normalize_groups

    try:
        return normalize_groups(value, "field 'access'")
    except ValueError as error:
        raise LoadError(label, str(error)) from error


def _meta_text(meta: dict, name: str, label: str) -> str:
    value = meta.get(name)
    if name == "author" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(v.strip() for v in value)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, date)):
        raise LoadError(label, f"field {name!r} must be text, not {type(value).__name__}")
    return str(value).strip()


def load_html(data: bytes, key: str, label: str) -> Article:
    """One web page as an article: main text without boilerplate, metadata from its tags."""
    from lxml import etree
    from lxml import html as lxml_html

    markup = _XML_DECLARATION.sub("", decode_text(data, label), count=1)
    if not markup.strip():
        raise LoadError(label, "empty file")
    try:
        tree = lxml_html.fromstring(markup)
    except (etree.ParserError, ValueError) as error:
        raise LoadError(label, f"not readable as HTML: {error}") from error
    from .html_text import page_layout

    text, blocks = page_layout(tree)
    if not text:
        raise LoadError(label, "no article text found in the page")
    source = _meta(tree, "og:site_name") or _sitename(markup)
    title = _meta(tree, "og:title") or _page_title(tree, source) or _first(tree, "//h1//text()")
    return Article(
        key=key,
        title=title or title_from_text(text),
        text=text,
        source=source,
        url=_first(tree, "//link[@rel='canonical']/@href") or _meta(tree, "og:url"),
        published=_published(tree),
        author=_meta(tree, "author"),
        blocks=blocks,
        access=_access(_meta(tree, "access"), label),
    )


def load_pdf(data: bytes, key: str, label: str) -> Article:
    """A PDF as one article; ``pages`` records where each page's text starts."""
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        # Many "protected" PDFs only restrict printing and open with the empty password.
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(label, "encrypted PDF: it needs a password to open")
        page_texts = [(page.extract_text() or "").strip() for page in reader.pages]
        info = reader.metadata or {}
        title, author = _pdf_info(info, "/Title"), _pdf_info(info, "/Author")
    except LoadError:
        raise
    except Exception as error:  # pypdf raises many types on damaged files, not only PdfReadError
        raise LoadError(label, f"not a readable PDF: {error}") from error
    parts: list[str] = []
    pages: list[tuple[int, int]] = []
    offset = 0
    for number, page_text in enumerate(page_texts, start=1):
        if not page_text:
            continue  # a blank or image-only page adds no text, so it gets no offset either
        if parts:
            offset += 2  # the "\n\n" that joins it to the previous page
        pages.append((offset, number))
        parts.append(page_text)
        offset += len(page_text)
    if not parts:
        raise LoadError(label, "no extractable text (scanned PDF?)")
    text = "\n\n".join(parts)
    # No /CreationDate: that is when the file was made, not when the article was published.
    return Article(key=key, title=title or title_from_text(text), text=text, author=author, pages=tuple(pages))


def title_from_text(text: str, markdown: bool = False) -> str:
    """The first non-empty line, as a title (Markdown heading marks dropped, length capped).

    Example: ``title_from_text("\\n# Rates rise\\nThe bank...", markdown=True)`` -> ``"Rates rise"``
    """
    for line in text.splitlines():
        line = (line.lstrip("#") if markdown else line).strip()
        if line:
            return line if len(line) <= _TITLE_CHARS else line[: _TITLE_CHARS - 1].rstrip() + "…"
    return ""


def _published(tree: Any) -> str:
    """The page's own publication date, by preference: Open Graph, JSON-LD, then <time>."""
    candidates = chain(
        tree.xpath("//meta[@property='article:published_time' or @name='article:published_time']/@content"),
        _json_ld_dates(tree),
        tree.xpath("//time/@datetime"),
    )
    for value in candidates:
        try:
            published = normalize_date(value)
        except ValueError:
            continue  # a malformed tag is the site's mistake; the next source may still be right
        if published:
            return published
    return ""


def _json_ld_dates(tree: Any) -> Iterator[str]:
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        yield from _date_published(data)


def _date_published(data: Any) -> Iterator[str]:
    # Depth first, an object's own date before its children's: the article comes before
    # what it mentions, and @graph lists (Yoast, schema.org) are just nested lists.
    if isinstance(data, dict):
        if isinstance(data.get("datePublished"), str):
            yield data["datePublished"]
        for value in data.values():
            yield from _date_published(value)
    elif isinstance(data, list):
        for item in data:
            yield from _date_published(item)


def _meta(tree: Any, name: str) -> str:
    return _first(tree, f"//meta[@property='{name}' or @name='{name}']/@content")


def _first(tree: Any, xpath: str) -> str:
    for value in tree.xpath(xpath):
        if str(value).strip():
            return " ".join(str(value).split())
    return ""


def _page_title(tree: Any, source: str) -> str:
    """<title> without the trailing "| Site name" most sites append."""
    title = _first(tree, "//title/text()")
    for separator in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if found and head and source and tail.strip().lower() == source.lower():
            return head.strip()
    return title


def _sitename(markup: str) -> str:
    import trafilatura

    return trafilatura.extract_metadata(markup).sitename or ""


def _pdf_info(info: Any, name: str) -> str:
    value = " ".join(str(info.get(name) or "").split())
    return "" if value.lower() in _PDF_PLACEHOLDERS else value

"""RSS and Atom feeds: recognising one, fetching one from a URL, and its entries as articles.

A feed is recognised by its content (the root element is ``<rss>``, ``<feed>`` or ``<rdf:RDF>``),
whatever the file is called, or by its suffix (``.rss``, ``.atom``); a target that starts with
``http://`` or ``https://`` is fetched as a feed. feedparser reads it: RSS 0.9x, 1.0 and 2.0 and
Atom, their many date formats, undeclared entities such as ``&nbsp;`` and wrong encoding
declarations, and it sanitises the entries' HTML.

Each entry becomes one :class:`Article`: its key is the feed's (the file's key, or the URL) plus
``#`` and the entry's id (RSS ``guid``), else its link, else its title, so reading the feed again
changes nothing and an edited entry replaces its older version. ``published`` is the entry's
published date, else its updated date; ``url`` its link; ``source`` the feed's title; the text is
its content, else its summary, laid out from HTML as a web page's is
(:mod:`assistant.ingest.html_text`), or its title when the entry has nothing else.

A feed that cannot be used is refused whole, with a :class:`LoadError` naming it: a server that
is down or answers an error, a page that is not a feed, and a feed cut short (its root element
never closes): feedparser would read the entries before the cut, the last of them truncated,
and that truncated text would replace a good version already indexed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

from .blocks import Block, plain_blocks, reflow
from .dates import normalize_date
from .document import Article
from ..errors import LoadError

log = logging.getLogger(__name__)

FEED_SUFFIXES = (".rss", ".atom")
USER_AGENT = "news-assistant feed reader (+feedparser)"
_ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
_HEAD_BYTES = 4096  # enough to pass an XML declaration, comments and a DOCTYPE
# What may come before the root element: a declaration, comments, processing instructions, a DOCTYPE.
_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)?", re.DOTALL | re.IGNORECASE)
_ROOT = re.compile(r"<((?:[\w.-]+:)?(?:rss|feed|RDF))[\s>/]")
_TRAILER = re.compile(r"(?:\s|<!--.*?-->)*\Z", re.DOTALL)  # whitespace and comments after the root element
_TITLE_CHARS = 200


def is_feed_url(target: object) -> bool:
    """Whether an ingest target is a URL (fetched as a feed) rather than a path.

    Example: ``is_feed_url("https://news.example/rss")`` -> ``True``; ``is_feed_url("corpus/")`` -> ``False``
    """
    return isinstance(target, str) and target.strip().lower().startswith(("http://", "https://"))


def feed_root(head: bytes) -> str:
    """The root element's name when ``head`` (the first bytes of a document) starts an RSS, RDF
    or Atom feed; else "".

    Example: ``feed_root(b'<?xml version="1.0"?>\\n<rss version="2.0">')`` -> ``"rss"``
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("latin-1").removeprefix("\xef\xbb\xbf")  # ASCII is all a root name needs
    at = 0
    while (step := _PROLOG.match(text, at)) and step.end() > at:
        at = step.end()
    found = _ROOT.match(text, at)
    return found.group(1) if found else ""


def is_feed_file(path: Path) -> bool:
    """Whether ``path`` is a feed: named ``.rss`` or ``.atom``, or a regular file whose content
    starts as one (only regular files are read: a pipe would block the read)."""
    if path.suffix.lower() in FEED_SUFFIXES:
        return True
    try:
        if not path.is_file():
            return False
        with path.open("rb") as file:
            return bool(feed_root(file.read(_HEAD_BYTES)))
    except OSError:
        return False


def fetch_feed(url: str, timeout_s: float, max_bytes: int) -> bytes:
    """The body of ``url``, fetched within ``timeout_s`` seconds in all and at most ``max_bytes``
    long; a :class:`LoadError` naming the URL when the server cannot be reached or answers an error."""
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT})
    deadline = time.monotonic() + timeout_s
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            parts, size = [], 0
            while part := response.read1(65536):  # what has arrived: the deadline is checked as it comes
                parts.append(part)
                size += len(part)
                if size > max_bytes:
                    raise LoadError(url, f"the feed is over the limit of {max_bytes} bytes (max_file_bytes)")
                if time.monotonic() > deadline:
                    raise TimeoutError
            return b"".join(parts)
    except urllib.error.HTTPError as error:
        raise LoadError(url, f"cannot fetch the feed: the server answered {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise LoadError(url, f"cannot fetch the feed: {_network_reason(error.reason, timeout_s)}") from None
    except (OSError, http.client.HTTPException) as error:
        raise LoadError(url, f"cannot fetch the feed: {_network_reason(error, timeout_s)}") from None


def fetch_articles(url: str, timeout_s: float, max_bytes: int) -> list[Article | LoadError] | LoadError:
    """The feed at ``url``, fetched and read whole (or the LoadError that says why it cannot be used)."""
    try:
        return read_feed(fetch_feed(url, timeout_s, max_bytes), url, url)
    except LoadError as exc:
        return exc


def read_feed(data: bytes, feed_key: str, label: str) -> list[Article | LoadError]:
    """The feed's entries as articles, with a :class:`LoadError` in place of each entry that
    cannot be one; raises :class:`LoadError` naming ``label`` when the feed as a whole is unusable.

    ``feed_key`` prefixes every entry's key: the file's key in the corpus, or the feed's URL.
    """
    import feedparser

    if not data.strip():
        raise LoadError(label, "empty file")
    root = feed_root(data[:_HEAD_BYTES])
    if not root:
        raise LoadError(label, f"not an RSS or Atom feed ({_what_it_is(data)})")
    if not _complete(data, root):
        raise LoadError(label, f"the feed is cut short: it does not end with </{root}>; nothing in it was ingested "
                        "(the entries already indexed from it are kept)")
    try:
        return _entries(feedparser.parse(data, sanitize_html=True, resolve_relative_uris=True), feed_key, label)
    except LoadError:
        raise
    except Exception as exc:  # a parser's bug on one odd feed must not stop an ingest of the others
        log.debug("reading the feed %s failed", label, exc_info=True)
        raise LoadError(label, f"could not be read ({type(exc).__name__}: {exc}); the other feeds and files are unaffected") from exc


def _entries(parsed: Any, feed_key: str, label: str) -> list[Article | LoadError]:
    if parsed.get("bozo") and not parsed.get("version"):
        raise LoadError(label, f"not readable as a feed: {parsed.get('bozo_exception')}")
    if parsed.get("bozo"):  # undeclared entities, a wrong encoding declaration: read leniently, as browsers do
        log.debug("%s: read leniently (%s)", label, parsed.get("bozo_exception"))
    source = _plain(parsed.feed.get("title_detail")) or parsed.feed.get("title", "")
    items: list[Article | LoadError] = []
    seen: set[str] = set()
    for number, entry in enumerate(parsed.entries, start=1):
        try:
            article = _entry_article(entry, feed_key, label, source, number)
        except LoadError as error:
            items.append(error)
            continue
        if article.key not in seen:  # a feed listing one entry twice: the first is the newest
            seen.add(article.key)
            items.append(article)
    return items


def feed_key(url: str) -> str:
    """The key of a feed fetched from ``url``: the URL without its fragment, which is never sent.

    Example: ``feed_key("https://news.example/rss#top")`` -> ``"https://news.example/rss"``
    """
    return urldefrag(url.strip())[0]


def _entry_article(entry: Any, key: str, label: str, source: str, number: int) -> Article:
    title = _plain(entry.get("title_detail")) or entry.get("title", "")
    text, blocks = _entry_text(entry)
    if not text and not title:
        raise LoadError(label, f"entry {number} has neither a title nor any text; skipped")
    link = entry.get("link", "")
    url = link if is_feed_url(link) else ""
    ident = entry.get("id") or url or title or hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
    if not text:  # a headline-only feed: the headline is what it says
        text, blocks = title, ((0, len(title), "prose"),)
    return Article(key=f"{key}#{ident}", title=(title or text)[:_TITLE_CHARS], text=text, source=source,
                   url=url, published=_published(entry), author=entry.get("author", ""), blocks=blocks)


def _entry_text(entry: Any) -> tuple[str, tuple[Block, ...]]:
    """The entry's full content when it has one, else its summary, as text and blocks."""
    for detail in [*entry.get("content", []), entry.get("summary_detail")]:
        if not detail or not (detail.get("value") or "").strip():
            continue
        if "html" in (detail.get("type") or ""):
            text, blocks = _html_layout(detail["value"])
        else:
            text = detail["value"].strip()
            text, blocks = reflow(text, *plain_blocks(text))
        if text:
            return text, blocks
    return "", ()


def _html_layout(markup: str) -> tuple[str, tuple[Block, ...]]:
    from lxml import etree
    from lxml import html as lxml_html

    from .html_text import page_layout

    try:
        return page_layout(lxml_html.fragment_fromstring(markup, create_parent="div"))
    except (etree.ParserError, ValueError):
        return "", ()


def _plain(detail: Any) -> str:
    """A title's text: HTML titles are read as a browser shows them."""
    if not detail or not detail.get("value"):
        return ""
    if "html" in (detail.get("type") or ""):
        text, _ = _html_layout(detail["value"])
        return " ".join(text.split())
    return " ".join(detail["value"].split())


def _published(entry: Any) -> str:
    """The entry's own date as written (keeping its offset), else as feedparser read it (in UTC)."""
    for name in ("published", "updated"):
        try:
            written = normalize_date(entry.get(name))
        except ValueError:  # a form only feedparser reads ("Thu, 2 May 2024 8:00 EST"...)
            written = ""
        if found := written or _parsed(entry.get(f"{name}_parsed")):
            return found
    return ""


def _parsed(moment: Any) -> str:
    return datetime(*moment[:6], tzinfo=timezone.utc).isoformat() if moment else ""


def _complete(data: bytes, root: str) -> bool:
    """Whether the document ends with the root element's closing tag (then whitespace or comments)."""
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    tail = data.decode("utf-16", errors="ignore")[-_HEAD_BYTES:] if utf16 else data[-_HEAD_BYTES:].decode("latin-1")
    tail = _TRAILER.sub("", tail, count=1)
    return re.search(rf"</{re.escape(root)}\s*>\Z", tail) is not None


def _what_it_is(data: bytes) -> str:
    head = data[:_HEAD_BYTES].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "it is an HTML page; look for the site's feed link"
    if head.startswith((b"{", b"[")):
        return "it looks like JSON"
    return "no <rss>, <feed> or <rdf:RDF> root element"


def _network_reason(error: object, timeout_s: float) -> str:
    import http.client
    import socket

    if isinstance(error, (TimeoutError, socket.timeout)):
        return f"no complete answer within {timeout_s:g} s (feed_timeout_s)"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is the server down?)"
    if isinstance(error, socket.gaierror):
        return "unknown host"
    if isinstance(error, http.client.HTTPException):
        return f"the connection broke off ({type(error).__name__})"
    return str(getattr(error, "strerror", None) or error)

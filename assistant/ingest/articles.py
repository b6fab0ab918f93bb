"""Finding article files and loading them: the :class:`Article` dataclass lives in
:mod:`assistant.ingest.document` (re-exported here).

Loaders turn one file into one or more :class:`Article` objects (a ``.jsonl`` file holds
many). Each loader keeps the text exactly as the reader should see it, because citations
are character offsets into ``Article.text``. This module owns finding files, dispatching on
their suffix and JSONL (many articles and per-line errors from one file);
the one-article-per-file loaders (text, Markdown, HTML, PDF) live in :mod:`assistant.ingest.formats`,
RSS and Atom feeds (many articles from one file, recognised by content too) in :mod:`assistant.ingest.feeds`.

Dates are only ever taken from what the article itself says (front matter, HTML metadata,
a JSONL field), never from file times or guessed from the body: a wrong date is worse than
none when a question asks "what happened last week".
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

from ..access import combine, folder_groups
from .dates import normalize_date, timestamp  # noqa: F401 - re-exported
from .document import Article, article_id, decode_text  # noqa: F401 - re-exported
from . import feeds, formats, jsonl
from ..errors import LoadError

log = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm")  # loaded as web pages, whose headings are marked up
# A feed with another name (feed.xml, a file without suffix) is recognised by its content.
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", *HTML_SUFFIXES, ".pdf", ".jsonl", *feeds.FEED_SUFFIXES)


@dataclass
class Loaded:
    """What one file gave: its articles, and the lines that could not be read (JSONL only)."""

    articles: list[Article]
    errors: list[LoadError]


def find_files(paths: Iterable[Path]) -> tuple[list[Path], list[LoadError]]:
    """Expand files and directories into the files to load, in a stable order.

    Directories are walked recursively and sorted; hidden files and directories are skipped
    (``.git``, ``.DS_Store``). A file named twice is listed once. Missing paths and files of
    unsupported types come back as errors so the caller can report them and go on.
    """
    files: list[Path] = []
    errors: list[LoadError] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        try:
            candidates = _walk(path, errors) if path.is_dir() else [path] if path.exists() else None
        except OSError as error:
            errors.append(LoadError(str(path), _os_reason(error)))
            continue
        if candidates is None:
            errors.append(LoadError(str(path), "no such file or directory"))
            continue
        for file in candidates:
            if file.suffix.lower() not in SUPPORTED_SUFFIXES and not feeds.is_feed_file(file):
                errors.append(LoadError(str(file), _unsupported(file.suffix)))
            elif file.resolve() not in seen:
                seen.add(file.resolve())
                files.append(file)
    return files, errors


def load_file(path: Path, root: Path | None = None, max_bytes: int = 20_000_000,
              page_urls: Sequence[tuple[Path, str]] = (),
              access_map: Sequence[tuple[Path, tuple[str, ...]]] = ()) -> Loaded:
    """Load one file into articles; raise :class:`LoadError` naming the file if it is unusable.

    ``root`` is the corpus directory: keys (and so ids) are paths relative to it, so the same
    corpus gives the same ids wherever it is checked out. ``max_bytes`` caps the file, or for
    JSONL each line (an article): a JSONL file may be of any size (see :func:`stream_file`).
    ``page_urls``: where directories are published (``Settings.url_map``; see :func:`page_url`).
    ``access_map``: which groups may read the files of a directory (``Settings.access_map``).
    """
    items = list(stream_file(path, root, max_bytes, page_urls, access_map))
    return Loaded([a for a in items if isinstance(a, Article)], [e for e in items if isinstance(e, LoadError)])


def stream_file(path: Path, root: Path | None = None, max_bytes: int = 20_000_000,
                page_urls: Sequence[tuple[Path, str]] = (),
                access_map: Sequence[tuple[Path, tuple[str, ...]]] = ()) -> Iterator[Article | LoadError]:
    """The file's articles one by one, with a :class:`LoadError` in their place for each JSONL
    line that could not be read; raises :class:`LoadError` when the file as a whole is unusable.

    A JSONL file is read line by line, so its size does not bound an ingest's memory: an archive
    exported as one JSONL file of any size streams through, and ``max_bytes`` caps each line.
    An article's access labels are its own and its directory's (``access_map``) together:
    :func:`assistant.access.combine`.
    """
    path = Path(path)
    folder = folder_groups(path, access_map) if access_map else ()
    label, suffix = str(path), path.suffix.lower()
    if suffix in feeds.FEED_SUFFIXES or (suffix not in SUPPORTED_SUFFIXES and feeds.is_feed_file(path)):
        for item in feeds.read_feed(_read_bytes(path, max_bytes), _key(path, root), label):
            yield _labelled(item, folder, label) if folder and isinstance(item, Article) else item
        return
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(label, _unsupported(path.suffix))
    key = _key(path, root)
    if suffix == ".jsonl":
        _check_regular(path)
        try:
            with path.open("rb") as raw:
                for item in jsonl.stream_jsonl(jsonl.utf8_lines(raw, label, max_bytes), key, label, max_bytes):
                    yield _labelled(item, folder, label) if folder and isinstance(item, Article) else item
        except OSError as error:
            raise LoadError(label, _os_reason(error)) from error
        return
    data = _read_bytes(path, max_bytes)
    if not data.strip():
        raise LoadError(label, "empty file")
    try:
        if suffix == ".pdf":
            article = formats.load_pdf(data, key, label)
        elif suffix in HTML_SUFFIXES:
            article = formats.load_html(data, key, label)
        else:
            article = formats.load_text(data, key, label, markdown=suffix != ".txt")
    except LoadError:
        raise
    except Exception as exc:  # a parser's bug on one odd file must not stop an ingest of thousands
        log.debug("loading %s failed", label, exc_info=True)
        raise LoadError(label, f"could not be read ({type(exc).__name__}: {exc}); the other files are unaffected") from exc
    if not any(ch.isalnum() for ch in article.text):
        raise LoadError(label, "no words in the text (only punctuation or symbols)")
    if not article.url:
        article = replace(article, url=page_url(path, page_urls))
    if folder:
        article = _labelled(article, folder, label)
        if isinstance(article, LoadError):
            raise article
    yield article


def _labelled(article: Article, folder: tuple[str, ...], label: str) -> Article | LoadError:
    """The article with its folder's access labels combined into its own (assistant/access.py)."""
    try:
        return replace(article, access=combine(article.access, folder))
    except ValueError as error:
        which = f"the article {article.title!r}: " if "#" in article.key else ""  # one line of a JSONL file
        return LoadError(label, f"{which}{error}")


def page_url(path: Path, page_urls: Sequence[tuple[Path, str]]) -> str:
    """Where the file is published: the URL prefix of the first directory of ``page_urls`` that
    holds it, plus its path under that directory, percent-encoded; "" when none holds it.

    Example: ``page_url(Path("/srv/wiki/a b.html"), [(Path("/srv/wiki"), "https://w.example/")])``
    -> ``"https://w.example/a%20b.html"``
    """
    resolved = Path(path).resolve()
    for directory, prefix in page_urls:
        if resolved.is_relative_to(directory):
            return prefix + quote(resolved.relative_to(directory).as_posix())
    return ""


def _walk(directory: Path, errors: list[LoadError]) -> list[Path]:
    def report(error: OSError) -> None:
        errors.append(LoadError(str(error.filename), _os_reason(error)))

    found = []
    for folder, dirs, names in os.walk(directory, onerror=report):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(folder, name) for name in names if not name.startswith(".")]
    return sorted(found, key=lambda p: p.relative_to(directory).parts)


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = _check_regular(path).st_size
        if size > max_bytes:
            raise LoadError(str(path), f"file is {size} bytes, over the limit of {max_bytes} bytes")
        return path.read_bytes()
    except OSError as error:
        raise LoadError(str(path), _os_reason(error)) from error


def _check_regular(path: Path) -> os.stat_result:
    """The file's stat; a FIFO or device named like an article would block a read forever (or
    never end), so it is refused."""
    try:
        info = path.stat()
    except OSError as error:
        raise LoadError(str(path), _os_reason(error)) from error
    if not stat.S_ISREG(info.st_mode):
        raise LoadError(str(path), "not a regular file (a pipe, socket or device)")
    return info


def _os_reason(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "no such file or directory"
    if isinstance(error, PermissionError):
        return "cannot read: permission denied"
    if isinstance(error, IsADirectoryError):
        return "is a directory, not a file"
    return f"cannot read: {error.strerror or error}"


def _key(path: Path, root: Path | None) -> str:
    resolved = path.resolve()
    if root is not None:
        try:
            return resolved.relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass  # outside the corpus (an upload, say): the absolute path is still stable
    return resolved.as_posix()


def marks_up_headings(key: str) -> bool:
    """Whether the article of ``key`` is a web page, whose headings are marked up (h1 to h6, the
    terms of a definition list), not guessed from lone short lines as in text and Markdown, where a
    photo caption looks like one.

    Example: ``marks_up_headings("manual/sql-cluster.html")`` -> ``True``
    """
    return Path(key.split("#", 1)[0]).suffix.lower() in HTML_SUFFIXES


def _unsupported(suffix: str) -> str:
    return f"unsupported file type {suffix or '(no suffix)'} (supported: {', '.join(SUPPORTED_SUFFIXES)})"

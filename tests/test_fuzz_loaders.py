"""Fuzzing the loaders: whatever bytes a file holds, loading it gives articles or a LoadError.

Any other exception would abort an ingest of a whole directory because of one hostile file.
The budget is modest (CI runs it on every change); hunt further with e.g. ``FUZZ_EXAMPLES=2000``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.ingest.articles import SUPPORTED_SUFFIXES, Article, load_file
from assistant.errors import LoadError

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Seeds that look like each format, so mutations reach past the first sniff of the parser.
PREFIXES = {
    ".html": [b"<html><head><title>", b"<!DOCTYPE html><body><article><p>", b"<?xml version='1.0'?><html>"],
    ".pdf": [b"%PDF-1.4\n", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"],
    ".md": [b"---\ntitle: ", b"# Heading\n\n", b"---\n"],
    ".jsonl": [b'{"title": "t", "text": "', b"{", b'{"title": 1, "text": []}\n'],
}


def check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        loaded = load_file(path, root=path.parent, max_bytes=100_000)
    except LoadError as error:
        assert error.path == str(path) and error.reason
        return
    assert loaded.articles
    for article in loaded.articles:
        assert isinstance(article, Article) and article.text.strip() and article.title.strip()
        json.dumps({"title": article.title, "text": article.text}, ensure_ascii=False)
    assert all(isinstance(e, LoadError) and e.line for e in loaded.errors)


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
@FUZZ
@given(data=st.binary(max_size=2000), prefix_choice=st.integers(min_value=0, max_value=2))
def test_random_bytes_load_or_raise_load_error(tmp_path, suffix, data, prefix_choice):
    prefixes = PREFIXES.get(suffix, [b""])
    check(tmp_path / f"fuzz{suffix}", prefixes[prefix_choice % len(prefixes)] + data)


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
@FUZZ
@given(text=st.text(max_size=1500), encoding=st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"]))
def test_random_text_in_any_encoding_loads_or_raises_load_error(tmp_path, suffix, text, encoding):
    data = text.encode(encoding, errors="replace") if encoding != "utf-8" else text.encode("utf-8", "surrogatepass")
    check(tmp_path / f"fuzz{suffix}", data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
records = st.fixed_dictionaries(
    {},
    optional={name: json_values | st.text(max_size=80)
              for name in ("id", "title", "text", "source", "url", "author", "published")},
)
lines = st.one_of(records.map(json.dumps), json_values.map(json.dumps), st.text(max_size=80))


@FUZZ
@given(lines=st.lists(lines, min_size=1, max_size=8))
def test_random_jsonl_lines_give_articles_and_numbered_line_errors(tmp_path, lines):
    path = tmp_path / "fuzz.jsonl"
    # JSON's escapes keep each record on one line; raw text lines may hold newlines of their own.
    check(path, "\n".join(lines).encode("utf-8", "surrogatepass"))

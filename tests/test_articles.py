"""Loading articles from every supported format, and what a user sees when a file is bad."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from assistant.ingest.articles import (
    SUPPORTED_SUFFIXES,
    Article,
    Loaded,
    find_files,
    load_file,
    normalize_date,
    timestamp,
)
from assistant.errors import LoadError

BODY = "The central bank raised its key interest rate by a quarter point on Tuesday."


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def load_one(path: Path, root: Path | None = None) -> Article:
    loaded = load_file(path, root=root)
    assert isinstance(loaded, Loaded) and loaded.errors == []
    assert len(loaded.articles) == 1
    return loaded.articles[0]


def load_error(path: Path, **kwargs) -> LoadError:
    with pytest.raises(LoadError) as caught:
        load_file(path, **kwargs)
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}: ")
    return caught.value


# --- plain text and Markdown ---------------------------------------------------------------


def test_markdown_front_matter_gives_metadata_and_body_is_kept_verbatim(tmp_path):
    path = write(
        tmp_path / "rates.md",
        "---\ntitle: Rates rise again\nsource: Daily Planet\nurl: https://planet.example/rates\n"
        "published: 2024-07-28\nauthor: Lois Lane\n---\n\n## Summary\n\n" + BODY + "\n\n",
    )
    article = load_one(path, root=tmp_path)
    assert article.title == "Rates rise again"
    assert article.source == "Daily Planet"
    assert article.url == "https://planet.example/rates"
    assert article.published == "2024-07-28"
    assert article.author == "Lois Lane"
    assert article.text == "## Summary\n\n" + BODY
    assert article.pages == () and article.page_at(10) is None


def test_front_matter_datetime_keeps_its_offset(tmp_path):
    path = write(tmp_path / "a.md", f"---\ntitle: T\npublished: 2024-07-28 09:30:00+09:00\n---\n{BODY}\n")
    assert load_one(path).published == "2024-07-28T09:30:00+09:00"


def test_markdown_title_falls_back_to_first_line_without_hashes(tmp_path):
    path = write(tmp_path / "news.md", "\n\n# Storm closes ports\n\n" + BODY + "\n")
    article = load_one(path)
    assert article.title == "Storm closes ports"
    assert article.text == "# Storm closes ports\n\n" + BODY  # the title line stays in the text
    assert article.published == ""


def test_plain_text_title_is_first_non_empty_line(tmp_path):
    path = write(tmp_path / "note.txt", "   \nBank raises rates\n" + BODY + "\n")
    article = load_one(path)
    assert article.title == "Bank raises rates"
    assert article.text == "Bank raises rates\n" + BODY


def test_bad_front_matter_date_names_field_and_value(tmp_path):
    path = write(tmp_path / "a.md", f"---\ntitle: T\npublished: yesterday\n---\n{BODY}\n")
    error = load_error(path)
    assert error.reason == "field 'published': cannot read 'yesterday' as a date (use ISO 8601, e.g. 2024-07-28)"


def test_malformed_front_matter_yaml_is_reported(tmp_path):
    path = write(tmp_path / "a.md", f"---\ntitle: [unclosed\nsource: x\n---\n{BODY}\n")
    error = load_error(path)
    assert error.reason.startswith("front matter is not valid YAML at line ")
    assert "']'" in error.reason


def test_front_matter_field_of_wrong_type_is_named(tmp_path):
    path = write(tmp_path / "a.md", f"---\ntitle:\n  nested: mapping\n---\n{BODY}\n")
    assert load_error(path).reason == "field 'title' must be text, not dict"


def test_utf8_bom_is_dropped(tmp_path):
    path = write(tmp_path / "bom.txt", "\ufeffHeadline\n".encode() + BODY.encode())
    assert load_one(path).title == "Headline"


def test_latin1_text_is_decoded(tmp_path):
    text = "Le café est fermé le dimanche.\nIl est allé à Paris voir sa sœur, dit-il.\n"
    path = write(tmp_path / "paris.txt", text.encode("cp1252"))
    article = load_one(path)
    assert article.title == "Le café est fermé le dimanche."
    assert "allé à Paris" in article.text and "sœur" in article.text


def test_cyrillic_legacy_encoding_is_detected(tmp_path):
    text = "Привет, как дела? Сегодня хорошая погода в Москве, сообщили синоптики.\n"
    path = write(tmp_path / "moscow.txt", text.encode("cp1251"))
    assert load_one(path).text == text.strip()


@pytest.mark.parametrize("content", ["", "  \n\t\n"])
def test_empty_file(tmp_path, content):
    assert load_error(write(tmp_path / "empty.txt", content)).reason == "empty file"


def test_binary_file_renamed_to_txt(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))
    assert load_error(write(tmp_path / "photo.txt", png)).reason == "binary file, not text"


def test_oversize_file(tmp_path):
    path = write(tmp_path / "big.txt", "x" * 50)
    assert load_error(path, max_bytes=10).reason == "file is 50 bytes, over the limit of 10 bytes"


def test_unreadable_file(tmp_path, monkeypatch):
    # Tests run as root here, where chmod cannot make a file unreadable: force the error.
    path = write(tmp_path / "secret.txt", BODY)

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert load_error(path).reason == "cannot read: permission denied"


def test_missing_file_and_unsupported_type(tmp_path):
    assert load_error(tmp_path / "gone.txt").reason == "no such file or directory"
    error = load_error(write(tmp_path / "sheet.xyz", "a,b"))
    assert error.reason == f"unsupported file type .xyz (supported: {', '.join(SUPPORTED_SUFFIXES)})"


# --- HTML ---------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head>
<title>Rates rise again | Daily Planet</title>
{head}
<script>var tracker = "TRACKER_SECRET";</script>
</head><body>
<nav><a href="/">Home</a> <a href="/world">World menu link</a></nav>
<div class="advertisement">Buy cheap watches now</div>
<article>
<h1>Rates rise again</h1>
{body}
<p>The central bank raised its key interest rate by a quarter point on Tuesday, the third increase this year.</p>
<script>document.write("INLINE_SCRIPT_TEXT")</script>
<p>Officials said inflation remained too high and that further increases could follow in the autumn.</p>
</article>
<footer>Copyright 2019 Daily Planet. All rights reserved. Contact us.</footer>
</body></html>
"""


def page(tmp_path: Path, head: str = "", body: str = "", name: str = "page.html") -> Path:
    return write(tmp_path / name, PAGE.format(head=head, body=body))


def test_html_main_text_without_boilerplate_and_metadata_from_tags(tmp_path):
    head = (
        '<meta property="og:title" content="Central bank raises rates">'
        '<meta property="og:site_name" content="Daily Planet">'
        '<meta name="author" content="Lois Lane">'
        '<link rel="canonical" href="https://planet.example/rates">'
    )
    article = load_one(page(tmp_path, head), root=tmp_path)
    assert article.title == "Central bank raises rates"
    assert article.source == "Daily Planet"
    assert article.author == "Lois Lane"
    assert article.url == "https://planet.example/rates"
    assert "raised its key interest rate by a quarter point" in article.text
    assert "further increases could follow" in article.text
    for boilerplate in ("World menu link", "cheap watches", "Copyright", "TRACKER_SECRET", "INLINE_SCRIPT_TEXT", "<p>"):
        assert boilerplate not in article.text


def test_html_title_falls_back_to_title_tag_without_site_suffix(tmp_path):
    head = '<meta property="og:site_name" content="Daily Planet"><meta property="og:url" content="https://p.example/r">'
    article = load_one(page(tmp_path, head))
    assert article.title == "Rates rise again"
    assert article.url == "https://p.example/r"


def test_html_date_from_article_published_time(tmp_path):
    head = '<meta property="article:published_time" content="2024-07-28T09:30:00+09:00">'
    body = '<time datetime="2020-01-01">old</time>'
    assert load_one(page(tmp_path, head, body)).published == "2024-07-28T09:30:00+09:00"


def test_html_date_from_json_ld_graph(tmp_path):
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Daily Planet"},
        {"@type": "NewsArticle", "headline": "Rates", "datePublished": "2024-03-05T08:00:00Z"},
    ]}
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    body = '<time datetime="2020-01-01">old</time>'
    assert load_one(page(tmp_path, head, body)).published == "2024-03-05T08:00:00+00:00"


def test_html_date_from_time_element(tmp_path):
    body = '<p>By Lois Lane, <time datetime="2023-11-02">2 November 2023</time></p>'
    assert load_one(page(tmp_path, body=body)).published == "2023-11-02"


def test_html_without_date_metadata_has_no_date_not_mtime(tmp_path):
    path = page(tmp_path, body="<p>Published last Tuesday, 3 May 2022.</p>")
    old = datetime(2015, 6, 1, tzinfo=timezone.utc).timestamp()
    os.utime(path, (old, old))
    assert load_one(path).published == ""


def test_html_malformed_date_tag_falls_through_to_next_source(tmp_path):
    head = '<meta property="article:published_time" content="soon">'
    body = '<time datetime="2023-11-02T10:00">x</time>'
    assert load_one(page(tmp_path, head, body, name="p.htm")).published == "2023-11-02T10:00:00+00:00"


def test_html_with_no_text(tmp_path):
    path = write(tmp_path / "blank.html", "<html><head><title>Nothing</title></head><body></body></html>")
    assert load_error(path).reason == "no article text found in the page"


# --- PDF ----------------------------------------------------------------------------------


def make_pdf(path: Path, pages: list[list[str]], title: str | None = None, **kwargs) -> Path:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), **kwargs)
    if title:
        pdf.setTitle(title)
    for lines in pages:
        for number, line in enumerate(lines):
            pdf.drawString(72, 720 - 20 * number, line)
        pdf.showPage()
    pdf.save()
    return path


def test_pdf_pages_and_offsets(tmp_path):
    path = make_pdf(tmp_path / "report.pdf", [["Annual report", "Profits rose."], ["Outlook is stable."]], "Annual report 2024")
    article = load_one(path, root=tmp_path)
    assert article.title == "Annual report 2024"
    assert article.text == "Annual report\nProfits rose.\n\nOutlook is stable."
    page_two = article.text.index("Outlook")
    assert article.pages == ((0, 1), (page_two, 2))
    assert article.page_at(3) == 1
    assert article.page_at(page_two + 4) == 2
    assert article.published == ""  # /CreationDate is when the file was made, not published
    assert article.author == ""  # ReportLab's placeholder "anonymous" is not an author


def test_pdf_title_falls_back_to_first_line(tmp_path):
    path = make_pdf(tmp_path / "memo.pdf", [["Memo on harbour works", "Body."]])
    assert load_one(path).title == "Memo on harbour works"


def test_pdf_errors(tmp_path):
    broken = write(tmp_path / "broken.pdf", b"%PDF-1.4\nthis is not really a pdf")
    assert load_error(broken).reason.startswith("not a readable PDF: ")
    locked = make_pdf(tmp_path / "locked.pdf", [["Secret"]], encrypt="hunter2")
    assert load_error(locked).reason == "encrypted PDF: it needs a password to open"
    scanned = make_pdf(tmp_path / "scan.pdf", [[]])
    assert load_error(scanned).reason == "no extractable text (scanned PDF?)"


# --- JSONL --------------------------------------------------------------------------------


def test_jsonl_good_lines_load_and_bad_lines_are_named(tmp_path):
    lines = [
        {"id": "a1", "title": "First", "text": "One.", "source": "Wire", "published": "2024-07-28"},
        "{not json",
        {"title": "Second", "text": "Two.", "url": "https://x.example/2"},
        ["a", "list"],
        {"title": "No text"},
        {"title": "Numbered", "text": "Three.", "author": 7},
        "",
        {"title": "Dated", "text": "Four.", "published": "yesterday"},
        {"title": "Third", "text": "Five."},
        {"title": "Third", "text": "Same title again."},
    ]
    content = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    path = write(tmp_path / "feed.jsonl", content)
    loaded = load_file(path, root=tmp_path)
    assert [a.title for a in loaded.articles] == ["First", "Second", "Third"]
    assert [a.key for a in loaded.articles] == ["feed.jsonl#a1", "feed.jsonl#https://x.example/2", "feed.jsonl#Third"]
    first = loaded.articles[0]
    assert (first.text, first.source, first.published) == ("One.", "Wire", "2024-07-28")
    assert [(e.line, e.reason) for e in loaded.errors] == [
        (2, "invalid JSON: Expecting property name enclosed in double quotes (column 2)"),
        (4, "expected a JSON object, got list"),
        (5, "missing field 'text'"),
        (6, "field 'author' must be a string, not int"),
        (8, "field 'published': cannot read 'yesterday' as a date (use ISO 8601, e.g. 2024-07-28)"),
        (10, "same id/url/title as line 9; skipped"),
    ]
    assert str(loaded.errors[2]) == f"{path}:5: missing field 'text'"


def test_jsonl_with_no_good_line_fails_as_a_whole(tmp_path):
    path = write(tmp_path / "bad.jsonl", '{"title": "", "text": "x"}\n[1]\n')
    assert load_error(path).reason == "no line could be loaded; line 1: field 'title' is empty"


# --- finding files, keys and ids ------------------------------------------------------------


def test_find_files_walks_sorted_skips_hidden_and_reports_problems(tmp_path):
    corpus = tmp_path / "corpus"
    for name in ("b.md", "a.txt", "sub/c.html", "sub/.draft.md", ".git/config.txt", "z.jsonl", "notes.docx"):
        write(corpus / name, "x")
    files, errors = find_files([corpus, corpus / "a.txt", tmp_path / "missing"])
    assert [f.relative_to(corpus).as_posix() for f in files] == ["a.txt", "b.md", "sub/c.html", "z.jsonl"]
    assert [str(e) for e in errors] == [
        f"{corpus / 'notes.docx'}: unsupported file type .docx (supported: {', '.join(SUPPORTED_SUFFIXES)})",
        f"{tmp_path / 'missing'}: no such file or directory",
    ]


def test_keys_are_relative_to_root_and_ids_are_stable(tmp_path):
    path = write(tmp_path / "corpus" / "world" / "rates.txt", "Rates\n" + BODY)
    first = load_one(path, root=tmp_path / "corpus")
    again = load_one(path, root=tmp_path / "corpus")
    assert first.key == "world/rates.txt"
    assert first.id == again.id and len(first.id) == 16
    outside = load_one(path, root=tmp_path / "elsewhere")
    assert outside.key == path.resolve().as_posix()
    assert load_one(path).key == path.resolve().as_posix()


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-07-28", "2024-07-28"),
        (" 2024-07-28T09:30:00+09:00 ", "2024-07-28T09:30:00+09:00"),
        ("2024-07-28T09:30:00Z", "2024-07-28T09:30:00+00:00"),
        ("2024-07-28T09:30", "2024-07-28T09:30:00+00:00"),
        ("Sun, 28 Jul 2024 09:30:00 +0900", "2024-07-28T09:30:00+09:00"),
        (date(2024, 7, 28), "2024-07-28"),
        (datetime(2024, 7, 28, 9, 30, tzinfo=timezone(timedelta(hours=9))), "2024-07-28T09:30:00+09:00"),
        (None, ""),
        ("", ""),
    ],
)
def test_normalize_date(value, expected):
    assert normalize_date(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "28/07/2024", 20240728, True])
def test_normalize_date_rejects_garbage_naming_field_and_value(value):
    with pytest.raises(ValueError) as caught:
        normalize_date(value, field="date")
    assert str(caught.value).startswith(f"field 'date': cannot read {value!r} as a date")


def test_timestamp():
    assert timestamp("2010-01-01") == 1262304000
    assert timestamp("2010-01-01T09:00:00+09:00") == 1262304000
    assert timestamp("2010-01-01T00:00:00+00:00") == 1262304000
    assert timestamp("") is None

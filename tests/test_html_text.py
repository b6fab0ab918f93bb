"""HTML text as a browser shows it: whitespace, <pre>, tables as "column: value", chrome dropped."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.articles import Article, load_file
from assistant.ingest.chunking import sentences

DATA = Path(__file__).parent / "data" / "html"


def load_page(tmp_path: Path, body: str, head: str = "<title>Page</title>") -> Article:
    path = tmp_path / "page.html"
    path.write_text(f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>", encoding="utf-8")
    return load_file(path).articles[0]


def quotes(article: Article, kind: str | None = None) -> list[str]:
    """The sentences a citation could quote, optionally only those of one kind."""
    return [article.text[s:e] for s, e, k in sentences(article.text, 2000, article.blocks) if kind in (None, k)]


def test_whitespace_inside_a_paragraph_collapses_to_single_spaces(tmp_path: Path) -> None:
    article = load_page(tmp_path, "<p>\n   When a table is clustered, it is physically reordered\n   based on the"
                                  "  index information.  Clustering is a <code>one-time</code>\toperation.\n  </p>")
    assert article.text == ("When a table is clustered, it is physically reordered based on the index information. "
                            "Clustering is a one-time operation.")
    assert quotes(article, "prose") == [
        "When a table is clustered, it is physically reordered based on the index information.",
        "Clustering is a one-time operation.",
    ]


def test_pre_is_kept_verbatim_and_apart_from_the_prose(tmp_path: Path) -> None:
    article = load_page(tmp_path, "<p>Run this:</p><pre>\nSELECT *\n  FROM   towns\n WHERE name = 'Canberra';\n</pre>"
                                  "<p>It returns one row.</p>")
    assert "SELECT *\n  FROM   towns\n WHERE name = 'Canberra';" in article.text
    assert quotes(article, "code") == ["SELECT *\n  FROM   towns\n WHERE name = 'Canberra';"]
    assert quotes(article, "prose") == ["Run this:", "It returns one row."]


def test_blocks_end_sentences_and_headings_are_not_prose(tmp_path: Path) -> None:
    article = load_page(tmp_path, "<h2>Transaction Isolation Levels</h2><div>Read Committed is the default"
                                  "<ul><li>It sees committed data only</li><li>Each statement gets a snapshot.</li></ul></div>"
                                  "<dl><dt>work_mem (integer)</dt><dd><p>Sets the base maximum amount of memory.</p></dd></dl>"
                                  "<p>First line<br>second line.</p>")
    found = list(zip(quotes(article), [k for _, _, k in sentences(article.text, 2000, article.blocks)]))
    assert found == [
        ("Transaction Isolation Levels", "heading"),
        ("Read Committed is the default", "fragment"),  # no final punctuation: not a sentence to quote
        ("It sees committed data only", "fragment"),
        ("Each statement gets a snapshot.", "prose"),
        ("work_mem (integer)", "heading"),
        ("Sets the base maximum amount of memory.", "prose"),
        ("First line", "fragment"),
        ("second line.", "prose"),
    ]


def test_a_table_row_reads_column_colon_value(tmp_path: Path) -> None:
    article = load_page(tmp_path, """<table><caption>Numeric Types</caption>
      <thead><tr><th>Name</th><th>Storage Size</th><th>Range</th></tr></thead>
      <tbody><tr><td>smallint</td><td>2 bytes</td><td>-32768 to +32767</td></tr>
      <tr><td>bigint</td><td>8 bytes</td><td></td></tr>
      <tr><td colspan="2">serial, 4 bytes</td><td>1 to 2147483647</td></tr></tbody></table>""")
    assert quotes(article, "caption") == ["Numeric Types"]
    assert quotes(article, "table") == [
        "Name: smallint; Storage Size: 2 bytes; Range: -32768 to +32767",
        "Name: bigint; Storage Size: 8 bytes",
        "Name: serial, 4 bytes; Range: 1 to 2147483647",
    ]


def test_a_table_of_header_cells_only_reads_row_by_row(tmp_path: Path) -> None:
    # Found on a page of the Debian packages' manuals: a table whose every cell is a <th>.
    article = load_page(tmp_path, "<p>Options follow.</p><table><tr><th>-v</th><th>verbose</th></tr>"
                                  "<tr><th>-q</th><th>quiet</th></tr></table>")
    assert quotes(article, "table") == ["-v; verbose", "-q; quiet"]


def test_docbook_function_table_pairs_each_paragraph_with_its_column(tmp_path: Path) -> None:
    article = load_page(tmp_path, """<table><thead><tr><th class="func_table_entry">
      <p class="func_signature">Function</p><p>Description</p><p>Example(s)</p></th></tr></thead>
      <tbody><tr><td class="func_table_entry"><p class="func_signature">ceil ( numeric ) → numeric</p>
      <p class="func_signature">ceil ( double precision ) → double precision</p>
      <p>Nearest integer greater than or equal to argument</p><p>ceil(42.2) → 43</p></td></tr></tbody></table>""")
    assert quotes(article, "table") == [
        "Function: ceil ( numeric ) → numeric | ceil ( double precision ) → double precision; "
        "Description: Nearest integer greater than or equal to argument; Example(s): ceil(42.2) → 43"
    ]


def test_navigation_breadcrumbs_and_page_chrome_are_not_article_text(tmp_path: Path) -> None:
    article = load_page(tmp_path, """
      <div class="navheader"><table><tr><th colspan="3">CLUSTER</th></tr><tr><td><a href="a.html">Prev</a></td>
      <td><a href="b.html">Up</a></td><td><a href="index.html">Home</a> <a href="c.html">Next</a></td></tr></table></div>
      <ol class="breadcrumbs"><li><a href="/">Home</a></li><li><a href="/docs">Docs</a></li></ol>
      <div class="toc"><dl><dt><a href="x.html">13.1. Introduction</a></dt></dl></div>
      <h1>CLUSTER <a class="headerlink" href="#c">¶</a></h1>
      <p>CLUSTER instructs PostgreSQL to cluster the table.</p>
      <ul><li><a href="/a">Related story one</a></li><li><a href="/b">Related story two</a></li></ul>
      <div class="sphinxsidebar">Quick search</div><footer>© 2024 Example. All rights reserved.</footer>""")
    assert article.text == "CLUSTER\n\nCLUSTER instructs PostgreSQL to cluster the table."


def test_news_page_as_a_reader_sees_it() -> None:
    article = load_file(DATA / "news-article.html").articles[0]
    assert article.title == "Harbour tunnel opens after six years of work"
    assert quotes(article, "heading") == ["Harbour tunnel opens after six years of work", "Tolls and opening hours"]
    assert quotes(article, "caption") == ["The first cars enter the tunnel on Tuesday morning. Photo: Coastal Herald",
                                          "Toll charges from 14 May"]
    assert quotes(article, "table")[0] == "Vehicle: Car; Standard toll: £2.50; Resident toll: £1.20"
    prose = quotes(article, "prose")
    assert prose[:2] == [
        "The harbour tunnel opened to traffic on Tuesday morning, six years after construction began and "
        "fourteen months later than planned.",
        "The first vehicles entered the eastern portal at 6 a.m., watched by a small crowd of residents who "
        "had gathered before dawn.",
    ]
    assert "An inquiry into the overspend will report in the autumn.\nAdditional reporting by Sam Okafor." in article.text
    for chrome in ("Skip to content", "Search the Herald", "cookies", "Related", "Tunnel opening delayed",
                   "Share on", "newsletter", "Topics:", "Most read", "Privacy policy", "rights reserved",
                   "TRACKER_ID", "INLINE_SCRIPT", "line-height"):
        assert chrome not in article.text


def test_news_page_without_semantic_elements_gives_the_same_prose() -> None:
    semantic = load_file(DATA / "news-article.html").articles[0]
    divs = load_file(DATA / "news-divsoup.html").articles[0]
    assert quotes(divs, "prose") == quotes(semantic, "prose")
    assert quotes(divs, "table") == quotes(semantic, "table")
    for chrome in ("Skip to content", "cookies", "Tunnel opening delayed", "Share on", "newsletter",
                   "Most read", "Privacy policy", "rights reserved"):
        assert chrome not in divs.text

"""Citations link to the page they quote, opening it at the quoted sentence (answer/links.py), and
files of a published directory get their page's address (the ``page_urls`` setting).

The browser side, a real Chromium following such a link to a real page of the PostgreSQL manual,
is in tests/test_ui.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import ConfigError, Settings, cli
from assistant.answer.links import sentence_link

CLUSTERED = "When a table is clustered, it is physically reordered based on the index information."
PIER = ("<!doctype html><title>Harbor news</title><body><p>The harbor authority said the new ferry pier "
        "opened in 2019 after long delays.</p><p>Ferries now leave every hour.</p></body>")


def test_a_sentence_is_matched_whole_and_a_very_long_one_by_its_ends() -> None:
    assert sentence_link("https://wiki.example/p.html", CLUSTERED) == (
        "https://wiki.example/p.html#:~:text=When%20a%20table%20is%20clustered%2C%20it%20is%20physically"
        "%20reordered%20based%20on%20the%20index%20information.")
    long = " ".join(f"w{i}" for i in range(41)) + "."
    assert sentence_link("https://wiki.example/p.html", long) == (
        "https://wiki.example/p.html#:~:text=w0%20w1%20w2%20w3%20w4%20w5%20w6%20w7,"
        "w33%20w34%20w35%20w36%20w37%20w38%20w39%20w40.")


def test_the_directive_syntax_is_encoded_and_an_anchor_is_kept() -> None:
    # "-", "," and "&" separate the directive's parts: inside the words they must be encoded.
    link = sentence_link("https://wiki.example/p.html#locks", "Row-level locks, & more.")
    assert link == "https://wiki.example/p.html#locks:~:text=Row%2Dlevel%20locks%2C%20%26%20more."
    assert sentence_link(link, "Other text.") == "https://wiki.example/p.html#locks:~:text=Other%20text."


def test_no_web_address_no_fragment() -> None:
    assert sentence_link("", "It opened in 2019.") == ""
    assert sentence_link("notes/pier.md", "It opened in 2019.") == "notes/pier.md"
    assert sentence_link("https://wiki.example/p.html", "  ") == "https://wiki.example/p.html"


def test_a_malformed_page_urls_setting_names_the_setting_and_the_pair() -> None:
    with pytest.raises(ConfigError, match="page_urls: 'docs' is not DIR=URL"):
        Settings(page_urls="docs")
    with pytest.raises(ConfigError, match="page_urls: 'docs=wiki.example' is not DIR=URL"):
        Settings(page_urls="/srv/a=https://a.example/; docs=wiki.example")


def test_files_of_a_published_directory_link_to_their_pages(tmp_path: Path, make_assistant) -> None:  # noqa: ANN001
    wiki = tmp_path / "wiki"
    (wiki / "harbor news").mkdir(parents=True)
    (wiki / "harbor news" / "pier.html").write_text(PIER)
    own = PIER.replace("<title>", '<link rel="canonical" href="https://news.example/pier"><title>')
    (wiki / "canonical.html").write_text(own.replace("ferry pier", "cargo pier").replace("2019", "2017"))
    elsewhere = tmp_path / "notes"
    elsewhere.mkdir()
    (elsewhere / "bridge.md").write_text("# Bridge\n\nThe new bridge over the river opened in 2021 after a vote.\n")
    assistant = make_assistant(page_urls=f"{wiki}=https://wiki.example/harbor")
    assert not assistant.ingest([wiki, elsewhere]).failed

    pier = assistant.ask("When did the new ferry pier open?").citations[0]
    assert pier.url == "https://wiki.example/harbor/harbor%20news/pier.html"
    assert pier.link == (pier.url + "#:~:text=The%20harbor%20authority%20said%20the%20new%20ferry%20pier"
                         "%20opened%20in%202019%20after%20long%20delays.")
    assert "2017" in assistant.ask("When did the new cargo pier open?").citations[0].quote
    assert assistant.ask("When did the new cargo pier open?").citations[0].url == "https://news.example/pier"
    bridge = assistant.ask("When did the new bridge open?").citations[0]
    assert "2021" in bridge.quote and bridge.url == "" and bridge.link == ""


def test_the_cli_and_the_json_carry_the_link(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    (wiki / "pier.html").write_text(PIER)
    monkeypatch.setenv("ASSISTANT_PAGE_URLS", f"{wiki}=https://wiki.example/")
    common = ["--index", str(tmp_path / "index"), "--corpus", str(wiki)]
    assert cli.main([*common, "ingest"]) == 0
    assert cli.main([*common, "ask", "--json", "When did the new ferry pier open?"]) == 0
    citation = json.loads(capsys.readouterr().out.splitlines()[-1])["citations"][0]
    assert citation["url"] == "https://wiki.example/pier.html"
    assert citation["link"].startswith("https://wiki.example/pier.html#:~:text=The%20harbor%20authority")
    assert cli.main([*common, "ask", "When did the new ferry pier open?"]) == 0
    assert f"[1] Harbor news ({citation['link']})" in capsys.readouterr().out


def test_an_upload_into_a_published_corpus_gets_no_page_address(tmp_path: Path, make_assistant) -> None:  # noqa: ANN001
    corpus = tmp_path / "corpus"
    (corpus / "uploads").mkdir(parents=True)  # where the UI and the API keep uploads (config.UPLOAD_DIR)
    (corpus / "pier.html").write_text(PIER)
    (corpus / "uploads" / "bridge.md").write_text("# Bridge\n\nThe new bridge over the river opened in 2021.\n")
    assistant = make_assistant(corpus_dir=corpus, page_urls=f"{corpus}=https://wiki.example/")
    assistant.ingest()
    assert assistant.ask("When did the new ferry pier open?").citations[0].url == "https://wiki.example/pier.html"
    bridge = assistant.ask("When did the new bridge open?").citations[0]
    assert "2021" in bridge.quote and bridge.url == ""  # not a dead link to https://wiki.example/uploads/...

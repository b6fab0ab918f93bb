"""Access labels and viewers, piece by piece: how labels are read from each format and folder,
what an ingest does when only they change, the settings that map keys and logins to groups,
embed tokens that carry groups, and the CLI's --groups. The leak suite over every route is
tests/test_leaks.py."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from assistant import Settings
from assistant.access import ADMIN, ANONYMOUS, Viewer, combine, normalize_groups, viewer_of
from assistant.errors import BadQuestion, ConfigError, LoadError
from assistant.ingest.articles import load_file
from assistant.index.ingester import body_hash, content_hash
from assistant.web.security import EmbedTokens

from .wiki import MERGER


def test_groups_are_normalised_and_checked() -> None:
    assert normalize_groups(["HR", " managers", "hr"]) == ("hr", "managers")
    assert normalize_groups("legal, hr") == ("hr", "legal")
    assert normalize_groups(None) == normalize_groups([]) == normalize_groups("") == ()
    for bad in (["human resources"], [3], "hr;legal", True):
        with pytest.raises(ValueError):
            normalize_groups(bad)


def test_a_viewer_reads_unlabelled_articles_and_its_groups_only() -> None:
    hr = Viewer(frozenset({"hr"}))
    assert hr.may_read(()) and hr.may_read(("hr", "managers")) and not hr.may_read(("legal",))
    assert ANONYMOUS.may_read(()) and not ANONYMOUS.may_read(("hr",))
    assert ADMIN.may_read(("legal",))
    assert viewer_of(None) == ANONYMOUS and viewer_of("*") == ADMIN and viewer_of(["*"]) == ADMIN
    assert viewer_of("HR, legal") == Viewer(frozenset({"hr", "legal"}))
    with pytest.raises(BadQuestion):
        viewer_of("human resources")


def test_a_file_and_its_folder_must_both_allow() -> None:
    assert combine(("hr", "managers"), ("hr",)) == ("hr",)
    assert combine((), ("hr",)) == ("hr",) and combine(("legal",), ()) == ("legal",)
    with pytest.raises(ValueError, match="share no group"):
        combine(("legal",), ("hr",))


def test_labels_from_front_matter_jsonl_html_and_the_folder(tmp_path: Path) -> None:
    (tmp_path / "hr").mkdir()
    md = tmp_path / "hr" / "pay.md"
    md.write_text("---\ntitle: Pay\naccess: [hr, Managers]\n---\nSalaries rise by 4.5 percent.\n")
    plain = tmp_path / "plain.md"
    plain.write_text("---\ntitle: Plain\naccess: legal\n---\nA sentence.\n")
    lines = tmp_path / "a.jsonl"
    lines.write_text(json.dumps({"title": "A", "text": "One.", "access": ["product"]}) + "\n"
                     + json.dumps({"title": "B", "text": "Two."}) + "\n"
                     + json.dumps({"title": "C", "text": "Three.", "access": [1]}) + "\n")
    page = tmp_path / "p.html"
    page.write_text('<html><head><meta name="access" content="product, managers"><title>P</title></head>'
                    "<body><p>The phone launches soon.</p></body></html>")
    mapping = Settings(access=f"{tmp_path / 'hr'}=hr").access_map
    assert load_file(md).articles[0].access == ("hr", "managers")
    assert load_file(md, access_map=mapping).articles[0].access == ("hr",)  # both must allow
    assert load_file(plain).articles[0].access == ("legal",)
    loaded = load_file(lines)
    assert [a.access for a in loaded.articles] == [("product",), ()]
    assert "field 'access'" in loaded.errors[0].reason and loaded.errors[0].line == 3
    assert load_file(page).articles[0].access == ("managers", "product")
    (tmp_path / "hr" / "legal.md").write_text("---\naccess: [legal]\n---\nText.\n")
    with pytest.raises(LoadError, match="share no group"):
        load_file(tmp_path / "hr" / "legal.md", access_map=mapping)


def test_an_unlabelled_article_hashes_as_before_labels_existed(tmp_path: Path) -> None:
    """So an index written before this feature is not re-embedded by the next ingest."""
    from dataclasses import replace

    (tmp_path / "a.md").write_text("---\ntitle: A\n---\nSome text.\n")
    article, settings = load_file(tmp_path / "a.md").articles[0], Settings()
    assert content_hash(article, settings) == body_hash(article, settings)
    labelled = replace(article, access=("hr",))
    assert content_hash(labelled, settings) != content_hash(article, settings)
    assert body_hash(labelled, settings) == body_hash(article, settings)


def test_changing_labels_relabels_in_place_without_embedding(make_assistant, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    story = corpus / "pay.md"
    story.write_text("---\ntitle: Pay review\n---\nAfter the annual pay review, salaries will rise by 4.5 percent.\n")
    assistant = make_assistant()
    assistant.ingest()
    question = "By how much will salaries rise after the pay review?"
    assert "4.5 percent" in assistant.ask(question).text
    chunks_before = assistant.store.chunks.get(include=["embeddings"])

    def no_embedding(texts):  # noqa: ANN001, ANN202
        raise AssertionError("a change of labels alone must not embed anything")

    monkeypatch.setattr(assistant.embedder, "embed", no_embedding)
    story.write_text("---\ntitle: Pay review\naccess: [hr]\n---\n"
                     "After the annual pay review, salaries will rise by 4.5 percent.\n")
    report = assistant.ingest()
    assert [e.reason for e in report.updated] == ["access labels changed (not re-embedded)"]
    chunks_after = assistant.store.chunks.get(include=["embeddings", "metadatas"])
    assert chunks_after["ids"] == chunks_before["ids"]
    assert (chunks_after["embeddings"] == chunks_before["embeddings"]).all()
    assert all(m["access"] == "hr" and m["restricted"] for m in chunks_after["metadatas"])
    assert assistant.ingest().unchanged  # and again: nothing to do
    monkeypatch.undo()
    assert "4.5 percent" not in json.dumps(assistant.ask(question).to_dict())
    assert "4.5 percent" in assistant.ask(question, groups=["hr"]).text
    story.write_text("---\ntitle: Pay review\n---\nAfter the annual pay review, salaries will rise by 4.5 percent.\n")
    assert assistant.ingest().updated and "4.5 percent" in assistant.ask(question).text  # public again
    assert "restricted" not in assistant.store.chunks.get(include=["metadatas"])["metadatas"][0]


def test_a_relabel_cut_short_is_repaired_by_the_next_ingest(make_assistant, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    story = corpus / "pay.md"
    story.write_text("---\ntitle: Pay review\n---\nSalaries will rise by 4.5 percent.\n")
    assistant = make_assistant()
    assistant.ingest()
    story.write_text("---\ntitle: Pay review\naccess: [hr]\n---\nSalaries will rise by 4.5 percent.\n")
    calls = []

    def crash_on_chunks(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        raise RuntimeError("killed mid-relabel")

    monkeypatch.setattr(assistant.store.chunks, "update", crash_on_chunks)
    with pytest.raises(RuntimeError):
        assistant.ingest()
    assert "4.5 percent" not in json.dumps(assistant.ask("How much will salaries rise?", groups="*").to_dict())
    monkeypatch.undo()
    report = assistant.ingest()  # the uncommitted record is replaced whole
    assert report.updated and "not re-embedded" not in report.updated[0].reason
    assert "4.5 percent" in assistant.ask("How much will salaries rise?", groups="hr").text
    assert "4.5 percent" not in json.dumps(assistant.ask("How much will salaries rise?").to_dict())


def test_copies_merge_only_under_the_same_labels(make_assistant, tmp_path: Path) -> None:  # noqa: ANN001
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text(f"---\ntitle: Talks\npublished: 2024-03-01\n---\n{MERGER}\n")
    (corpus / "b.md").write_text(f"---\ntitle: Talks (legal)\npublished: 2024-03-02\naccess: [legal]\n---\n{MERGER}\n")
    assistant = make_assistant()
    report = assistant.ingest()
    assert len(report.added) == 2 and not report.duplicates and not report.removed
    (corpus / "c.md").write_text(f"---\ntitle: Talks again\npublished: 2024-03-02\n---\n{MERGER}\n")
    report = assistant.ingest()
    assert [e.key for e in report.duplicates] == ["c.md"] and "'Talks'" in report.duplicates[0].reason
    assert {a.key: [c.key for c in a.copies] for a in assistant.articles("*")} == {"a.md": ["c.md"], "b.md": []}


def test_settings_map_keys_and_logins_to_groups() -> None:
    settings = Settings(api_key="admin-key", api_keys="k1=hr,Managers; k2=*", ui_user="root", ui_password="pw",
                        ui_users="ann:s3:cr=et=hr;bob:pw2=legal")
    assert settings.key_groups == {"k1": Viewer(frozenset({"hr", "managers"})), "k2": ADMIN}
    assert settings.ui_logins == {"root": ("pw", ADMIN), "ann": ("s3:cr=et", Viewer(frozenset({"hr"}))),
                                  "bob": ("pw2", Viewer(frozenset({"legal"})))}
    for bad in ({"api_keys": "k1"}, {"api_keys": "k;1=hr"}, {"api_keys": "k=1=hr"}, {"api_keys": "k1=human resources"},
                {"api_key": "same", "api_keys": "same=hr"}, {"ui_users": "ann=hr"}, {"ui_users": "ann:pw=hr;ann:x=legal"},
                {"access": "/srv/wiki"}, {"access": "/srv/wiki=human resources"}):
        with pytest.raises(ConfigError):
            Settings(**bad)
    assert "ASSISTANT_ACCESS" in {row[0] for row in Settings.describe()}
    assert "k1" not in repr(settings) and "s3:cr" not in repr(settings)  # secrets stay out of logs


def test_embed_tokens_carry_groups_and_cannot_be_altered() -> None:
    now = [1000.0]
    tokens = EmbedTokens("secret", 60, clock=lambda: now[0])
    token = tokens.mint("http://wiki.test", ["hr", "managers"])
    assert tokens.claims(token) == ("http://wiki.test", Viewer(frozenset({"hr", "managers"})))
    assert tokens.claims(tokens.mint("http://wiki.test")) == ("http://wiki.test", ANONYMOUS)
    assert tokens.claims(tokens.mint("http://wiki.test", ["*"]))[1] == ADMIN
    expiry, origin, groups, signature = token.split(".")
    more = EmbedTokens("secret", 60).mint("x", ["hr,legal"]).split(".")[2]  # another token's groups part
    assert tokens.claims(".".join([expiry, origin, more, signature])) is None
    assert tokens.claims(".".join([expiry, origin, signature])) is None  # groups dropped
    assert EmbedTokens("another secret", 60, clock=lambda: 1000.0).claims(token) is None
    old_style = f"{expiry}.{origin}.{tokens._sign(f'{expiry}.{origin}')}"  # a token minted before groups
    assert tokens.claims(old_style) == ("http://wiki.test", ANONYMOUS)
    now[0] += 61
    assert tokens.claims(token) is None


def test_the_cli_takes_groups(make_assistant, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from assistant import Assistant
    from assistant.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "pay.md").write_text("---\ntitle: Pay review\naccess: [hr]\n---\nSalaries will rise by 4.5 percent.\n")
    (corpus / "canteen.md").write_text("---\ntitle: Canteen\n---\nThe canteen opens at noon.\n")
    built = make_assistant(corpus_dir=corpus)
    monkeypatch.setattr(Assistant, "from_settings", classmethod(lambda cls, s: built))
    out = io.StringIO()
    assert main(["ingest"], stdout=out) == 0
    question = "How much will salaries rise?"
    out = io.StringIO()
    assert main(["ask", "--json", question], stdout=out) == 0
    assert "4.5 percent" not in out.getvalue()
    out = io.StringIO()
    assert main(["ask", "--json", "--groups", "hr", question], stdout=out) == 0
    assert "4.5 percent" in json.loads(out.getvalue())["answer"]
    out = io.StringIO()
    assert main(["articles"], stdout=out) == 0
    assert "Pay review" not in out.getvalue() and "1 articles (1 more with access labels" in out.getvalue()
    out = io.StringIO()
    assert main(["articles", "--groups", "*"], stdout=out) == 0
    assert "Pay review (pay.md)  [hr]" in out.getvalue() and out.getvalue().rstrip().endswith("2 articles")

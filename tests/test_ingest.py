"""Ingestion: every format reaches a citation with its metadata; re-ingest is incremental and
idempotent; one text under two names is indexed once and a story's newer version at its address
replaces the older (tests/test_versions.py has the rule on real reports); the lexical index
follows Chroma."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from reportlab.pdfgen import canvas

HTML = """<html><head><title>Port strike ends | Harbour News</title>
<meta property="og:site_name" content="Harbour News">
<meta property="article:published_time" content="2024-05-02T08:00:00+00:00">
<link rel="canonical" href="https://news.example/port-strike"></head>
<body><nav>Home | World | Sport</nav><article><h1>Port strike ends</h1>
<p>Dock workers at the northern port returned to work on Thursday after a nine-day strike over wages.</p>
<p>The union said members had accepted a pay rise of six percent spread over two years.</p>
</article><footer>Copyright Harbour News. All rights reserved.</footer></body></html>"""


def write_corpus(corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "volcano.txt").write_text(
        "Volcano erupts on remote island\n\nThe volcano on the remote island erupted on Monday, "
        "sending an ash cloud nine kilometres into the sky. Flights in the region were cancelled.\n"
    )
    (corpus / "library.md").write_text(
        "---\ntitle: City library reopens\nsource: Town Crier\nurl: https://crier.example/library\n"
        "published: 2023-11-20\nauthor: R. Page\n---\nThe city library reopened after a renovation that "
        "added a rooftop reading garden. The mayor cut the ribbon at the ceremony on Saturday.\n"
    )
    (corpus / "port.html").write_text(HTML)
    (corpus / "wire.jsonl").write_text(
        json.dumps({"title": "Bakery wins national prize", "source": "Wire", "published": "2022-02-14",
                    "text": "A small bakery in the hill town won the national bread prize for its rye loaf."}) + "\n"
        + json.dumps({"title": "Tram line extended", "source": "Wire", "url": "https://wire.example/tram",
                      "text": "The tram line was extended by four stops to reach the new hospital."}) + "\n"
    )
    pdf = canvas.Canvas(str(corpus / "report.pdf"))
    pdf.drawString(72, 720, "Annual water report")
    pdf.drawString(72, 700, "Reservoir levels were normal for most of the year.")
    pdf.showPage()
    pdf.drawString(72, 720, "The reservoir reached its lowest level in August because of the drought.")
    pdf.save()


def test_every_format_is_cited_with_its_metadata(make_assistant, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    assistant = make_assistant(corpus_dir=corpus)
    report = assistant.ingest()
    assert len(report.added) == 6 and not report.failed

    cases = {
        "How high did the ash cloud from the volcano rise?": ("Volcano erupts on remote island", "", "nine kilometres"),
        "Who cut the ribbon when the library reopened?": ("City library reopens", "2023-11-20", "mayor"),
        "What pay rise did the union members accept?": ("Port strike ends", "2024-05-02T08:00:00+00:00", "six percent"),
        "Which bakery won the national bread prize?": ("Bakery wins national prize", "2022-02-14", "rye loaf"),
        "When did the reservoir reach its lowest level?": ("Annual water report", "", "August"),
    }
    for question, (title, published, words) in cases.items():
        answer = assistant.ask(question)
        first = answer.citations[0]
        assert (first.title, first.published) == (title, published), question
        assert words in first.quote
        assert assistant.article(first.article_id).text[first.start : first.end] == first.quote

    library = assistant.ask("Who cut the ribbon when the library reopened?").citations[0]
    assert (library.source, library.url) == ("Town Crier", "https://crier.example/library")
    assert assistant.ask("What pay rise did the union members accept?").citations[0].source == "Harbour News"
    assert assistant.ask("When did the reservoir reach its lowest level?").citations[0].page == 2
    port = next(a for a in assistant.articles() if a.title == "Port strike ends")
    assert "Home | World" not in assistant.article(port.id).text


def test_reingest_is_incremental_and_idempotent(make_assistant, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    assistant = make_assistant(corpus_dir=corpus)
    assistant.ingest()
    chunks_before = assistant.store.chunks.count()

    again = assistant.ingest()
    assert (len(again.added), len(again.updated), len(again.unchanged)) == (0, 0, 6)
    assert assistant.store.chunks.count() == chunks_before

    (corpus / "volcano.txt").write_text(
        "Volcano erupts on remote island\n\nThe volcano erupted again on Tuesday with an ash cloud "
        "twelve kilometres high, and the airport stayed closed.\n"
    )
    (corpus / "library.md").unlink()
    (corpus / "ferry.txt").write_text("Ferry service resumes\n\nThe island ferry resumed sailing after the storm passed.\n")
    report = assistant.ingest(sync=True)
    assert [e.title for e in report.updated] == ["Volcano erupts on remote island"]
    assert [e.title for e in report.added] == ["Ferry service resumes"]
    assert [e.title for e in report.removed] == ["City library reopens"]
    assert "twelve kilometres" in assistant.ask("How high was the ash cloud from the volcano?").text
    assert "nine kilometres" not in assistant.ask("How high was the ash cloud from the volcano?").text
    assert all(a.title != "City library reopens" for a in assistant.articles())
    records = assistant.store.article_records().values()
    assert assistant.store.chunks.count() == sum(r.chunks for r in records)
    assert assistant.store.orphan_chunk_ids() == []


def test_one_text_under_two_names_is_indexed_once_and_a_newer_version_replaces_it(make_assistant, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    story = ("Storm closes mountain pass\n\nHeavy snow closed the mountain pass on Sunday, stranding "
             "dozens of lorries. Crews expect to reopen the road on Wednesday if the weather improves. "
             "Police urged drivers to avoid the area and to carry chains.")
    (corpus / "agency.txt").write_text(story)
    (corpus / "syndicated-copy.txt").write_text(story.replace("Storm closes", "Snowstorm closes"))
    assistant = make_assistant(corpus_dir=corpus)
    report = assistant.ingest()
    assert len(report.added) == 1 and len(report.duplicates) == 1
    assert "republished: a copy of 'Storm closes mountain pass' (agency.txt)" in report.duplicates[0].reason
    (kept,) = assistant.articles()
    assert kept.key == "agency.txt" and [c.title for c in kept.copies] == ["Snowstorm closes mountain pass"]

    front = "---\nurl: https://news.example/pass\npublished: {}\n---\n"
    (corpus / "agency.txt").rename(corpus / "agency.md")
    (corpus / "agency.md").write_text(front.format("2024-01-07") + story)
    (corpus / "update.md").write_text(front.format("2024-01-08") + story + " The pass reopened on Wednesday morning.")
    report = assistant.ingest(sync=True)
    assert sorted(e.key for e in report.added) == ["syndicated-copy.txt", "update.md"]  # the copy stands alone again
    assert [(e.key, e.reason) for e in report.removed] == [("agency.txt", "file is gone")]
    assert [e.key for e in report.duplicates] == ["agency.md"] and "older version" in report.duplicates[0].reason
    assert sorted(a.key for a in assistant.articles()) == ["syndicated-copy.txt", "update.md"]


def test_lexical_index_is_rebuilt_when_missing(make_assistant, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    assistant = make_assistant(corpus_dir=corpus)
    assistant.ingest()
    assistant.ask("Which bakery won the prize?")
    shutil.rmtree(assistant.lexical.directory)
    fresh = make_assistant(corpus_dir=corpus, index_dir=assistant.settings.index_dir)
    hits = fresh.lexical.search(fresh.store, "rye loaf bakery", 3)
    assert hits and hits[0][0].startswith(next(a.id for a in fresh.articles() if a.title.startswith("Bakery")))
    assert (assistant.lexical.directory / fresh.store.stamp()).is_dir()


def test_the_lexical_index_is_built_by_the_ingest_and_the_delete_not_by_the_next_question(make_assistant, tmp_path: Path) -> None:
    # At 80k chunks building BM25 took 43 s (docs/benchmarks.md): that wait belongs to the ingest.
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    assistant = make_assistant(corpus_dir=corpus)
    assistant.ingest()
    assert (assistant.lexical.directory / assistant.store.stamp()).is_dir()
    # the same after a delete: the deleted article's chunks are gone from BM25 before it returns
    gone = assistant.articles()[0]
    assistant.delete(gone.id)
    assert (assistant.lexical.directory / assistant.store.stamp()).is_dir()
    built = assistant.lexical.ensure(assistant.store)
    assert built is not None and sorted(built.ids) == sorted(assistant.store.chunks.get(include=[])["ids"])
    assert all(c.article_id != gone.id for c in assistant.store.get_chunks(built.ids).values())

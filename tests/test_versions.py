"""Versions and republished copies (assistant/index/versions.py) on real dated reports: no report
is lost because it shares its wording with another, a story republished at its address replaces
the older text, a wire story under two names is indexed once with both dates and sources, and the
outcome is the same whatever the order of ingest, also after an ingest killed part-way.

The articles are real (tests/data/news/README.md): five consecutive FOMC statements of 2004, each
raising the federal funds target, two 2016 implementation notes that differ only in their dates,
and Wikinews reports. The updated version, the wire copy and the follow-up that repeats a first
report as its background are made here from the real first report.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from assistant import Settings
from assistant.answer.retrieve import Filters
from assistant.cli import main
from assistant.index.versions import normal_url, version_key

from .conftest import build_assistant
from .test_crash_safety import kill_part_way

DATA = Path(__file__).resolve().parent / "data" / "news"
RATES = {"2004-06-30": "1-1/4 percent", "2004-08-10": "1-1/2 percent", "2004-09-21": "1-3/4 percent",
         "2004-11-10": "2 percent", "2004-12-14": "2-1/4 percent"}


def lines(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def navalny() -> dict[str, dict]:
    """The real first report and what is made from it: its update at the same address, the update
    republished by a wire service under another title, a follow-up that repeats the first report
    whole as its background (as Wikinews follow-ups do), a second update, and the first update's
    text republished a day before the wire service did."""
    first = next(r for r in lines("wikinews.jsonl") if r["title"] == "Russia's Navalny airlifted to Germany")
    update = {**first, "id": "navalny-update", "published": "2020-08-23",
              "text": first["text"] + "\n\nOn Sunday, the hospital said Navalny was in a stable condition."}
    wire = {**update, "id": "navalny-wire", "title": "Kremlin critic flown to Berlin clinic", "source": "Example Wire",
            "url": "https://wire.example/world/navalny-berlin", "published": "2020-08-24"}
    follow_up = {**first, "id": "navalny-follow-up", "title": "German doctors say Navalny was poisoned",
                 "url": "https://news.example/navalny-poisoned", "published": "2020-08-25",
                 "text": "Doctors at the Charité hospital in Berlin said on Monday that tests point to poisoning of "
                         "Alexei Navalny with a substance from the group of cholinesterase inhibitors.\n\n" + first["text"]}
    second = {**update, "id": "navalny-second-update", "published": "2020-08-26",
              "text": update["text"] + "\n\nOn Wednesday, the German government said it would seek an explanation."}
    early = {**wire, "id": "navalny-early", "title": "Navalny in Berlin hospital", "source": "Other Wire",
             "url": "https://other.example/navalny", "published": "2020-08-23"}
    return {"first": first, "update": update, "wire": wire, "follow-up": follow_up, "second": second, "early": early}


def story_set() -> list[dict]:
    """Every case at once: 13 articles of which 11 are indexed and one is listed as a copy. The wire
    copy comes first and its earlier original last, so that an ingest killed part-way has indexed
    the copy on its own, and the run after it must merge it."""
    story = navalny()
    return [story["wire"], *lines("fomc.jsonl"), *lines("wikinews.jsonl"), story["follow-up"], story["update"]]


def outcome(assistant) -> dict[str, list[tuple[str, str, str]]]:  # noqa: ANN001
    """What the index holds: each article's key, with its copies' keys, dates and sources."""
    return {r.key: [(c.key, c.published, c.source) for c in r.copies] for r in assistant.articles()}


def ingest(make_assistant, tmp_path: Path, name: str, records: list[dict]):  # noqa: ANN001, ANN201
    corpus = tmp_path / name
    corpus.mkdir()
    (corpus / "news.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assistant = make_assistant(corpus_dir=corpus)
    return assistant, assistant.ingest()


def test_consecutive_fomc_statements_are_all_kept_each_with_its_own_rate(make_assistant, tmp_path: Path) -> None:
    assistant, report = ingest(make_assistant, tmp_path, "fomc", lines("fomc.jsonl"))
    assert len(report.added) == 7 and not report.duplicates and not report.removed
    for day, rate in RATES.items():
        answer = assistant.ask("To what level did the Committee raise its target for the federal funds rate?",
                               filters=Filters(published_after=day, published_before=day))
        assert f"to {rate}." in answer.citations[0].quote, (day, answer.text)
    # The 2016 notes hold 0.970 of each other's word 5-grams: only their dates differ, so both stay.
    notes = [a for a in assistant.articles() if a.title.startswith("FOMC implementation note")]
    assert len(notes) == 2 and all(not a.copies for a in notes)
    july = assistant.ask("Effective when did the Desk maintain the target range?",
                         filters=Filters(published_after="2016-07-27", published_before="2016-07-27"))
    assert "July 28, 2016" in json.dumps(july.to_dict())


def test_a_follow_up_that_repeats_the_first_report_is_its_own_report(make_assistant, tmp_path: Path) -> None:
    story = navalny()
    assistant, report = ingest(make_assistant, tmp_path, "follow", [*lines("wikinews.jsonl"), story["follow-up"]])
    assert len(report.added) == 4 and not report.duplicates and not report.removed
    first = assistant.ask("Who provided for the medical evacuation of Navalny?",
                          filters=Filters(published_before="2020-08-22"))
    assert "Cinema for Peace Foundation" in first.text and first.citations[0].published == "2020-08-22"
    later = assistant.ask("What did tests of Navalny point to?", filters=Filters(published_after="2020-08-25"))
    assert "cholinesterase inhibitors" in later.text
    # Two real Wikinews reports four days apart share their background paragraph: both stay.
    titles = {a.title for a in assistant.articles()}
    assert {"Joe Biden wins 2020 US Democratic presidential primaries in Michigan, Missouri, and Mississippi",
            "Bernie Sanders wins 2020 Northern Mariana Islands US Democratic presidential caucus"} <= titles


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_the_same_story_at_its_address_replaces_the_older_text(make_assistant, tmp_path: Path, order: str) -> None:
    story = navalny()
    records = [story["first"], story["update"]]
    assistant, report = ingest(make_assistant, tmp_path, "update", records if order == "older first" else records[::-1])
    (kept,) = assistant.articles()
    assert kept.key.endswith("#navalny-update") and not kept.copies
    assert "stable condition" in assistant.article(kept.id).text
    dropped = report.removed + report.duplicates
    assert len(dropped) == 1 and dropped[0].key.endswith("#wikinews-5f59f378b725")
    assert "older version" in dropped[0].reason
    assert version_key(kept) == "url en.wikinews.org/wiki/Russia's_Navalny_airlifted_to_Germany"  # %27 decoded
    assert normal_url("http://www.Example.org/a/?utm_source=feed#x") == normal_url("https://example.org/a") != ""
    assert normal_url("https://example.org/") == ""  # a site's front page is no article's address


@pytest.mark.parametrize("order", ["primary first", "copy first"])
def test_a_wire_story_under_two_names_is_indexed_once_with_both_dates_and_sources(make_assistant, tmp_path: Path,
                                                                                  order: str) -> None:
    story = navalny()
    records = [story["update"], story["wire"]]
    assistant, report = ingest(make_assistant, tmp_path, "wire", records if order == "primary first" else records[::-1])
    (kept,) = assistant.articles()
    assert (kept.title, kept.source, kept.published) == ("Russia's Navalny airlifted to Germany", "Wikinews", "2020-08-23")
    (copy,) = kept.copies
    assert (copy.title, copy.source, copy.published, copy.url) == (
        "Kremlin critic flown to Berlin clinic", "Example Wire", "2020-08-24", "https://wire.example/world/navalny-berlin")
    assert assistant.article(kept.id).copies == kept.copies
    assert [e.key.split("#")[1] for e in report.duplicates] == ["navalny-wire"]
    assert "republished" in report.duplicates[0].reason

    again = assistant.ingest()  # the listed copy is not embedded again
    assert (len(again.unchanged), len(again.duplicates), again.chunks) == (1, 1, 0)
    out = io.StringIO()
    assert main(["--index", str(assistant.settings.index_dir), "articles", "--json"], stdout=out) == 0
    assert json.loads(out.getvalue())[0]["copies"][0]["source"] == "Example Wire"
    out = io.StringIO()
    main(["--index", str(assistant.settings.index_dir), "articles"], stdout=out)
    assert "2020-08-24  also as  Kremlin critic flown to Berlin clinic (Example Wire)" in out.getvalue()


def test_the_outcome_does_not_depend_on_the_order_of_ingest(make_assistant, tmp_path: Path) -> None:
    records = story_set()
    forward, _ = ingest(make_assistant, tmp_path, "forward", records)
    backward, _ = ingest(make_assistant, tmp_path, "backward", records[::-1])
    expected = outcome(forward)
    assert outcome(backward) == expected
    assert len(expected) == 11 and sum(len(c) for c in expected.values()) == 1
    # One at a time, newest first, into one index: each ingest adds one file.
    corpus = tmp_path / "one-by-one"
    corpus.mkdir()
    assistant = make_assistant(corpus_dir=corpus)
    for record in sorted(records, key=lambda r: r["published"], reverse=True):
        with (corpus / "news.jsonl").open("a", encoding="utf-8") as file:
            file.write(json.dumps(record) + "\n")
        assistant.ingest()
    assert outcome(assistant) == expected


def test_an_ingest_killed_part_way_and_run_again_ends_as_a_clean_one(make_assistant, tmp_path: Path, embedder,
                                                                     monkeypatch) -> None:  # noqa: ANN001
    records = story_set()
    clean, _ = ingest(make_assistant, tmp_path, "clean", records)
    corpus = tmp_path / "killed"
    corpus.mkdir()
    (corpus / "news.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BATCH_SIZE", "1")  # a write every few chunks, so the kill lands part-way
    index = tmp_path / "killed-index"
    kill_part_way(index, corpus, after=5)
    assistant = build_assistant(Settings(index_dir=index, corpus_dir=corpus, progress=False), embedder)
    committed = {r.key for r in assistant.store.article_records().values()}
    assert 5 <= len(committed) < 11 and "news.jsonl#navalny-wire" in committed  # the copy, indexed on its own
    report = assistant.ingest()
    assert sorted(e.key for e in report.duplicates) == ["news.jsonl#navalny-wire", "news.jsonl#wikinews-5f59f378b725"]
    assert outcome(assistant) == outcome(clean)
    assert assistant.store.orphan_chunk_ids() == []


class Crash(BaseException):
    """Stands for the process dying at one write."""


def test_a_crash_at_any_write_is_repaired_by_the_next_ingest(make_assistant, tmp_path: Path) -> None:
    """An index holding a story and its wire copy gets the story's second update (so the copy must
    stand alone again) and the story republished before the wire service did (so the copy moves
    to it); the ingest is crashed at each of its writes in turn, then run again."""
    story = navalny()
    before, after = [story["update"], story["wire"]], [story["second"], story["early"], story["follow-up"]]
    clean, _ = ingest(make_assistant, tmp_path, "clean", before + after)
    expected = outcome(clean)
    assert sorted((k.split("#")[1], [c[0].split("#")[1] for c in v]) for k, v in expected.items()) == [
        ("navalny-early", ["navalny-wire"]), ("navalny-follow-up", []), ("navalny-second-update", [])]
    for crash_at in range(1, 20):
        corpus = tmp_path / f"crash-{crash_at}"
        corpus.mkdir()
        (corpus / "news.jsonl").write_text("".join(json.dumps(r) + "\n" for r in before), encoding="utf-8")
        assistant = make_assistant(corpus_dir=corpus)
        assistant.ingest()
        with (corpus / "news.jsonl").open("a", encoding="utf-8") as file:
            file.write("".join(json.dumps(r) + "\n" for r in after))
        writes = ingest_crashing(assistant, crash_at)
        assistant.ingest()
        assert outcome(assistant) == expected, crash_at
        if writes < crash_at:  # the ingest ended before this write: it was crashed at every one
            assert crash_at > 5  # removing the old update, writing the new one and the follow-up, moving the copy
            break
    else:
        pytest.fail("more writes than expected")


def ingest_crashing(assistant, crash_at: int) -> int:  # noqa: ANN001
    """Ingest, dying just before the store's ``crash_at``-th write; returns the writes attempted."""
    store, writes = assistant.store, [0]
    originals = {name: getattr(store, name) for name in ("put_article", "delete_article", "set_copies")}

    def dying(write):  # noqa: ANN001, ANN202
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            writes[0] += 1
            if writes[0] == crash_at:
                raise Crash()
            return write(*args, **kwargs)
        return call

    for name, write in originals.items():
        setattr(store, name, dying(write))
    try:
        assistant.ingest()
    except Crash:
        pass
    finally:
        for name in originals:
            delattr(store, name)
    return writes[0]

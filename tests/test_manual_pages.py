"""Real pages of the PostgreSQL 15 manual (Debian's postgresql-doc-15, installed by scripts/test):
quotes are whole sentences of prose, tables and code are quoted only when asked for, and two
pages that share a template are not near-duplicates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.ingest.articles import Article, load_file
from assistant.ingest.chunking import sentences

from .conftest import build_assistant

MANUAL = Path("/usr/share/doc/postgresql-doc-15/html")
PAGES = ("sql-cluster.html", "datatype-numeric.html", "functions-xml.html",
         "contrib-dblink-build-sql-insert.html", "contrib-dblink-build-sql-update.html", "runtime-config-resource.html",
         "runtime-config-locks.html", "runtime-config-autovacuum.html", "queries-limit.html", "populate.html")
CLUSTERED = "When a table is clustered, it is physically reordered based on the index information."


def page(name: str) -> Article:
    assert MANUAL.is_dir(), f"{MANUAL} is missing: install postgresql-doc-15 (bash scripts/test does)"
    return load_file(MANUAL / name).articles[0]


def quotable(article: Article) -> dict[str, str]:
    """Each sentence of the article, with its kind."""
    return {article.text[s:e]: kind for s, e, kind in sentences(article.text, 2000, article.blocks)}


@pytest.fixture(scope="module")
def manual(tmp_path_factory: pytest.TempPathFactory, embedder) -> tuple[Assistant, object]:  # noqa: ANN001
    """A handful of the manual's pages, plus one page copied under a second name, ingested once."""
    corpus = tmp_path_factory.mktemp("manual") / "corpus"
    corpus.mkdir()
    for name in PAGES:
        shutil.copy(MANUAL / name, corpus / name)
    shutil.copy(MANUAL / "sql-cluster.html", corpus / "sql-cluster-copy.html")
    settings = Settings(index_dir=corpus.parent / "index", corpus_dir=corpus, progress=False)
    assistant = build_assistant(settings, embedder)
    return assistant, assistant.ingest()


def test_cluster_page_sentence_is_one_sentence_with_single_spaces() -> None:
    article = page("sql-cluster.html")
    found = quotable(article)
    assert found[CLUSTERED] == "prose"
    start = article.text.index(CLUSTERED)
    assert article.text[start : start + len(CLUSTERED)] == CLUSTERED
    assert found["Description"] == "heading" and found["Synopsis"] == "heading"
    for chrome in ("Prev", "Home", "Next"):
        assert chrome not in article.text.split()


def test_tables_of_the_manual_read_column_colon_value() -> None:
    found = quotable(page("transaction-iso.html"))
    row = ("Isolation Level: Read committed; Dirty Read: Not possible; Nonrepeatable Read: Possible; "
           "Phantom Read: Possible; Serialization Anomaly: Possible")
    assert found[row] == "table"
    assert found["Table 13.1. Transaction Isolation Levels"] == "caption"


def test_prose_questions_are_answered_with_whole_prose_sentences(manual) -> None:  # noqa: ANN001
    shipped, _ = manual
    # The reader may abstain on any of these; with it off the answerer quotes what it may quote.
    quoting = Assistant(shipped.settings.replace(reader="off"), shipped.store, shipped.embedder, shipped.lexical)
    for assistant in (shipped, quoting):
        for question in ("What happens to the physical order of a table when you cluster it?",
                         "How do I cluster a table?",  # the line "CLUSTER — cluster a table according to an index"
                         "What are the arbitrary precision numbers?",  # the heading "8.1.2. Arbitrary Precision Numbers"
                         "Who is the premier of Japan?",  # an XML example in a code block names him
                         "What is the capital of Australia?"):  # ... and the country
            answer = assistant.ask(question)
            for citation in answer.citations:
                text = assistant.article(citation.article_id).text
                assert text[citation.start : citation.end] == citation.quote
                kinds = quotable(Article(key="", title="", text=text, blocks=_blocks(citation.title)))
                assert kinds.get(citation.quote) == "prose", (question, citation.quote)
    first = quoting.ask("What happens to the physical order of a table when you cluster it?").citations[0]
    assert first.quote == CLUSTERED


def test_a_table_row_is_quoted_when_the_question_asks_for_it(manual) -> None:  # noqa: ANN001
    assistant, _ = manual
    answer = assistant.ask("What is the range of a smallint?")
    assert answer.citations[0].quote == ("Name: smallint; Storage Size: 2 bytes; Description: small-range integer; "
                                         "Range: -32768 to +32767")


def test_a_question_about_a_default_quotes_the_sentence_that_states_it(manual) -> None:  # noqa: ANN001
    # The manual names a setting, describes it, and gives its default in a sentence that shares
    # no word with the question but "default" ("The default value is four megabytes (4MB).").
    shipped, _ = manual
    quoting = Assistant(shipped.settings.replace(reader="off"), shipped.store, shipped.embedder, shipped.lexical)
    for question, default in (("If I don't change work_mem, how much memory can one sort use?", "(4MB)"),
                              ("How big are the shared buffers by default?", "(128MB)")):
        answer = quoting.ask(question)
        assert default in answer.citations[0].quote, (question, answer.text)
        read = shipped.ask(question)
        assert default in read.text or read.abstained


def test_a_sentence_that_leans_on_its_heading_is_quoted_first(manual) -> None:  # noqa: ANN001
    # "It defaults to 64 megabytes (64MB)." says what "it" is only under its heading,
    # "maintenance_work_mem (integer)": embedded alone, "If this value is specified without units,
    # it is taken as kilobytes." came first, and the reader's short answer was "kilobytes".
    shipped, _ = manual
    answer = shipped.ask("How much memory do VACUUM and CREATE INDEX get to use by default for their maintenance work?")
    assert answer.citations[0].quote == "It defaults to 64 megabytes (64MB).", answer.text
    assert answer.short_answer != "kilobytes"


@pytest.fixture(scope="module")
def yes_no_pages(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # noqa: ANN001
    """Two more pages and two of the others, in their own index (more pages in ``manual`` would
    move its tests' rankings)."""
    corpus = tmp_path_factory.mktemp("yes-no") / "corpus"
    corpus.mkdir()
    for name in ("sql-values.html", "sql-commit.html", "queries-limit.html", "populate.html"):
        shutil.copy(MANUAL / name, corpus / name)
    assistant = build_assistant(Settings(index_dir=corpus.parent / "index", corpus_dir=corpus, progress=False), embedder)
    assistant.ingest()
    return assistant


@pytest.mark.parametrize(("question", "sentence"), [
    ("Is it OK to build a VALUES list with a huge number of rows in a query?",
     "VALUES lists with very large numbers of rows should be avoided"),
    ("Is COMMIT AND CHAIN allowed outside of a transaction block?",
     "COMMIT AND CHAIN when not inside a transaction is an error."),
])
def test_a_yes_no_question_its_best_sentence_answers_is_answered(yes_no_pages, question: str, sentence: str) -> None:  # noqa: ANN001
    # No span of the sentence says yes or no, so the reader finds none that answers; the scorer's
    # confidence decides, with the yes/no trust of reader.json (it abstained before).
    answer = yes_no_pages.ask(question)
    assert not answer.abstained, answer.text
    assert answer.citations[0].quote.startswith(sentence), answer.text
    assert not answer.short_answer


def test_pages_sharing_a_template_are_not_near_duplicates_but_a_copy_is(manual) -> None:  # noqa: ANN001
    _, report = manual
    assert len(report.duplicates) == 1
    assert report.duplicates[0].key in ("sql-cluster.html", "sql-cluster-copy.html")
    added = {entry.key for entry in report.added}
    assert {"contrib-dblink-build-sql-insert.html", "contrib-dblink-build-sql-update.html"} <= added


def _blocks(title: str) -> tuple[tuple[int, int, str], ...]:
    names = {page(name).title: name for name in PAGES}
    return page(names[title]).blocks


def test_the_manual_answers_for_postgresql_and_abstains_for_mysql(manual) -> None:
    assistant, _ = manual
    ours = assistant.ask("How much memory may a sort use before spilling to temporary files?")
    assert not ours.abstained and "work_mem" in ours.citations[0].passage
    theirs = assistant.ask("How much memory may a MySQL sort use before spilling to temporary files?")
    assert theirs.abstained
    assert theirs.text.endswith("None of them mentions MySQL.")


QUESTION_SETS = ("pg_manual_qa.jsonl", "pg_manual_qa_heldout.jsonl", "pg_manual_qa_third.jsonl",
                 "pg_manual_qa_fourth.jsonl", "pg_manual_qa_written.jsonl", "python_manual_qa.jsonl")
PYTHON_MANUAL = Path("/usr/share/doc/python3.11/html")


def test_every_expected_answer_is_in_its_page_as_the_loader_lays_it_out() -> None:
    """The wiki question sets (docs/evaluation.md) score an answer by its expected strings: each
    answerable question's page (its ``page`` file, else the page titled ``title``), loaded as the
    assistant loads it, holds one of them."""
    import functools
    import html
    import json
    import re

    from assistant.eval.metrics import contains_answer

    for manual in (MANUAL, PYTHON_MANUAL):
        assert manual.is_dir(), f"{manual} is missing: install its Debian package (bash scripts/test does)"
    by_title: dict[str, Path] = {}
    for path in MANUAL.glob("*.html"):
        found = re.search(r"<title>(.*?)</title>", path.read_text(encoding="utf-8"), re.S)
        if found:
            by_title.setdefault(" ".join(html.unescape(found.group(1)).split()), path)
    text = functools.lru_cache(maxsize=None)(lambda path: load_file(path).articles[0].text)
    missing = []
    for name in QUESTION_SETS:
        manual = PYTHON_MANUAL if name.startswith("python") else MANUAL
        lines = (Path(__file__).parent / "data" / name).read_text(encoding="utf-8").splitlines()
        for question in (q for q in map(json.loads, lines) if q["answers"]):
            path = manual / question["page"] if "page" in question else by_title[question["title"]]
            if not contains_answer(text(path), question["answers"]):
                missing.append((name, question["id"]))
    assert missing == []


@pytest.mark.parametrize(("question", "default"), [
    ("How much memory may one sort use if I haven't set work_mem?", "(4MB)"),
    ("How many bytes can shared_buffers hold with the stock configuration?", "(128MB)"),
])
def test_a_default_asked_in_other_words_is_the_settings_default(manual, question: str, default: str) -> None:
    assistant, _ = manual
    answer = assistant.ask(question)
    assert not answer.abstained and default in answer.citations[0].quote


@pytest.mark.parametrize(("question", "default"), [
    # A setting's description ("the amount of time to wait on a lock before checking ...") matches
    # such a question best; its value is in the default's sentence, a few sentences on.
    ("How long does a backend wait on a lock before it checks for a deadlock?", "one second (1s)"),
    ("How many autovacuum workers can run at once?", "The default is three."),
    # Two defaults on the page score alike (the question names the launcher, which the workers'
    # description mentions): the one that is a duration answers "how long".
    ("By default, how long does the autovacuum launcher wait between runs?", "one minute (1min)"),
])
def test_a_quantity_asked_about_a_setting_is_its_default_in_the_asked_unit(manual, question: str,
                                                                             default: str) -> None:
    assistant, _ = manual
    answer = assistant.ask(question)
    assert not answer.abstained and default in answer.citations[0].quote, answer.text


@pytest.mark.parametrize(("question", "reason"), [
    ("Why do I need an ORDER BY when I use LIMIT?", "unpredictable subset"),
    ("Why is COPY quicker in the same transaction as the CREATE TABLE?", "no WAL needs to be written"),
])
def test_a_why_question_quotes_the_reason_that_follows_its_best_sentence(manual, question: str,
                                                                         reason: str) -> None:
    # The best sentence states the advice ("... it is important to use an ORDER BY clause ...");
    # the next one gives the reason ("Otherwise you will get an unpredictable subset ...").
    shipped, _ = manual
    quoting = Assistant(shipped.settings.replace(reader="off"), shipped.store, shipped.embedder, shipped.lexical)
    answer = quoting.ask(question)
    assert reason in answer.text, answer.text

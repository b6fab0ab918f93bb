"""A question that names something no retrieved passage mentions is abstained on, and the answer
says which name was missing; names spelled another way still match (on the shipped article;
the PostgreSQL manual's case is in test_manual_pages.py)."""

from __future__ import annotations

import pytest

from assistant.answer.names import unmatched_names


def test_a_name_the_article_never_mentions_is_abstained_on_and_named(shipped) -> None:
    answer = shipped.ask("When did Japan and India set up the dialogue framework?")
    assert answer.abstained and answer.citations == []
    assert answer.text.startswith("The articles do not say")
    assert answer.text.endswith("None of them mentions India.")


@pytest.mark.parametrize("question", [
    "In which city will the ministers of Japan and the U.S. hold talks?",
    "In which city will the ministers of Japan and the US hold talks?",
    "In which city will the ministers of Japan and the Unted States hold talks?",  # one letter off
])
def test_names_the_article_spells_another_way_still_answer(shipped, question: str) -> None:
    answer = shipped.ask(question)
    assert not answer.abstained
    assert "in Tokyo" in answer.citations[0].quote
    # "US" reads as "us" to the uncased reader: it finds "Tokyo" less surely (about -4.0), below the
    # score from which a short answer is shown; then the quote answers alone.
    assert answer.short_answer in ("Tokyo", "")


@pytest.mark.parametrize(("question", "passage"), [
    ("When did Herve serve as a Byzantine general?", "Hervé served the Byzantine emperor."),  # accents
    ("How much can the SP alter income tax?", "The Scottish Parliament can vary income tax."),  # initials
    ("Who influenced Bismark?", "Bismarck was influenced by his neighbours."),  # one letter off
    ("In Sept 1760 who negotiated?", "In September 1760 Vaudreuil negotiated."),  # a word it begins
    ("Who did Emma Marry?", "Emma married Ethelred."),  # a capitalised verb, by its stem
    ("What is work_mem?", "work_mem (integer) sets the base amount of memory."),
    ("What did Mr. Kishida announce?", "Prime Minister Fumio Kishida announced a plan."),  # a title
    ("What did President Biden sign?", "Biden signed the bill."),
    # a dotted name, each part mentioned: the page documents get() under "class asyncio.Queue"
    ("How do I put a timeout on asyncio.Queue.get()?", "class asyncio.Queue ... coroutine get(): Remove and return an item."),
])
def test_names_spelled_another_way_match(question: str, passage: str) -> None:
    assert unmatched_names(question, [passage]) == []


@pytest.mark.parametrize(("question", "missing"), [
    ("Which port does MySQL listen on by default?", ["MySQL"]),
    ("Who won the 2018 FIFA World Cup?", ["2018", "FIFA", "Cup"]),
    ("What does Oracle's NVL2 function do?", ["NVL2"]),
    ("what is the default port?", []),  # no names: nothing to miss
    ("What Is The Default Port Of Redis?", []),  # title case: capitals mark no names
    ("WHICH PORT DOES THE SERVER USE?", []),  # capitals throughout
    ("Which Port Does work_mem Use In 2018?", ["work_mem", "2018"]),  # but identifiers and numbers do
    ("I'm on the default port and I've set nothing: which one is it?", []),  # the asker is no name
    ("If I'm on MySQL, which port is it?", ["MySQL"]),
    ("Is it OK to leave the default port?", []),  # "OK" is no name
    ("Where must __main__.py be, and where does __init__.py go?", ["__init__.py"]),  # identifiers kept whole
    ("Does the server.listen_backlog setting exist?", ["server.listen_backlog"]),  # a dotted name, one part missing
    ("Where is the U.K. server?", ["U.K"]),  # initials are one name, not two one-letter parts
])
def test_names_no_passage_mentions(question: str, missing: list[str]) -> None:
    passages = ["The server listens on TCP port 5432 by default.", "Oracle is a database; see the World section.",
                "The archive must hold a __main__.py file at its top."]
    assert unmatched_names(question, passages) == missing


def _article(path, title: str, body: str) -> None:  # noqa: ANN001
    path.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")


def test_a_name_the_corpus_is_about_need_not_be_in_the_passage_that_answers(make_assistant, tmp_path) -> None:  # noqa: ANN001
    """On a manual, "PostgreSQL" is in a quarter of the chunks, yet the page that answers a question
    about it may never write it: the names rule must not abstain for it. A name the corpus never
    mentions is still abstained on, and so is one it mentions rarely."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(60):  # a corpus about Acme: 60 of its 62 articles name it
        _article(corpus / f"acme-{n}.md", f"Acme note {n}", f"Acme shipped release {n} to customers in region {n}. "
                 f"The Acme team reviewed the release {n} notes.")
    _article(corpus / "battery.md", "Widget battery",
             "The battery of the widget lasts twelve hours on a full charge. It charges over USB.")
    _article(corpus / "zenith.md", "Competitors", "Zenith sells gadgets in other markets.")
    assistant = make_assistant(corpus_dir=corpus, k=1)  # one passage: the battery page, which never says Acme
    assistant.ingest()
    assert assistant.lexical.rarest_word_count(assistant.store, "Acme widget") == (1, 62)  # "widget": one chunk
    assert assistant.lexical.rarest_word_count(assistant.store, "Acme's") == (60, 62)
    answer = assistant.ask("How long does the battery of the Acme widget last?")
    assert not answer.abstained, answer.text
    assert answer.citations[0].title == "Widget battery" and "twelve hours" in answer.text
    for name in ("Initech", "Zenith"):  # never mentioned; mentioned once
        answer = assistant.ask(f"How long does the battery of the {name} widget last?")
        assert answer.abstained and answer.text.endswith(f"None of them mentions {name}.")

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
    assert answer.short_answer == "Tokyo"


@pytest.mark.parametrize(("question", "passage"), [
    ("When did Herve serve as a Byzantine general?", "Hervé served the Byzantine emperor."),  # accents
    ("How much can the SP alter income tax?", "The Scottish Parliament can vary income tax."),  # initials
    ("Who influenced Bismark?", "Bismarck was influenced by his neighbours."),  # one letter off
    ("In Sept 1760 who negotiated?", "In September 1760 Vaudreuil negotiated."),  # a word it begins
    ("Who did Emma Marry?", "Emma married Ethelred."),  # a capitalised verb, by its stem
    ("What is work_mem?", "work_mem (integer) sets the base amount of memory."),
    ("What did Mr. Kishida announce?", "Prime Minister Fumio Kishida announced a plan."),  # a title
    ("What did President Biden sign?", "Biden signed the bill."),
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
])
def test_names_no_passage_mentions(question: str, missing: list[str]) -> None:
    passages = ["The server listens on TCP port 5432 by default.", "Oracle is a database; see the World section.",
                "The archive must hold a __main__.py file at its top."]
    assert unmatched_names(question, passages) == missing

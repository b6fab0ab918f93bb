"""Dated answers over the shipped news corpus (corpus/news.jsonl): real FOMC statements of 2006-2008,
real Wikinews reports of 2020, the real embedding model and a real Chroma index.

What a user sees: the value that held at the asked date first, "as of" with the date, what it was
before with its own dated citation, and timelines oldest first with each entry cited.
"""

from __future__ import annotations

from assistant import Assistant

RATE = "What was the target for the federal funds rate in {}?"


def first_claim(answer) -> str:  # noqa: ANN001
    return answer.short_answer or answer.citations[0].quote


def test_a_rate_that_changes_is_answered_as_it_held_at_each_date(shipped: Assistant) -> None:
    for month, held, before in [("March 2007", "5-1/4 percent", "5 percent"),
                                ("November 2007", "4-1/2 percent", "4-3/4 percent"),
                                ("March 2008", "2-1/4 percent", "3 percent")]:
        answer = shipped.ask(RATE.format(month), groups="*")
        assert not answer.abstained, month
        assert held in first_claim(answer), (month, answer.text)
        assert answer.text.startswith("As of "), answer.text
        cited = answer.citations[0].published[:7]
        assert cited <= answer.as_of[:7] == {"March 2007": "2007-03", "November 2007": "2007-11",
                                             "March 2008": "2008-03"}[month]
        # what it was before, cited to an older statement of its own
        assert f"{before} before [" in answer.text, answer.text
        older = answer.citations[-1]
        assert before in older.quote and older.published < answer.citations[0].published


def test_the_latest_value_says_as_of_the_newest_report(shipped: Assistant) -> None:
    answer = shipped.ask("What is the current target range for the federal funds rate?", groups="*")
    assert "0 to 1/4 percent" in first_claim(answer), answer.text
    assert answer.as_of == "2008-12-16" == answer.citations[0].published[:10]
    assert answer.text.startswith("As of 16 December 2008")
    assert answer.to_dict()["as_of"] == "2008-12-16"


def test_a_timeline_lists_the_reports_of_a_story_oldest_first_each_cited(shipped: Assistant) -> None:
    answer = shipped.ask("How did the poisoning of Alexei Navalny develop?", groups="*")
    dates = [entry.date for entry in answer.timeline]
    assert dates == sorted(dates) and {"2020-08-22", "2020-09-05"} <= set(dates), answer.text
    for entry in answer.timeline:
        citation = answer.citations[entry.citation - 1]
        assert citation.quote == entry.text and citation.published[:10] == entry.date
    assert all("Navalny" in c.passage or "Navalny" in c.title for c in answer.citations)
    assert answer.to_dict()["timeline"][0] == {"date": dates[0], "text": answer.timeline[0].text,
                                               "citation": answer.timeline[0].citation}


def test_a_year_given_only_as_the_reports_date_is_not_a_missing_name(shipped: Assistant) -> None:
    answer = shipped.ask("Who won the Nevada caucuses in 2020?", groups="*")
    assert not answer.abstained, answer.text
    assert "Sanders" in answer.text


def test_the_founding_question_still_gives_2010(shipped: Assistant) -> None:
    answer = shipped.ask("when was the dialogue framework set up?")
    assert answer.short_answer == "2010"
    assert "2010" in answer.citations[0].quote


def test_a_question_about_the_present_that_no_report_answers_abstains(shipped: Assistant) -> None:
    answer = shipped.ask("Who is the current U.S. ambassador to Japan?")
    # no article names one: it abstains, or gives the article's own words without a short answer
    assert answer.abstained or not answer.short_answer, answer.short_answer


def test_a_timeline_question_about_an_undated_article_is_answered_from_it(shipped: Assistant) -> None:
    """No dated report is about the joint document (the founding article has no date): the question
    is answered as any other, quoting that article, rather than abstaining for want of dates."""
    answer = shipped.ask("What is the timeline of the joint document?")
    assert not answer.abstained and answer.timeline == []
    assert answer.citations[0].title.startswith("Japan, U.S. to Compile Joint Document")


def test_the_sentence_that_holds_the_fact_answers_not_the_lead_that_restates_the_story(shipped: Assistant) -> None:
    """The report's lead is the sentence most like the question ("... the second presidential debate
    ..., which was slated for October 15, has been cancelled"); the reader, reading the next best
    sentences too, answers from the one that says where (answer/reading.py)."""
    answer = shipped.ask("Where was the second presidential debate to be held?", groups="*")
    assert answer.short_answer == "Miami", answer.text
    first = answer.citations[0]
    assert "scheduled for October 15 in Miami" in first.quote and first.published[:10] == "2020-10-12"
    assert first.quote[answer.short_answer_at.start:answer.short_answer_at.end] == "Miami"

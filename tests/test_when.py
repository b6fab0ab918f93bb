"""Reading the time a question asks about, and whether it asks for a timeline (answer/when.py, timeline.py)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.answer.timeline import timeline_topic
from assistant.answer.when import asked_time
from assistant.ingest.dates import human_date


@pytest.mark.parametrize(("question", "start", "end"), [
    ("What was the target rate in March 2008?", date(2008, 3, 1), date(2008, 3, 31)),
    ("As of 1 May 2020, how many cases were there?", date(2020, 5, 1), date(2020, 5, 1)),
    ("What was the rate on June 29, 2006?", date(2006, 6, 29), date(2006, 6, 29)),
    ("What did the statement of 2008-03-18 say?", date(2008, 3, 18), date(2008, 3, 18)),
    ("Who led the party at the end of 2019?", date(2019, 1, 1), date(2019, 12, 31)),
    ("What was the rate in Sept. 2007?", date(2007, 9, 1), date(2007, 9, 30)),
    ("What happened on 30 February 2008?", date(2008, 2, 1), date(2008, 2, 29)),  # no such day: the month
])
def test_a_named_date_or_period_is_the_time_asked_about(question: str, start: date, end: date) -> None:
    asked = asked_time(question)
    assert asked is not None and not asked.present
    assert (asked.start, asked.end) == (start, end)


@pytest.mark.parametrize("question", ["What is the current rate?", "Is he still in Germany?",
                                      "What is the latest on the primaries?", "Where is Navalny now?"])
def test_the_present_is_read_as_the_newest_report(question: str) -> None:
    asked = asked_time(question)
    assert asked is not None and asked.present
    assert asked.at(date(2020, 11, 7)).end == date(2020, 11, 7)


@pytest.mark.parametrize("question", ["When was the dialogue framework set up?", "May I ask who won?",
                                      "Who won the 2019 Cup?", "Who won the caucuses in 2020?",
                                      "How many people died?"])
def test_questions_without_a_time_are_left_alone(question: str) -> None:
    assert asked_time(question) is None


@pytest.mark.parametrize(("question", "topic", "since"), [
    ("How did the poisoning of Alexei Navalny develop?", "the poisoning of Alexei Navalny", None),
    ("Timeline of the 2020 Democratic primaries", "the 2020 Democratic primaries", None),
    ("What happened with youtube-dl since October 2020?", "youtube-dl", date(2020, 10, 1)),
    ("How has the story of CentOS unfolded so far?", "CentOS", None),
    ("Navalny timeline", "Navalny", None),
])
def test_timeline_questions_give_their_topic(question: str, topic: str, since: date | None) -> None:
    assert timeline_topic(question) == (topic, since)


@pytest.mark.parametrize("question", ["When was it developed?", "What is the timeline?",
                                      "What happened to the plane?", "How did he die?"])
def test_other_questions_are_not_timelines(question: str) -> None:
    assert timeline_topic(question) is None


def test_dates_are_spelled_as_people_write_them() -> None:
    assert human_date("2006-06-29") == "29 June 2006"
    assert human_date("2020-11-07T12:00:00+00:00") == "7 November 2020"
    assert human_date("") == ""


def test_a_figure_read_as_the_end_of_a_range_is_given_with_its_start() -> None:
    from assistant.answer.extractive import whole_range

    text = "The Committee decided to keep the target range for the federal funds rate at 0 to 1/4 percent."
    end = text.index("1/4 percent")
    assert text[slice(*whole_range(text, (end, end + 11)))] == "0 to 1/4 percent"
    lowered = "lower its target for the federal funds rate 50 basis points to 3 percent"
    at = lowered.index("3 percent")
    assert whole_range(lowered, (at, at + 9)) == (at, at + 9)  # "points to 3 percent" is a move, not a range

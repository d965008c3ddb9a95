"""Dates and ages."""

import pytest

from hushscribe.pii.recognizers.dates import AgeRecognizer, DateRecognizer

from .helpers import found


@pytest.mark.parametrize("text, policy, value", [
    ("my date of birth is March 3rd, 1985", "date_of_birth", "March 3rd, 1985"),
    ("the card expires 08/27", "credit_card_expiration", "08/27"),
    ("the appointment is on June 12th, 2026", "date", "June 12th, 2026"),
    ("I was born on 1990-05-17", "date_of_birth", "1990-05-17"),
    ("Sept 4, 1979", "date_of_birth", "Sept 4, 1979"),
])
def test_dates(text, policy, value):
    assert (policy, value) in found(text, DateRecognizer())


def test_an_old_date_next_to_an_event_word_stays_a_date():
    assert found("we moved there on May 2, 1999", DateRecognizer()) == {("date", "May 2, 1999")}


def test_a_lone_month_is_not_a_date():
    assert found("I have a question about my bill from March.", DateRecognizer()) == set()


@pytest.mark.parametrize("text, value", [
    ("he is 42 years old", "42 years old"),
    ("my son is 7 and loves trains", "7"),
    ("I just turned 60.", "60"),
])
def test_ages(text, value):
    assert ("person_age", value) in found(text, AgeRecognizer())


@pytest.mark.parametrize("text", ["I have 3 kids", "she is 200 miles away", "turn 5 pages"])
def test_not_ages(text):
    assert found(text, AgeRecognizer()) == set()

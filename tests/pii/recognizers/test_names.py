"""Person names from cues and lists, and their spellings."""

import pytest

from hushscribe.pii.recognizers.names import NameRecognizer

from .helpers import found


@pytest.mark.parametrize("text, value", [
    ("Hi, my name is John Smith and I'm calling about my bill.", "John Smith"),
    ("this is siobhan o'neill from the billing office", "siobhan o'neill"),
    ("I spoke with Dr. Patel yesterday", "Patel"),
    ("my wife emily will call back", "emily"),
])
def test_names(text, value):
    assert ("person_name", value) in found(text, NameRecognizer())


def test_spelled_name_after_the_name():
    assert ("person_name", "K, I, M") in found("my name is Kim, K, I, M.", NameRecognizer())


@pytest.mark.parametrize("text", [
    "I will call you in May.", "please bill my account", "the ATM ate my card",
])
def test_ambiguous_words_are_not_names(text):
    assert found(text, NameRecognizer()) == set()


@pytest.mark.parametrize("text, value", [
    ("Thank you for calling Horizon Airlines, this is Ingrid.", "Ingrid"),
    ("thank you for calling northwind energy this is hamza how can i help", "hamza"),
    ("thanks for calling acme this is astrid nakamura", "astrid nakamura"),
])
def test_agent_greeting_names_an_unknown_first_name(text, value):
    assert ("person_name", value) in found(text, NameRecognizer())


@pytest.mark.parametrize("text", [
    "Thank you for calling, this is the billing department.",
    "thanks for calling this is going to take a while",
    "Thanks for calling back, this is great.",
    "this is ingrid",  # no greeting: an unknown word after "this is" proves nothing
])
def test_greeting_rule_needs_a_greeting_and_a_name_like_word(text):
    assert found(text, NameRecognizer()) == set()


@pytest.mark.parametrize("text", [
    "thanks for calling back this is great",
    "thank you for calling this is ridiculous",
])
def test_spoken_greeting_must_name_a_company(text):
    assert found(text, NameRecognizer()) == set()


def test_a_common_noun_surname_continues_a_name_after_a_strong_cue():
    assert ("person_name", "amara miller") in found("the policy holder is amara miller", NameRecognizer())
    assert ("person_name", "miller") not in found("the miller ground the flour", NameRecognizer())


def test_capitalised_unknown_first_name_with_a_capitalised_surname():
    assert ("person_name", "Hamza Walker") in found("It's Hamza Walker, I called earlier.", NameRecognizer())
    assert found("it's hamza walker i called earlier", NameRecognizer()) == set()  # lower case: no evidence

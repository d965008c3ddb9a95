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

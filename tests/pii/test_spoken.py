"""Spoken-form normalisation and its offset map."""

from __future__ import annotations

import pytest

from hushscribe.pii.spoken import normalize_spoken, segment_digits


@pytest.mark.parametrize(
    "spoken, written",
    [
        ("my number is five five five one two three four five six seven", "my number is 5551234567"),
        ("four one five eight six seven five three oh nine", "4158675309"),
        ("nine oh two double five triple seven one two", "9025577712"),
        ("six one seven five five five twenty three sixty eight", "6175552368"),
        ("eight hundred five five five one two one two", "8005551212"),
        ("it's seven seven four, three nine one, two zero eight.", "it's 774-391-208."),
        ("five three nine, two two, one zero four eight", "539-22-1048"),
        ("twelve thirty four elm street", "1234 elm street"),
        ("four hundred twenty two maple", "422 maple"),
        ("two thousand five", "2005"),
        ("nineteen sixty one", "1961"),
        ("she just turned sixty-five.", "she just turned 65."),
        ("march seventh nineteen sixty one", "march 7th 1961"),
        ("on the twenty first", "on the 21st"),
        ("my first name is", "my first name is"),
        ("one nine two dot one six eight dot one dot ten", "192.168.1.10"),
        ("my member id is h z five two three five zero zero one", "my member id is hz5235001"),
        ("it's a five star hotel", "it's a 5 star hotel"),
        ("john dot smith at gmail dot com", "john.smith@gmail.com"),
        ("email me at sarah lee at outlook dot com", "email me at sarahlee@outlook.com"),
        ("kevin underscore nine two at yahoo dot com", "kevin_92@yahoo.com"),
        ("go to www dot example dot com slash account", "go to www.example.com/account"),
        ("call me tomorrow at ten", "call me tomorrow at 10"),
        ("the c v c is four eight two", "the cvc is 482"),
        ("oh okay sure", "oh okay sure"),
        ("version two point three", "version 2.3"),
    ],
)
def test_normalize(spoken, written):
    assert normalize_spoken(spoken).text == written


def test_formatted_text_is_identity():
    text = "Call (415) 867-5309 or mail john@example.com, thanks!"
    n = normalize_spoken(text)
    assert n.text == text and not n.changed
    assert n.to_original(5, 19) == (5, 19)


def test_offsets_map_back_to_words():
    text = "you can call me back at four one five, five five five, zero one nine two. thanks"
    n = normalize_spoken(text)
    a = n.text.index("415-555-0192")
    start, end = n.to_original(a, a + len("415-555-0192"))
    assert text[start:end] == "four one five, five five five, zero one nine two"


def test_email_offsets():
    text = "send it to m gonzalez at acme insurance dot com please"
    n = normalize_spoken(text)
    a = n.text.index("mgonzalez@")
    b = a + len("mgonzalez@acmeinsurance.com")
    s, e = n.to_original(a, b)
    assert text[s:e] == "m gonzalez at acme insurance dot com"


def test_segment_digits():
    assert segment_digits(["one", "hundred", "five"]) == "105"
    assert segment_digits(["twenty", "twenty", "six"]) == "2026"
    assert segment_digits(["double", "oh", "seven"]) == "007"

"""Tests for hushscribe.core.formatting: Whisper's formatted words -> AssemblyAI raw words."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hushscribe.core.formatting import (
    TimedWord,
    spell_number_token,
    unformat_text,
    unformat_words,
)


def spelled(token: str) -> str:
    return " ".join(spell_number_token(token))


# --------------------------------------------------------------------------- #
# Number rules
# --------------------------------------------------------------------------- #

CARDINALS = [
    ("0", "zero"),
    ("7", "seven"),
    ("13", "thirteen"),
    ("25", "twenty five"),
    ("40", "forty"),
    ("105", "one hundred five"),
    ("999", "nine hundred ninety nine"),
    ("1,000", "one thousand"),
    ("1,200", "one thousand two hundred"),
    ("12,345", "twelve thousand three hundred forty five"),
    ("1,000,000", "one million"),
    ("2,500,017", "two million five hundred thousand seventeen"),
    (
        "999,999,999,999",
        "nine hundred ninety nine billion nine hundred ninety nine million "
        "nine hundred ninety nine thousand nine hundred ninety nine",
    ),
    ("1,000,000,000,000", "one trillion"),
    ("3301", "three thousand three hundred one"),
    ("9999", "nine thousand nine hundred ninety nine"),
    ("1099", "one thousand ninety nine"),
    ("2100", "two thousand one hundred"),
]

IDENTIFIERS = [
    ("415-555-0137", "four one five five five five zero one three seven"),
    ("078-05-1120", "zero seven eight zero five one one two zero"),
    ("1-800-555-1234", "one eight zero zero five five five one two three four"),
    ("192.168.1.10", "one nine two dot one six eight dot one dot one zero"),
    ("0137", "zero one three seven"),
    ("00", "zero zero"),
    ("007", "zero zero seven"),
    ("48213", "four eight two one three"),
    ("10000", "one zero zero zero zero"),
    ("4111111111111111", " ".join(["four"] + ["one"] * 15)),
    ("+1", "plus one"),
    ("+1-415-555-0137", "plus one four one five five five five zero one three seven"),
    ("+4917643476050", "plus four nine one seven six four three four seven six zero five zero"),
]

YEARS = [
    ("1961", "nineteen sixty one"),
    ("2024", "twenty twenty four"),
    ("2000", "two thousand"),
    ("2005", "two thousand five"),
    ("2010", "twenty ten"),
    ("1900", "nineteen hundred"),
    ("1905", "nineteen oh five"),
    ("1100", "eleven hundred"),
    ("2099", "twenty ninety nine"),
    ("2024.", "twenty twenty four"),
    ("1990s", "nineteen nineties"),
    ("1800s", "eighteen hundreds"),
    ("'90s", "nineties"),
    ("2019-2020", "twenty nineteen twenty twenty"),
]

DECIMALS = [
    ("3.5", "three point five"),
    ("0.25", "zero point two five"),
    (".5", "point five"),
    ("3.14159", "three point one four one five nine"),
    ("1,234.56", "one thousand two hundred thirty four point five six"),
    ("-5", "minus five"),
    ("-3.5", "minus three point five"),
]

MONEY = [
    ("$25", "twenty five dollars"),
    ("$1", "one dollar"),
    ("$0", "zero dollars"),
    ("$25.50", "twenty five dollars and fifty cents"),
    ("$25.5", "twenty five dollars and fifty cents"),
    ("$2.00", "two dollars"),
    ("$1.01", "one dollar and one cent"),
    ("$0.99", "ninety nine cents"),
    ("$0.01", "one cent"),
    ("$.99", "ninety nine cents"),
    ("$1,200", "one thousand two hundred dollars"),
    ("$48213", "forty eight thousand two hundred thirteen dollars"),
    ("$1.999", "one point nine nine nine dollars"),
    ("$10k", "ten thousand dollars"),
    ("$5M", "five million dollars"),
    ("-$5", "minus five dollars"),
    ("€5", "five euros"),
    ("5€", "five euros"),
    ("£3.20", "three pounds and twenty pence"),
    ("¥500", "five hundred yen"),
    ("50¢", "fifty cents"),
    ("$25.", "twenty five dollars"),
]

PERCENT_AND_UNITS = [
    ("15%", "fifteen percent"),
    ("100%", "one hundred percent"),
    ("3.5%", "three point five percent"),
    ("2024%", "two thousand twenty four percent"),
    ("-2%", "minus two percent"),
    ("15%.", "fifteen percent"),
    ("20°", "twenty degrees"),
    ("1°", "one degree"),
    ("20°C", "twenty degrees celsius"),
    ("98.6°F", "ninety eight point six degrees fahrenheit"),
    ("#1", "number one"),
    ("18+", "eighteen plus"),
]

ORDINALS = [
    ("1st", "first"),
    ("2nd", "second"),
    ("3rd", "third"),
    ("4th", "fourth"),
    ("5th", "fifth"),
    ("8th", "eighth"),
    ("9th", "ninth"),
    ("11th", "eleventh"),
    ("12th", "twelfth"),
    ("20th", "twentieth"),
    ("21st", "twenty first"),
    ("42nd", "forty second"),
    ("100th", "one hundredth"),
    ("1,000th", "one thousandth"),
    ("3rd,", "third"),
]

TIMES = [
    ("10:30", "ten thirty"),
    ("9:05", "nine oh five"),
    ("10:00", "ten"),
    ("12:45", "twelve forty five"),
    ("10:00am", "ten a m"),
    ("10:30pm", "ten thirty p m"),
    ("10:30p.m.", "ten thirty p m"),
    ("7am", "seven a m"),
    ("7PM", "seven p m"),
    ("1:02:03", "one oh two oh three"),
    ("3:2", "three two"),
    ("10:75", "ten seventy five"),
]

SLASHES_AND_RANGES = [
    ("09/27", "zero nine twenty seven"),
    ("12/25/2024", "twelve twenty five twenty twenty four"),
    ("24/7", "twenty four seven"),
    ("1/2", "one half"),
    ("3/2", "three two"),
    ("3/4", "three quarters"),
    ("1/4", "one quarter"),
    ("2/3", "two thirds"),
    ("5/8", "five eighths"),
    ("1/10", "one tenth"),
    ("5-10", "five ten"),
    ("9-11", "nine eleven"),
    ("555-0137", "five five five zero one three seven"),
]

ALPHANUMERICS = [
    ("A12", "a one two"),
    ("B-52", "b fifty two"),
    ("F-16", "f sixteen"),
    ("COVID-19", "covid nineteen"),
    ("4B", "four b"),
    ("5kg", "five kg"),
    ("3.5GB", "three point five gb"),
    ("MP3", "mp three"),
    ("H2O", "h two o"),
    ("v1.2.3", "v one two three"),
    ("4x4", "four x four"),
    ("3rd-party", "third party"),
    ("401(k)", "four hundred one k"),
]

SYMBOLS_AND_ADDRESSES = [
    ("&", "and"),
    ("AT&T", "at and t"),
    ("Q&A", "q and a"),
    ("david.chen@gmail.com", "david dot chen at gmail dot com"),
    ("john_doe99@example.co.uk", "john underscore doe nine nine at example dot co dot uk"),
    ("support@assemblyai.com.", "support at assemblyai dot com"),
    ("assemblyai.com", "assemblyai dot com"),
    ("assemblyai.com/docs", "assemblyai dot com slash docs"),
    ("https://www.google.com", "https colon slash slash www dot google dot com"),
    ("x=5", "x equals five"),
    ("%", "percent"),
    ("+", "plus"),
]

WORDS = [
    ("Hi,", "hi"),
    ("Sonny.", "sonny"),
    ("don't", "don't"),
    ("I'm", "i'm"),
    ("I\u2019m", "i'm"),
    ("Sonny's", "sonny's"),
    ("students'", "students"),
    ("'cause", "cause"),
    ("well-known", "well known"),
    ("and/or", "and or"),
    ("so...yeah", "so yeah"),
    ("word\u2014word", "word word"),
    ("\u201cquoted\u201d", "quoted"),
    ("(parenthetical)", "parenthetical"),
    ("U.S.", "u s"),
    ("e.g.", "e g"),
    ("p.m.", "p m"),
    ("Ph.D.", "ph d"),
    ("Mr.", "mr"),
    ("NASA", "nasa"),
    ("Acme\u2122", "acme"),
    ("caf\u00e9", "caf\u00e9"),
    ("\u0939\u093f\u0902\u0926\u0940", "\u0939\u093f\u0902\u0926\u0940"),  # combining marks stay in the word
    ("\u00bd", "one half"),
    ("10\u00b2", "ten squared"),
    ("\uff14\uff12", "forty two"),  # full-width digits
    ("\u0664\u0662", "forty two"),  # Arabic-Indic digits
]

PURE_PUNCTUATION = ["-", "...", "\u2014", "\u2013", "\u2026", ",", ".", "?!", "\"", "'", "()", "$", "#"]


@pytest.mark.parametrize(
    ("token", "expected"),
    CARDINALS
    + IDENTIFIERS
    + YEARS
    + DECIMALS
    + MONEY
    + PERCENT_AND_UNITS
    + ORDINALS
    + TIMES
    + SLASHES_AND_RANGES
    + ALPHANUMERICS
    + SYMBOLS_AND_ADDRESSES
    + WORDS,
)
def test_spell_token(token: str, expected: str) -> None:
    assert spelled(token) == expected
    # A single word through unformat_words gives the same words.
    out = unformat_words([TimedWord(token, 1000, 1600, 0.5)])
    assert " ".join(w.text for w in out) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi, my name is Sonny.", "hi my name is sonny"),
        (
            "Hi, my number is 415-555-0137. I paid $25.50 on March 3rd, 2024 at 10:30.",
            "hi my number is four one five five five five zero one three seven i paid "
            "twenty five dollars and fifty cents on march third twenty twenty four at ten thirty",
        ),
        ("Date of Birth: March 7, 1961", "date of birth march seven nineteen sixty one"),
        (
            "Lake Victoria, 145 Windsor St., 90210",
            "lake victoria one hundred forty five windsor st nine zero two one zero",
        ),
        ("It costs $5 million.", "it costs five million dollars"),
        ("$1.5 billion", "one point five billion dollars"),
        ("We met at 10 PM.", "we met at ten p m"),
        ("at 10 a.m.", "at ten a m"),
        ("I am 5 am", "i am five a m"),
        ("2024 people came", "two thousand twenty four people came"),
        ("1500 years", "one thousand five hundred years"),
        ("in 2024 we", "in twenty twenty four we"),
        (
            "4111 1111 1111 1111",
            " ".join(["four"] + ["one"] * 15),
        ),
        ("0123 0123", "zero one two three zero one two three"),
        ("(415) 555-0137", "four one five five five five zero one three seven"),
        ("from 1999 2000", "from nineteen ninety nine two thousand"),
        ("Room 101, 102.", "room one hundred one one hundred two"),
        ("Johnson & Johnson", "johnson and johnson"),
        ("Well - I think \u2014 maybe...", "well i think maybe"),
        ("", ""),
        ("   ", ""),
        ("...", ""),
    ],
)
def test_unformat_text(text: str, expected: str) -> None:
    assert unformat_text(text) == expected


def test_unformat_text_example_from_spec() -> None:
    assert unformat_text("Hi, my name is Sonny.") == "hi my name is sonny"


# --------------------------------------------------------------------------- #
# Words and timing
# --------------------------------------------------------------------------- #


def test_empty_input() -> None:
    assert unformat_words([]) == []


@pytest.mark.parametrize("punct", PURE_PUNCTUATION)
def test_pure_punctuation_vanishes(punct: str) -> None:
    assert spell_number_token(punct) == []
    words = [TimedWord("Hi", 0, 100, 0.9), TimedWord(punct, 100, 200, 0.8), TimedWord("there", 200, 300, 0.7)]
    assert [w.text for w in unformat_words(words)] == ["hi", "there"]


def test_one_to_one_keeps_timing_and_confidence() -> None:
    words = [TimedWord(" Hi,", 1920, 2000, 0.874618), TimedWord(" Sonny.", 3600, 3840, 0.822963)]
    assert unformat_words(words) == [
        TimedWord("hi", 1920, 2000, 0.874618),
        TimedWord("sonny", 3600, 3840, 0.822963),
    ]


def test_expansion_splits_span_evenly() -> None:
    out = unformat_words([TimedWord("$25.50", 1000, 1600, 0.75)])
    assert [w.text for w in out] == ["twenty", "five", "dollars", "and", "fifty", "cents"]
    assert [(w.start_ms, w.end_ms) for w in out] == [
        (1000, 1100), (1100, 1200), (1200, 1300), (1300, 1400), (1400, 1500), (1500, 1600)
    ]
    assert all(w.confidence == 0.75 for w in out)


def test_uneven_split_is_integer_and_ends_at_end() -> None:
    out = unformat_words([TimedWord("1961", 0, 10, 0.5)])  # nineteen sixty one
    assert [(w.start_ms, w.end_ms) for w in out] == [(0, 3), (3, 6), (6, 10)]


def test_zero_length_and_inverted_spans() -> None:
    out = unformat_words([TimedWord("25", 500, 500, 0.5), TimedWord("21st", 700, 690, 0.5)])
    assert [(w.text, w.start_ms, w.end_ms) for w in out] == [
        ("twenty", 500, 500),
        ("five", 500, 500),
        ("twenty", 700, 700),
        ("first", 700, 700),
    ]


def test_money_scale_moves_currency_to_next_word() -> None:
    words = [TimedWord("$5", 0, 100, 0.9), TimedWord("million.", 100, 300, 0.8)]
    assert unformat_words(words) == [
        TimedWord("five", 0, 100, 0.9),
        TimedWord("million", 100, 200, 0.8),
        TimedWord("dollars", 200, 300, 0.8),
    ]


def test_word_with_inner_whitespace() -> None:
    """faster-whisper can merge a leading "-" word into the next one (" - and")."""
    out = unformat_words([TimedWord(" - and", 0, 100, 0.5)])
    assert [(w.text, w.start_ms, w.end_ms) for w in out] == [("and", 0, 100)]


# --------------------------------------------------------------------------- #
# Property test
# --------------------------------------------------------------------------- #

_ALPHABET = "abcXYZ0123456789$%.,:;-/'&@+#!?()\"°¢€£ \u2014\u2019\u2026"
_word_text = st.one_of(
    st.text(alphabet=_ALPHABET, min_size=0, max_size=16),
    st.from_regex(r"[$+-]?\d{1,6}([.,:/-]\d{1,4}){0,3}(st|nd|rd|th|s|%|am|pm|k)?[.,!?]?", fullmatch=True),
    st.sampled_from(
        ["Hi,", "don't", "well-known", "$25.50", "415-555-0137.", "1961", "10:30", "...", "\u2014", "a.m."]
    ),
)
_OUTPUT_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(_word_text, st.integers(0, 5000), st.integers(0, 3000), st.floats(0, 1)),
        max_size=12,
    )
)
def test_property_output_invariants(spec: list[tuple[str, int, int, float]]) -> None:
    words = []
    t = 0
    for text, gap, dur, conf in spec:
        t += gap
        words.append(TimedWord(text, t, t + dur, conf))
        t += dur
    out = unformat_words(words)

    # Map output words back to their input word by span containment, in order.
    prev_end = 0
    prev_start = 0
    for w in out:
        assert isinstance(w.start_ms, int) and isinstance(w.end_ms, int)
        assert w.start_ms <= w.end_ms
        assert w.start_ms >= prev_start and w.start_ms >= prev_end
        prev_start, prev_end = w.start_ms, w.end_ms
        assert w.text
        assert _OUTPUT_WORD.fullmatch(w.text), w.text
        assert not any(c.isdigit() for c in w.text)
        assert any(src.start_ms <= w.start_ms and w.end_ms <= src.end_ms for src in words)

    # Per input word: outputs stay in its span and the last one ends at end_ms.
    for src in words:
        mine = unformat_words([src])
        if mine:
            assert mine[0].start_ms == src.start_ms
            assert mine[-1].end_ms == src.end_ms
            assert all(src.start_ms <= m.start_ms <= m.end_ms <= src.end_ms for m in mine)
            assert all(m.confidence == src.confidence for m in mine)

    # unformat_text agrees with unformat_words on the same text when words are isolated.
    for src in words:
        assert unformat_text(src.text) == " ".join(spell_number_token(src.text))

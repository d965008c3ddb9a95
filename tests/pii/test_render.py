"""Rendering (spec section 7.4): hash and entity_name over word tokens."""

from __future__ import annotations

import pytest

from hushscribe.pii.render import render_text, render_words, word_core, word_offsets
from hushscribe.pii.types import Span

from .conftest import joined, words_of


def span_of(text: str, frag: str, policy: str, score: float = 0.9) -> Span:
    a = text.index(frag)
    return Span(a, a + len(frag), policy, score, "test")


@pytest.mark.parametrize(
    "word, core",
    [("Springfield,", (0, 11)), ("415-555-0137.", (0, 12)), ("(415)", (1, 4)), ("-", (0, 0)),
     ("john@example.com", (0, 16)), ("O'Brien.", (0, 7)), ("\"Hi,\"", (1, 3))],
)
def test_word_core(word, core):
    assert word_core(word) == core


def test_word_offsets_match_join():
    ws = words_of("Hi, my name is John!")
    text = joined(ws)
    for w, off in zip(ws, word_offsets(ws), strict=True):
        assert text[off : off + len(w.text)] == w.text


def test_hash_keeps_punctuation_and_length():
    text = "My number is 415-555-0137."
    out = render_text(text, [span_of(text, "415-555-0137", "phone_number")], "hash")
    assert out == "My number is ###-###-####."


def test_entity_name_keeps_trailing_punctuation():
    text = "My number is 415-555-0137."
    out = render_text(text, [span_of(text, "415-555-0137", "phone_number")], "entity_name")
    assert out == "My number is [PHONE_NUMBER]."


def test_email_hash_keeps_at_and_dots():
    text = "Mail john@example.com please"
    assert render_text(text, [span_of(text, "john@example.com", "email_address")], "hash") == "Mail ####@#######.### please"


def test_spec_examples():
    text = "Hi, my name is John!"
    sp = [span_of(text, "John", "person_name")]
    assert render_text(text, sp, "hash") == "Hi, my name is ####!"
    assert render_text(text, sp, "entity_name") == "Hi, my name is [PERSON_NAME]!"
    text = "The order number is 481529, and it still hasn't arrived."
    assert render_text(text, [span_of(text, "481529", "account_number")], "hash") == (
        "The order number is ######, and it still hasn't arrived."
    )


def test_multi_word_entity_one_label_per_word():
    text = "And you are still at 1420 Maple Avenue, Springfield?"
    sp = [span_of(text, "1420 Maple Avenue, Springfield", "location_address")]
    assert render_text(text, sp, "entity_name") == (
        "And you are still at [LOCATION_ADDRESS] [LOCATION_ADDRESS] [LOCATION_ADDRESS], [LOCATION_ADDRESS]?"
    )
    assert render_text(text, sp, "hash") == "And you are still at #### ##### ######, ###########?"


def test_word_count_and_timestamps_unchanged():
    ws = words_of("Hi, my name is John Smith, call 415-555-0137.")
    text = joined(ws)
    sp = [span_of(text, "John Smith", "person_name"), span_of(text, "415-555-0137", "phone_number")]
    for sub in ("hash", "entity_name"):
        out = render_words(ws, sp, sub)
        assert len(out) == len(ws)
        assert [(w.start_ms, w.end_ms, w.confidence) for w in out] == [(w.start_ms, w.end_ms, w.confidence) for w in ws]
    assert joined(render_words(ws, sp, "entity_name")) == (
        "Hi, my name is [PERSON_NAME] [PERSON_NAME], call [PHONE_NUMBER]."
    )


def test_partial_core_overlap_redacts_whole_core():
    text = "Write to john@example.com now"
    a = text.index("example")
    sp = [Span(a, a + 7, "email_address", 0.9, "t")]
    assert render_text(text, sp, "hash") == "Write to ####@#######.### now"
    assert render_text(text, sp, "entity_name") == "Write to [EMAIL_ADDRESS] now"


def test_possessive_outside_span_is_kept():
    text = "That is John Smith's account"
    sp = [span_of(text, "John Smith", "person_name")]
    assert render_text(text, sp, "entity_name") == "That is [PERSON_NAME] [PERSON_NAME]'s account"
    assert render_text(text, sp, "hash") == "That is #### #####'s account"
    sp = [span_of(text, "John Smith's", "person_name")]
    assert render_text(text, sp, "entity_name") == "That is [PERSON_NAME] [PERSON_NAME] account"


def test_overlapping_spans_label_from_better_span():
    text = "Ship to 12 Elm Street Boston today"
    sp = [span_of(text, "12 Elm Street Boston", "location_address", 0.9), span_of(text, "Boston", "location_city", 0.6)]
    assert render_text(text, sp, "entity_name") == (
        "Ship to [LOCATION_ADDRESS] [LOCATION_ADDRESS] [LOCATION_ADDRESS] [LOCATION_ADDRESS] today"
    )


def test_punctuation_only_words_unchanged():
    text = "call 415 - 555 - 0137 now"
    sp = [span_of(text, "415 - 555 - 0137", "phone_number")]
    assert render_text(text, sp, "entity_name") == "call [PHONE_NUMBER] - [PHONE_NUMBER] - [PHONE_NUMBER] now"


def test_brackets_kept_around_core():
    text = "at (415) 867-5309."
    sp = [span_of(text, "(415) 867-5309", "phone_number")]
    assert render_text(text, sp, "entity_name") == "at ([PHONE_NUMBER]) [PHONE_NUMBER]."
    assert render_text(text, sp, "hash") == "at (###) ###-####."


def test_non_ascii_letters_are_hashed():
    text = "I am José Müller."
    sp = [span_of(text, "José Müller", "person_name")]
    assert render_text(text, sp, "hash") == "I am #### ######."


def test_no_spans_identity_and_bad_sub():
    ws = words_of("nothing here")
    assert render_words(ws, [], "hash") == ws
    assert render_words([], [Span(0, 3, "date")], "hash") == []
    with pytest.raises(ValueError):
        render_words(ws, [], "stars")

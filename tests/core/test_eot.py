"""end_of_turn_confidence: Whisper's text -> AssemblyAI's 0-1 end-of-turn scale.

The client's threshold (default 0.4) must keep its meaning: finished sentences score above it,
unfinished ones below.
"""

from __future__ import annotations

import pytest

from hushscribe.core.eot import CONTINUATION_WORDS, end_of_turn_confidence

DEFAULT_THRESHOLD = 0.4

FINISHED = ["Hello world.", "Is that right?", "Stop!", "  Done.  ", "I said, “yes.", "Thanks."]
UNFINISHED = [
    "I went to the",
    "bread and",
    "Hello,",
    "first;",
    "as follows:",
    "well -",
    "so the thing is \u2014",
    "because",
    "I think that",
    "Um",
    "and THE",  # case-insensitive
    "he said \"and\"",
]


@pytest.mark.parametrize("text", FINISHED)
def test_terminal_punctuation_is_above_default_threshold(text):
    assert end_of_turn_confidence(text) > DEFAULT_THRESHOLD


@pytest.mark.parametrize("text", UNFINISHED)
def test_trailing_conjunction_or_comma_is_below_default_threshold(text):
    assert end_of_turn_confidence(text) < DEFAULT_THRESHOLD


@pytest.mark.parametrize("text", ["", " ", "\n\t  "])
def test_empty_is_zero(text):
    assert end_of_turn_confidence(text) == 0.0


@pytest.mark.parametrize("text", ["I was thinking...", "maybe\u2026"])
def test_trailing_ellipsis_is_unfinished(text):
    c = end_of_turn_confidence(text)
    assert 0 < c < DEFAULT_THRESHOLD


def test_ordering_finished_neutral_unfinished():
    finished = end_of_turn_confidence("We are done.")
    neutral = end_of_turn_confidence("we are done")  # no punctuation, content word
    comma = end_of_turn_confidence("we are done,")
    conj = end_of_turn_confidence("we are done and")
    # Unpunctuated text without a continuation word sits between the two classes (its exact
    # value is a tuning choice, so it is not pinned against the threshold here).
    assert finished > DEFAULT_THRESHOLD > comma
    assert finished > neutral > conj
    assert neutral >= comma
    assert DEFAULT_THRESHOLD > conj
    assert 0 < conj and 0 < comma


@pytest.mark.parametrize("word", sorted(CONTINUATION_WORDS))
def test_every_continuation_word_scores_low(word):
    assert end_of_turn_confidence(f"Something {word}") < DEFAULT_THRESHOLD
    assert end_of_turn_confidence(f"Something {word}.") > DEFAULT_THRESHOLD


def test_scores_are_in_unit_interval():
    for t in FINISHED + UNFINISHED + ["", "x", "...", "?"]:
        assert 0.0 <= end_of_turn_confidence(t) <= 1.0


def test_u3_punctuation_rule_compatible():
    # The session maps U3 confidence to 1 when >= 0.9 (terminal . ? !) and 0 otherwise.
    assert end_of_turn_confidence("Okay.") >= 0.9
    assert end_of_turn_confidence("Okay?") >= 0.9
    for t in ["Okay,", "okay", "okay and", "okay..."]:
        assert end_of_turn_confidence(t) < 0.9

"""Whisper's repetition loops are cut; legitimate repeats (spoken digits) survive."""

import pytest

from hushscribe.core.formatting import TimedWord
from hushscribe.engine.faster_whisper import drop_repetition_loops


def words(text: str) -> list[TimedWord]:
    return [TimedWord(t, i * 100, i * 100 + 90, 0.9) for i, t in enumerate(text.split())]


def texts(ws) -> str:
    return " ".join(w.text for w in ws)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("thank you thank you thank you thank you thank you", "thank you thank you thank you"),
        ("see you in the next video. " * 5, "see you in the next video. " * 3),
        ("hello world", "hello world"),
        ("four one one one one one one one", "four one one one one one one one"),  # 7 ones: kept
        ("one " * 12, "one " * 8),
        ("yes yes yes", "yes yes yes"),
    ],
)
def test_loops(text, expected):
    assert texts(drop_repetition_loops(words(text))) == expected.strip()


def test_timestamps_are_kept_for_surviving_words():
    ws = words("a b a b a b a b a b c")
    out = drop_repetition_loops(ws)
    assert [w.text for w in out] == ["a", "b", "a", "b", "a", "b", "c"]
    assert out[-1] == ws[-1]

"""core.word_filter: each rule drops what the audio does not support, and keeps what it does."""

from __future__ import annotations

from hushscribe.core.formatting import TimedWord
from hushscribe.core.word_filter import WordFilterConfig, filter_words, speech_spans


def _w(text: str, start: int, end: int, p: float = 0.9) -> TimedWord:
    return TimedWord(text, start, end, p)


SPOKEN = [_w("The", 0, 200), _w("blind", 200, 500), _w("man.", 500, 900)]


def test_speech_spans_from_frame_probabilities():
    assert speech_spans([0.1, 0.9, 0.8, 0.2, 0.7], 32, 0.5) == ((32, 96), (128, 160))
    assert speech_spans([], 32, 0.5) == ()
    assert speech_spans([0.1, 0.2], 32, 0.5) == ()


def test_words_in_audio_the_vad_calls_silence_are_dropped():
    words = [*SPOKEN, _w("Thank", 2000, 2200), _w("you.", 2200, 2400)]
    out = filter_words(words, speech=[(0, 950)])
    assert [w.text for w in out.words] == ["The", "blind", "man."]
    assert out.count("non_speech") == 2
    # The margin absorbs Whisper's loose word times at the edge of speech.
    near = filter_words([*SPOKEN, _w("again.", 1050, 1300)], speech=[(0, 950)])
    assert [w.text for w in near.words][-1] == "again."
    # Unknown speech (no VAD spans given): the rule does not apply.
    assert len(filter_words(words, speech=None).words) == 5


def test_zero_duration_words_are_dropped_unless_confident():
    out = filter_words([*SPOKEN, _w("Okay.", 900, 900, 0.04), _w("now", 950, 1100)])
    assert [w.text for w in out.words] == ["The", "blind", "man.", "now"]
    assert out.count("zero_duration") == 1
    # Zero-length but plausible words are real speech Whisper aligned badly ("I'm going" at 0.14 / 0.28).
    kept = filter_words([_w("I'm", 100, 100, 0.14), _w("going", 100, 100, 0.28), *SPOKEN])
    assert [w.text for w in kept.words][:2] == ["I'm", "going"]


def test_low_probability_tail_is_dropped_but_not_low_words_inside_speech():
    out = filter_words([*SPOKEN, _w("Thank", 950, 1100, 0.05), _w("you.", 1100, 1250, 0.004)])
    assert [w.text for w in out.words] == ["The", "blind", "man."]
    assert out.count("low_probability_tail") == 2
    inside = filter_words([_w("The", 0, 200), _w("blond", 200, 500, 0.02), _w("man.", 500, 900)])
    assert [w.text for w in inside.words] == ["The", "blond", "man."]
    # An all-low decode is dropped whole: nothing in it is supported.
    assert filter_words([_w("Hold.", 0, 300, 0.01)]).words == ()


def test_key_terms_need_acoustic_support():
    words = [*SPOKEN, _w("Hester", 950, 1200, 0.03), _w("Prynne", 1200, 1400, 0.01), _w("movable", 1400, 1700, 0.0),
             _w("again", 1750, 2000, 0.9)]
    out = filter_words(words, keyterms=("Hester Prynne", "movable"))
    assert [w.text for w in out.words] == ["The", "blind", "man.", "again"]
    assert out.count("unsupported_keyterm") == 3
    # A rare name really said scores as low; a decode without the terms hears a word there: it stays,
    # even as the last word of the turn (bench keyterms: "... said Doctor Oyelaran." at 0.021).
    said = [_w("Doctor", 0, 300), _w("Oyelaran.", 420, 900, 0.021)]
    confirmed = filter_words(said, keyterms=("Oyelaran",), unbiased=[_w("Oila", 400, 600), _w("Ran.", 600, 880)])
    assert confirmed.words == tuple(said)
    # The invented tail has nothing under it in the unbiased decode.
    out = filter_words(words, keyterms=("Hester Prynne", "movable"), unbiased=SPOKEN + [_w("again", 1750, 2000)])
    assert [w.text for w in out.words] == ["The", "blind", "man.", "again"]
    # An unbiased word that is itself an invented tail confirms nothing ("… country. you." under "Prynne").
    tail = [*SPOKEN, _w("Prynne", 950, 1300, 0.02)]
    assert filter_words(tail, keyterms=("Hester Prynne",), unbiased=[*SPOKEN, _w("you.", 950, 1250, 0.01)]).words \
        == tuple(SPOKEN)
    # A confident term needs no confirmation (and the engine makes no second decode for it).
    heard = [_w("Take", 0, 200), _w("Xarelto.", 200, 700, 0.6)]
    assert filter_words(heard, keyterms=("Xarelto",)).words == tuple(heard)
    # A word of a term counts alone, whatever its case and punctuation ("Prynne did with movable types").
    alone = filter_words([_w("prynne,", 0, 100, 0.001), _w("did", 100, 400)], keyterms=("Hester Prynne",))
    assert [w.text for w in alone.words] == ["did"]
    # Short words of a term are everyday words: a low "of" is not the term "Bank of America".
    assert len(filter_words([_w("of", 0, 100, 0.05), _w("course", 100, 400)], keyterms=("Bank of America",)).words) == 2


def test_a_low_probability_echo_of_the_prompt_is_dropped():
    prompt = "My account number is 7 7 1."
    echo = [_w("My", 0, 100, 0.2), _w("account", 100, 300, 0.1), _w("number", 300, 500, 0.3), _w("90", 600, 900)]
    out = filter_words(echo, prompt=prompt)
    assert [w.text for w in out.words] == ["90"]
    assert out.count("prompt_echo") == 3
    # The same words said again, confidently, stay: people repeat themselves.
    said = [_w("My", 0, 100), _w("account", 100, 300), _w("number", 300, 500)]
    assert filter_words(said, prompt=prompt).words == tuple(said)
    # Two words in common are not an echo.
    assert len(filter_words(echo[1:], prompt="account number", config=WordFilterConfig()).words) == 3


def test_a_clean_decode_passes_unchanged():
    out = filter_words(SPOKEN, speech=[(0, 900)], keyterms=("movable",), prompt="Hello there.")
    assert out.words == tuple(SPOKEN) and out.dropped == ()

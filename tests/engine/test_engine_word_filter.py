"""The engine drops the words the audio does not support (core.word_filter) and decodes with the turn's context,
with a fake faster-whisper model (no model load)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np

from hushscribe.core.left_context import without_left_context
from hushscribe.core.ports import DecodeRequest
from hushscribe.engine.faster_whisper import PUNCTUATION_PROMPT, WhisperOptions, context_tail, decoder_prompt

from .test_keyterms_retry import FakeModel, _engine


def _seg(words: list[tuple[str, float, float, float]]):
    return SimpleNamespace(words=[SimpleNamespace(word=" " + t, start=a, end=b, probability=p) for t, a, b, p in words],
                           compression_ratio=1.2, no_speech_prob=0.1, avg_logprob=-0.3)


# What real/ clips gave with keyterms_prompt=["Hester Prynne", "movable"] (issue 13): the terms after the speech.
INVENTED = _seg([("The", 0.0, 0.2, 0.9), ("blind", 0.2, 0.5, 0.8), ("man.", 0.5, 0.9, 0.9),
                 ("Hester", 2.72, 2.72, 0.0), ("Prynne", 2.72, 2.92, 0.02), ("movable", 2.92, 2.92, 0.046)])


def _request(**kw) -> DecodeRequest:
    base = DecodeRequest(job_id=1, kind="final", audio=np.zeros(16000 * 3, np.float32), offset_ms=0,
                         keyterms=("Hester Prynne", "movable"))
    return replace(base, **kw)


def test_unsupported_key_terms_and_words_in_silence_never_leave_the_engine():
    unbiased = _seg([("The", 0.0, 0.2, 0.9), ("blind", 0.2, 0.5, 0.8), ("man.", 0.5, 0.9, 0.9)])
    model = FakeModel([INVENTED], [unbiased])
    words = _engine(model).transcribe(_request()).words
    assert [w.text for w in words] == ["The", "blind", "man."]
    assert [bool(c["hotwords"]) for c in model.calls] == [True, False]  # the unbiased decode was asked for
    # The VAD rule alone catches them too (the terms' time is silence), even with no key terms set.
    model = FakeModel([], [INVENTED])
    words = _engine(model).transcribe(_request(keyterms=(), speech_ms=((0, 950),))).words
    assert [w.text for w in words] == ["The", "blind", "man."]


def test_a_rare_term_really_said_is_confirmed_by_the_decode_without_terms():
    said = _seg([("Take", 0.0, 0.4, 0.9), ("Ozempic", 0.5, 1.1, 0.044), ("daily.", 1.1, 1.5, 0.9)])
    heard = _seg([("Take", 0.0, 0.4, 0.9), ("those", 0.45, 0.8, 0.5), ("epic", 0.8, 1.1, 0.3), ("daily.", 1.1, 1.5, 0.9)])
    model = FakeModel([said], [heard])
    words = _engine(model).transcribe(_request(keyterms=("Ozempic",))).words
    assert [w.text for w in words] == ["Take", "Ozempic", "daily."]
    # A confident term needs no second decode.
    sure = _seg([("Take", 0.0, 0.4, 0.9), ("Ozempic", 0.5, 1.1, 0.6)])
    model = FakeModel([sure], [heard])
    assert [w.text for w in _engine(model).transcribe(_request(keyterms=("Ozempic",))).words] == ["Take", "Ozempic"]
    assert len(model.calls) == 1


def test_the_filter_can_be_switched_off_to_measure_it():
    engine = _engine(FakeModel([INVENTED], []))
    engine.options = replace(WhisperOptions(), filter_invented_words=False)
    assert len(engine.transcribe(_request()).words) == 6


def test_the_context_goes_after_the_punctuation_prompt_and_is_bounded():
    model = FakeModel([], [_seg([("90", 0.0, 0.4, 0.9)])])
    _engine(model).transcribe(_request(keyterms=(), context="My number is 771."))
    assert model.calls[0]["initial_prompt"] == f"{PUNCTUATION_PROMPT} My number is 771."
    assert model.calls[0]["hotwords"] is None
    assert decoder_prompt(None, english=True) == PUNCTUATION_PROMPT
    assert decoder_prompt("Hola.", english=False) == "Hola."
    assert decoder_prompt(None, english=False) is None
    tail = context_tail("one two three four five", 12)
    assert tail == "four five" and len(tail) <= 12
    # An explicit request prompt still wins (benchmarks, tests).
    model = FakeModel([], [_seg([("hi", 0.0, 0.4, 0.9)])])
    _engine(model).transcribe(_request(keyterms=(), context="x y", prompt="Custom."))
    assert model.calls[0]["initial_prompt"] == "Custom."


def test_an_echo_of_the_context_is_dropped():
    echo = _seg([("My", 0.0, 0.2, 0.2), ("number", 0.2, 0.4, 0.1), ("is", 0.4, 0.5, 0.2), ("90.", 0.6, 1.0, 0.9)])
    words = _engine(FakeModel([], [echo])).transcribe(_request(keyterms=(), context="My number is 771.")).words
    assert [w.text for w in words] == ["90."]



def test_no_word_is_joined_across_the_left_context_cut():
    """Whisper writes "555-0143" as "555" "-0143"; with "555" in the left context (core.left_context) and "-0143"
    after the cut, the piece starts the turn's own word instead of carrying the context's digits into it."""
    pieces = SimpleNamespace(words=[
        SimpleNamespace(word=" My", start=0.0, end=0.2, probability=0.9),
        SimpleNamespace(word=" cell", start=0.2, end=0.5, probability=0.9),
        SimpleNamespace(word=" 555", start=0.6, end=1.0, probability=0.9),
        SimpleNamespace(word="-0143.", start=1.4, end=2.0, probability=0.9),
    ], compression_ratio=1.2, no_speech_prob=0.1, avg_logprob=-0.3)
    result = _engine(FakeModel([], [pieces])).transcribe(_request(keyterms=(), context_ms=1200))
    assert [w.text for w in result.words] == ["My", "cell", "555", "0143."]
    assert [w.text for w in without_left_context(result, 1200).words] == ["0143."]  # the worker's cut
    joined = _engine(FakeModel([], [pieces])).transcribe(_request(keyterms=())).words  # no context: one word
    assert [w.text for w in joined] == ["My", "cell", "555-0143."]

"""Left audio context (issue 13): a turn that follows the previous one closely is decoded together with the end
of it, and only its own words are kept."""

from __future__ import annotations

from hushscribe.core.formatting import TimedWord
from hushscribe.core.left_context import LeftContext, context_window, without_left_context, words_of_turn
from hushscribe.core.ports import DecodeRequest, DecodeResult
from hushscribe.core.session import SessionSettings
from hushscribe.engine.fake import spread_words

from .conftest import Driver, make_session, pattern

ON = SessionSettings(vad_hangover_ms=0)  # left context at its defaults


def _words(text: str, start: int, step: int = 300) -> list[TimedWord]:
    return [TimedWord(t, start + i * step, start + i * step + step - 40, 0.9) for i, t in enumerate(text.split())]


PREVIOUS = _words("My number is 771.", 1000)  # words start at 1000, 1300, 1600, 1900; the last ends at 2160 ms


def _window(**kw):
    args = {"max_ms": 3000, "max_gap_ms": 1500, "available_from_ms": 0}
    args.update(kw)
    return context_window(PREVIOUS, 2200, 2500, **args)  # turn audio from 2200 ms, speech onset at 2500 ms


def test_the_window_starts_at_a_word_of_the_previous_final_and_cuts_between_the_turns():
    assert _window() == LeftContext(start_ms=1000, cut_ms=(2160 + 2500) // 2)
    # Only up to max_ms before the turn's audio: from the first word that starts inside it.
    assert _window(max_ms=1000) == LeftContext(start_ms=1300, cut_ms=2330)
    # Not before the oldest audio the session holds.
    assert _window(available_from_ms=1500) == LeftContext(start_ms=1600, cut_ms=2330)
    # The onset before the last word's end (pre-roll overlap): the cut is at that end.
    assert context_window(PREVIOUS, 2200, 2100, max_ms=3000, max_gap_ms=1500,
                          available_from_ms=0) == LeftContext(1000, 2160)


def test_no_window_without_a_previous_final_after_a_long_gap_or_when_off():
    assert context_window((), 2200, 2500, max_ms=3000, max_gap_ms=1500, available_from_ms=0) is None
    assert _window(max_gap_ms=300) is None  # 340 ms from the last word to the onset
    assert _window(max_ms=0) is None
    assert _window(available_from_ms=2000) is None
    assert _window(max_ms=200) is None  # the last word starts 300 ms before the turn's audio


def test_only_words_whose_middle_lies_after_the_cut_are_the_turns():
    words = _words("is 771 90 551.", 0, 200)  # middles 80, 280, 480, 680
    assert [w.text for w in words_of_turn(words, 280)] == ["771", "90", "551."]
    result = DecodeResult(tuple(words))
    cut = without_left_context(result, 300)
    assert [w.text for w in cut.words] == ["90", "551."]
    assert without_left_context(cut, 300) is cut  # idempotent: the worker and the session both apply it
    assert without_left_context(result, 0) is result
    lower = DecodeResult(tuple(_words("is your date of birth.", 0, 200)))
    assert [w.text for w in without_left_context(lower, 200).words] == ["Your", "date", "of", "birth."]


# 0.5 s speech, 160 ms pause (u3-rt-pro at 100/100 ends the turn), 0.6 s speech.
FRAGMENTS = pattern(("s", 16), ("v", 16), ("s", 5), ("v", 19), ("s", 40))


class ContextEngine:
    """Hears the previous turn's words in the left context where they were said, and the turn's own after it:
    what Whisper does with a request that starts before the turn."""

    def __init__(self, texts):
        self.texts = iter(texts)
        self.previous: list[TimedWord] = []  # the last request's own words, session times
        self.heard: list[int] = []  # words of the previous turn each request's audio held

    def __call__(self, req: DecodeRequest) -> DecodeResult:
        own = spread_words(next(self.texts), req.duration_ms - req.context_ms, req.context_ms)
        heard = [TimedWord(w.text, w.start_ms - req.offset_ms, w.end_ms - req.offset_ms, w.confidence)
                 for w in self.previous if w.start_ms >= req.offset_ms]
        self.heard.append(len(heard))
        self.previous = [TimedWord(w.text, w.start_ms + req.offset_ms, w.end_ms + req.offset_ms, w.confidence)
                         for w in own]
        return DecodeResult(tuple(heard + own))


def _run(texts, probs=FRAGMENTS, settings=ON, **kw):
    s = make_session(probs, include_partial_turns="false", speech_model="u3-rt-pro", min_turn_silence=100,
                     max_turn_silence=100, settings=settings, **kw)
    engine = ContextEngine(texts)
    d = Driver(s)
    d.result_for = lambda req, text=None: engine(req)  # type: ignore[method-assign]
    d.auto = True
    d.frames(len(probs))
    return d, engine


def test_a_fragment_is_decoded_with_the_end_of_the_previous_turn_and_keeps_only_its_own_words():
    d, engine = _run(["My number is 771.", "90 551."])
    assert engine.heard == [0, 4]  # the second decode heard all of the first turn again: dropped
    first, second = [r for r in d.requests if r.kind == "final"]
    finals = d.finals()
    assert [f["transcript"] for f in finals] == ["My number is 771.", "90 551."]
    assert first.context_ms == 0
    assert second.context_ms > 0
    assert second.offset_ms == finals[0]["words"][0]["start"]  # the window starts at a word of the previous final
    assert finals[1]["words"][0]["start"] >= finals[0]["words"][-1]["end"]  # times never go backwards


def test_no_left_context_at_the_default_silences():
    """At the SDK's defaults (max_turn_silence 1280 ms) a turn that follows quickly is a new sentence: no context."""
    s = make_session(FRAGMENTS, include_partial_turns="false", settings=ON, end_of_turn_confidence_threshold=0,
                     min_turn_silence=100)
    engine = ContextEngine(["Hello there.", "Fine."])
    d = Driver(s)
    d.result_for = lambda req, text=None: engine(req)  # type: ignore[method-assign]
    d.frames(len(FRAGMENTS))
    assert len(d.finals()) == 2
    assert all(r.context_ms == 0 for r in d.requests)


def test_no_left_context_after_a_long_pause_or_when_turned_off():
    long_gap = pattern(("s", 16), ("v", 16), ("s", 80), ("v", 19), ("s", 40))  # 2.5 s apart
    d, _ = _run(["Hello there.", "Fine."], probs=long_gap)
    assert all(r.context_ms == 0 for r in d.requests)
    d, _ = _run(["Hello there.", "Fine."], settings=SessionSettings(vad_hangover_ms=0, left_context_ms=0))
    assert all(r.context_ms == 0 for r in d.requests)
    assert [f["transcript"] for f in d.finals()] == ["Hello there.", "Fine."]


def test_redaction_context_still_goes_with_a_fragment_decoded_in_context():
    class Digits:
        def redact(self, ws, policies, sub):
            return list(ws)

    # The number hold (tests/core/test_number_hold.py) would keep these groups one turn: off, as when a client's
    # ForceEndpoint splits them.
    d, _ = _run(["My number is 771.", "90 551."], redact_pii="true", redactor=Digits(),
                settings=SessionSettings(vad_hangover_ms=0, number_hold_ms=0))
    second = [r for r in d.requests if r.kind == "final"][1]
    assert second.context_ms > 0
    assert [w.text for w in second.redaction.context] == ["My", "number", "is", "771."]

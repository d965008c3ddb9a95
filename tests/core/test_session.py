"""SessionProtocol: the sans-I/O session, driven with a scripted VAD and a scripted engine.

Frame arithmetic (see conftest): one VAD frame = 512 samples = 32 ms = 1024 bytes; frame *i*
ends at (i+1)*32 ms of session audio. ``pattern(("s", 16), ("v", 32), ...)`` gives the VAD
probability of each frame; the audio under it is zeros unless a test needs a ramp.
"""

from __future__ import annotations

import json
from itertools import pairwise

import numpy as np
import pytest
from assemblyai.streaming.v3._base import _BaseStreamingClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hushscribe.core import messages as m
from hushscribe.core.formatting import TimedWord
from hushscribe.core.session import SessionSettings
from hushscribe.engine.fake import spread_words
from hushscribe.vad.energy import EnergyVadStream

from .conftest import (
    FRAME,
    FRAME_BYTES,
    SENTENCE,
    Driver,
    FakeClock,
    growing_script,
    index_value,
    make_session,
    mulaw_encode,
    pattern,
    ramp_bytes,
    s16le,
    silence,
    sine,
    zeros_bytes,
)

# One turn: 16 silent frames, 32 speech frames (512..1536 ms), 60 silent frames.
ONE_TURN = pattern(("s", 16), ("v", 32), ("s", 60))
SPEECH_END_FRAME = 48


def sdk_check(messages) -> None:
    """Every message is an object with a ``type``, validates in the SDK; no Begin from the core."""
    for msg in messages:
        assert isinstance(msg, dict) and isinstance(msg.get("type"), str), msg
        assert msg["type"] != "Begin"  # the shell sends Begin, never the session
        if msg["type"] != "Error":
            assert "error" not in msg
        ev = _BaseStreamingClient._parse_message(json.loads(m.to_json(msg)))
        assert ev is not None, msg


def expected_words(req, text: str, offset: int | None = None) -> list[tuple[str, int, int]]:
    off = req.offset_ms if offset is None else offset
    return [(w.text, w.start_ms + off, w.end_ms + off) for w in spread_words(text, req.duration_ms)]


def word_tuples(msg) -> list[tuple[str, int, int]]:
    return [(w["text"], w["start"], w["end"]) for w in msg["words"]]


def final_requests(d: Driver):
    return [r for r in d.requests if r.kind == "final"]


def frame_of(d: Driver, msg: dict) -> int:
    """Number of frames fed when ``msg`` appeared (with one-frame chunks: the deciding frame + 1)."""
    return d.msg_bytes[next(i for i, x in enumerate(d.messages) if x is msg)] // FRAME_BYTES


# ---------------------------------------------------------------------------------------------
# One turn, Universal-Streaming
# ---------------------------------------------------------------------------------------------


def test_full_turn_gives_one_unformatted_final():
    s = make_session(ONE_TURN, include_partial_turns="false")
    d = Driver(s).frames(len(ONE_TURN))
    sdk_check(d.messages)
    assert d.types() == ["Turn"]  # no Begin, no SpeechStarted on Universal-Streaming
    (final,) = d.finals()
    assert final["turn_order"] == 0
    assert final["end_of_turn"] is True and final["turn_is_formatted"] is False
    assert final["transcript"] == "hello world" == final["utterance"]
    assert final["end_of_turn_confidence"] == pytest.approx(0.9)
    assert all(w["word_is_final"] for w in final["words"])
    for w in final["words"]:
        assert type(w["start"]) is int and type(w["end"]) is int
    # The final is the candidate decode (one request, no partials), words in session time.
    (req,) = d.requests
    assert req.kind == "final"
    speech_start_ms = 16 * 32
    assert 0 < req.offset_ms <= speech_start_ms  # pre-roll before the onset
    assert speech_start_ms - req.offset_ms <= SessionSettings().preroll_ms
    assert req.offset_ms * 16 + len(req.audio) == (SPEECH_END_FRAME + 5) * FRAME  # candidate at 160 ms
    assert word_tuples(final) == [(t.lower().strip("."), a, b) for t, a, b in expected_words(req, "Hello world.")]
    assert final["words"][0]["start"] == req.offset_ms
    assert s.close is None and not s.busy


def test_final_decided_at_min_silence_in_audio_time():
    s = make_session(ONE_TURN)
    d = Driver(s).frames(len(ONE_TURN), per_chunk=1)
    (final,) = d.finals()
    # 13 frames of pause = 416 ms >= 400 ms: decided while processing frame 48+12.
    assert frame_of(d, final) == SPEECH_END_FRAME + 13


def test_format_turns_adds_formatted_final():
    s = make_session(ONE_TURN, format_turns="true", include_partial_turns="false")
    d = Driver(s).frames(len(ONE_TURN))
    sdk_check(d.messages)
    raw, fmt = d.finals()
    assert raw["turn_order"] == fmt["turn_order"] == 0
    assert (raw["turn_is_formatted"], fmt["turn_is_formatted"]) == (False, True)
    assert raw["transcript"] == "hello world" == raw["utterance"]
    assert fmt["transcript"] == "Hello world." and fmt["utterance"] == ""
    assert [w["text"] for w in fmt["words"]] == ["Hello", "world."]
    assert [(w["start"], w["end"]) for w in fmt["words"]] == [(w["start"], w["end"]) for w in raw["words"]]
    assert fmt["end_of_turn_confidence"] == raw["end_of_turn_confidence"]
    assert all(w["word_is_final"] for w in fmt["words"])


def test_unformatted_final_spells_numbers_formatted_keeps_them():
    s = make_session(ONE_TURN, format_turns="true", include_partial_turns="false")
    d = Driver(s, script=lambda r: "I owe $25.").frames(len(ONE_TURN))
    raw, fmt = d.finals()
    assert raw["transcript"] == "i owe twenty five dollars"
    assert fmt["transcript"] == "I owe $25."
    # Unformatted words stay inside the formatted word's time span, in order.
    starts = [w["start"] for w in raw["words"]]
    assert starts == sorted(starts)
    assert raw["words"][-1]["end"] == fmt["words"][-1]["end"]


@pytest.mark.parametrize("model", ["u3-rt-pro", "universal-3-5-pro", "u3-pro"])
def test_u3_single_formatted_final_and_speech_started(model):
    s = make_session(ONE_TURN, speech_model=model, format_turns="true")
    d = Driver(s).frames(len(ONE_TURN))
    sdk_check(d.messages)
    assert d.types()[0] == "SpeechStarted"
    started = d.messages[0]
    assert started["timestamp"] == 16 * 32 and started["confidence"] == pytest.approx(0.98)
    (final,) = d.finals()  # format_turns has no effect: one final only
    assert final["turn_is_formatted"] is True
    assert final["end_of_turn_confidence"] == 1
    assert final["transcript"] == "Hello world." == final["utterance"]
    assert all(w["word_is_final"] for w in final["words"])
    assert d.types().count("SpeechStarted") == 1


def test_u3_ends_at_its_min_silence_on_terminal_punctuation():
    s = make_session(ONE_TURN, speech_model="u3-rt-pro")
    d = Driver(s).frames(len(ONE_TURN), per_chunk=1)
    (final,) = d.finals()
    # U3 defaults: min silence 100 ms -> candidate at 128 ms, end at the same frame.
    assert frame_of(d, final) == SPEECH_END_FRAME + 4


def test_u3_without_terminal_punctuation_waits_for_max_silence():
    s = make_session(ONE_TURN, speech_model="u3-rt-pro")
    d = Driver(s, script=lambda r: "so I was thinking").frames(len(ONE_TURN), per_chunk=1)
    (final,) = d.finals()
    assert frame_of(d, final) == SPEECH_END_FRAME + 1000 // 32 + 1  # 1024 ms >= 1000 ms
    assert final["end_of_turn_confidence"] == 1
    # The candidate was shown as a U3 partial: all words non-final, full text, confidence 0.
    cand_partials = [p for p in d.partials() if p["transcript"] == "so I was thinking"]
    assert cand_partials
    for p in d.partials():
        assert p["end_of_turn_confidence"] == 0 and p["turn_is_formatted"] is False
        assert not any(w["word_is_final"] for w in p["words"])


def test_u3_speech_started_before_first_turn_of_every_turn():
    probs = pattern(("s", 5), ("v", 40), ("s", 40), ("v", 40), ("s", 40))
    s = make_session(probs, speech_model="u3-rt-pro")
    d = Driver(s, script=growing_script()).frames(len(probs))
    sdk_check(d.messages)
    types = d.types()
    assert types.count("SpeechStarted") == 2
    # Each SpeechStarted precedes every Turn of its turn_order.
    seen_started = 0
    for msg in d.messages:
        if msg["type"] == "SpeechStarted":
            seen_started += 1
        else:
            assert msg["turn_order"] == seen_started - 1
    assert [d.messages[i]["timestamp"] for i, t in enumerate(types) if t == "SpeechStarted"] == [5 * 32, 85 * 32]


def test_no_speech_started_on_universal_streaming():
    probs = pattern(("s", 5), ("v", 40), ("s", 40))
    d = Driver(make_session(probs)).frames(len(probs))
    assert "SpeechStarted" not in d.types()


# ---------------------------------------------------------------------------------------------
# Partials
# ---------------------------------------------------------------------------------------------

LONG_TURN = pattern(("s", 10), ("v", 150), ("s", 60))  # 4.8 s of speech


def check_partial_invariants(partials) -> None:
    prev_texts: list[str] = []
    for p in partials:
        assert p["end_of_turn"] is False and p["turn_is_formatted"] is False
        assert p["utterance"] == ""
        flags = [w["word_is_final"] for w in p["words"]]
        k = sum(flags)
        assert flags == [True] * k + [False] * (len(flags) - k)  # a prefix
        assert not flags[-1]  # the trailing word is never final
        texts = [w["text"] for w in p["words"]]
        assert p["transcript"] == " ".join(texts[:k])  # finalized words only
        assert texts[:k] == prev_texts[:k]  # only words stable since the last partial
        prev_texts = texts


def test_partials_with_stable_prefix():
    s = make_session(LONG_TURN)
    d = Driver(s, script=growing_script()).frames(len(LONG_TURN))
    sdk_check(d.messages)
    partials = d.partials()
    assert len(partials) >= 3
    check_partial_invariants(partials)
    assert partials[0]["transcript"] == ""  # nothing is stable on the first partial
    assert any(p["transcript"] for p in partials[1:])
    # Everything stays in one turn and the final comes last.
    assert {t["turn_order"] for t in d.turns()} == {0}
    assert d.turns()[-1]["end_of_turn"] is True
    assert len(d.finals()) == 1
    # Finalized words are never changed by the final ("immutable" transcription).
    final_texts = [w["text"] for w in d.finals()[0]["words"]]
    for p in partials:
        stable = [w["text"] for w in p["words"] if w["word_is_final"]]
        assert final_texts[: len(stable)] == stable


def test_partial_requests_follow_interval_and_min_audio():
    s = make_session(LONG_TURN)
    d = Driver(s, script=growing_script()).frames(len(LONG_TURN))
    parts = [r for r in d.requests if r.kind == "partial"]
    assert len(parts) >= 3
    ends = [r.offset_ms + r.duration_ms for r in parts]
    assert all(b - a >= 1000 for a, b in pairwise(ends))
    assert all(r.duration_ms >= 500 for r in parts)
    assert len({r.offset_ms for r in parts}) == 1  # every decode starts at the turn start


def test_revised_word_is_not_finalized():
    calls = {"n": 0}
    scripts = ["alpha bravo charlie", "alpha delta charlie echo", "alpha delta charlie echo foxtrot"]

    def script(req):
        if req.kind == "partial":
            calls["n"] += 1
            return scripts[min(calls["n"], len(scripts)) - 1]
        return "alpha delta charlie echo foxtrot golf."

    s = make_session(LONG_TURN)
    d = Driver(s, script=script).frames(len(LONG_TURN))
    p = d.partials()
    assert [x["transcript"] for x in p[:3]] == ["", "alpha", "alpha delta charlie echo"]
    check_partial_invariants(p[:3])


def test_partial_end_of_turn_confidence_comes_from_text():
    s = make_session(LONG_TURN)
    d = Driver(s, script=lambda r: "alpha bravo and" if r.kind == "partial" else "Alpha bravo.").frames(
        len(LONG_TURN)
    )
    periodic = [p for p in d.partials() if p["words"][-1]["text"] == "and"]
    candidate = [p for p in d.partials() if p["words"][-1]["text"] == "bravo"]
    assert periodic and candidate  # the candidate shows up as a partial while the turn goes on
    assert all(p["end_of_turn_confidence"] == pytest.approx(0.1) for p in periodic)
    assert all(p["end_of_turn_confidence"] == pytest.approx(0.9) for p in candidate)


def test_include_partial_turns_false_suppresses_partials_and_partial_decodes():
    s = make_session(LONG_TURN, include_partial_turns="false")
    d = Driver(s, script=growing_script()).frames(len(LONG_TURN))
    assert d.partials() == []
    assert all(r.kind == "final" for r in d.requests)
    assert len(d.finals()) == 1


def test_redact_pii_defaults_to_no_partials():
    s = make_session(LONG_TURN, redact_pii="true", redactor=MaskingRedactor())
    assert s.params.include_partial_turns is False
    d = Driver(s, script=growing_script()).frames(len(LONG_TURN))
    assert [t["end_of_turn"] for t in d.turns()] == [True]
    assert all(r.kind == "final" for r in d.requests)


class MaskingRedactor:
    def __init__(self):
        self.calls = []

    def redact(self, words, policies, sub):
        self.calls.append((tuple(w.text for w in words), tuple(policies), sub))
        return [TimedWord("#" * len(w.text) if w.text.lower().startswith("world") else w.text, w.start_ms, w.end_ms, w.confidence) for w in words]


def test_redactor_applies_to_both_finals_only():
    red = MaskingRedactor()
    s = make_session(
        LONG_TURN, redactor=red, redact_pii="true", format_turns="true", include_partial_turns="true"
    )
    d = Driver(s, script=lambda r: "Hello world.").frames(len(LONG_TURN))
    raw, fmt = d.finals()
    assert raw["transcript"] == "hello #####" == raw["utterance"]
    assert fmt["transcript"] == "Hello ######"
    assert [w["text"] for w in fmt["words"]] == ["Hello", "######"]
    assert len(red.calls) == 2
    # Partials are unredacted (documented behaviour with include_partial_turns=true).
    assert d.partials() and all("world" in p["words"][-1]["text"] for p in d.partials())


def test_redactor_not_used_without_redact_pii():
    red = MaskingRedactor()
    s = make_session(ONE_TURN, redactor=red)
    d = Driver(s).frames(len(ONE_TURN))
    assert d.finals()[0]["transcript"] == "hello world"
    assert red.calls == []


# ---------------------------------------------------------------------------------------------
# Several turns
# ---------------------------------------------------------------------------------------------


def test_turn_order_increments():
    probs = pattern(("s", 5), ("v", 20), ("s", 30), ("v", 20), ("s", 30), ("v", 20), ("s", 50))
    s = make_session(probs, format_turns="true")
    d = Driver(s, script=growing_script()).frames(len(probs))
    sdk_check(d.messages)
    finals = d.finals()
    assert [(f["turn_order"], f["turn_is_formatted"]) for f in finals] == [
        (0, False),
        (0, True),
        (1, False),
        (1, True),
        (2, False),
        (2, True),
    ]
    orders = [t["turn_order"] for t in d.turns()]
    assert orders == sorted(orders)
    # Words of later turns are later in session time.
    firsts = [f["words"][0]["start"] for f in finals if not f["turn_is_formatted"]]
    assert firsts == sorted(firsts) and len(set(firsts)) == 3


@pytest.mark.parametrize("partials", ["true", "false"])
def test_short_blip_is_discarded(partials):
    """A 64 ms blip (< min_speech_ms 96) is not a turn: no Turn message at all, and the next real
    turn is turn_order 0 (protocol §6.1 REC: no empty finals except for forced endpoints)."""
    probs = pattern(("s", 5), ("v", 2), ("s", 60))
    s = make_session(probs, include_partial_turns=partials)
    d = Driver(s).frames(len(probs))
    assert d.turns() == []
    probs2 = pattern(("s", 5), ("v", 2), ("s", 60), ("v", 20), ("s", 60))
    d2 = Driver(make_session(probs2, include_partial_turns=partials)).frames(len(probs2))
    assert [f["turn_order"] for f in d2.finals()] == [0]
    assert all(f["words"] for f in d2.finals())


def test_empty_hypothesis_gives_no_final_and_no_turn_order_gap():
    probs = pattern(("s", 5), ("v", 20), ("s", 40), ("v", 20), ("s", 40))
    texts = iter(["", "Second turn."])

    def script(req):
        return next(texts)

    s = make_session(probs, include_partial_turns="false")
    d = Driver(s, script=script).frames(len(probs))
    (final,) = d.finals()
    assert final["turn_order"] == 0 and final["transcript"] == "second turn"


def test_max_turn_ms_splits_long_speech():
    probs = pattern(("s", 5), ("v", 200), ("s", 60))  # 6.4 s of speech
    s = make_session(probs, settings=SessionSettings(max_turn_ms=2000), include_partial_turns="false")
    d = Driver(s, script=growing_script()).frames(len(probs))
    finals = d.finals()
    assert [f["turn_order"] for f in finals] == list(range(len(finals)))
    assert len(finals) >= 3
    reqs = final_requests(d)
    # Forced (max_length) decodes cover at most ~2 s of turn audio plus pre-roll (no left context at the default
    # silences: tests/core/test_left_context.py).
    for r in reqs[:-1]:
        assert r.duration_ms <= 2000 + 32 + SessionSettings().preroll_ms
    assert all(r.context_ms == 0 for r in reqs)


@pytest.mark.parametrize(
    "name, probs, kw, force_at",
    [
        ("gap", pattern(("s", 10), ("v", 30), ("s", 14), ("v", 30), ("s", 60)), {}, None),
        (
            "u3 quick restart",
            pattern(("s", 10), ("v", 30), ("s", 5), ("v", 30), ("s", 60)),
            {"speech_model": "u3-rt-pro"},
            None,
        ),
        (
            "max_length",
            pattern(("s", 10), ("v", 130), ("s", 60)),
            {"settings": SessionSettings(max_turn_ms=2000, left_context_ms=0)},  # on: tests/core/test_left_context.py
            None,
        ),
        ("force mid-speech", pattern(("s", 10), ("v", 70), ("s", 60)), {}, 40),
    ],
    ids=["gap", "u3_quick_restart", "max_length", "force_mid_speech"],
)
def test_consecutive_turns_do_not_overlap(name, probs, kw, force_at):
    """The pre-roll must not reach back into audio that the previous turn's final already
    covered: otherwise the same speech is transcribed twice (duplicated words at the boundary)
    and word times go backwards across turns. ForceEndpoint "cuts exactly at that point; the
    rest becomes the next turn" (protocol §4.3)."""
    s = make_session(probs, include_partial_turns="false", **kw)
    d = Driver(s, script=growing_script())
    if force_at is None:
        d.frames(len(probs))
    else:
        d.frames(force_at)
        d.text('{"type":"ForceEndpoint"}')
        d.frames(len(probs) - force_at)
    finals = [f for f in d.finals() if not f["turn_is_formatted"] or s.params.is_u3]
    assert len(finals) >= 2
    offsets = sorted({r.offset_ms for r in d.requests})  # one decode start per turn
    assert len(offsets) == len(finals)
    for i in range(1, len(finals)):
        prev_end = finals[i - 1]["words"][-1]["end"]  # = end of the previous turn's decode
        assert offsets[i] >= prev_end, (name, offsets[i], prev_end)
        assert finals[i]["words"][0]["start"] >= prev_end, name


# ---------------------------------------------------------------------------------------------
# ForceEndpoint
# ---------------------------------------------------------------------------------------------


def test_force_endpoint_mid_speech_cuts_exactly_there():
    probs = pattern(("s", 10), ("v", 70), ("s", 60))
    s = make_session(probs)
    d = Driver(s, script=growing_script())
    cut = 40 * FRAME  # force after 1.28 s of audio, mid-speech
    d.audio(ramp_bytes(cut), 2 * FRAME_BYTES)
    d.auto = False
    n_before = len(d.messages)
    d.text('{"type":"ForceEndpoint"}')
    (req,) = d.pending.values()
    assert req.kind == "final"
    assert req.offset_ms * 16 + len(req.audio) == cut
    assert req.audio[-1] * 32768 == index_value(cut - 1)
    assert req.audio[0] * 32768 == index_value(req.offset_ms * 16)
    # Later audio queues behind the pending final: nothing of the next turn leaks out.
    rest = len(probs) * FRAME - cut
    d.audio(ramp_bytes(rest, start=cut), 2 * FRAME_BYTES)
    assert len(d.messages) == n_before and list(d.pending) == [req.job_id]
    d.answer(req.job_id)
    d.auto = True
    d.settle()
    sdk_check(d.messages)
    new = d.messages[n_before:]
    assert new[0]["end_of_turn"] is True and new[0]["turn_order"] == 0
    assert all(w["end"] <= cut // 16 for w in new[0]["words"])
    orders = [t["turn_order"] for t in d.turns()]
    assert orders == sorted(orders) and orders[-1] == 1
    assert [f["turn_order"] for f in d.finals()] == [0, 1]
    # The rest of the speech became turn 1, starting after the cut.
    turn1 = [r for r in d.requests if r.job_id > req.job_id]
    assert turn1 and all(r.offset_ms * 16 >= cut - SessionSettings().preroll_ms * 16 for r in turn1)


def test_force_endpoint_with_no_open_turn_does_nothing():
    probs = pattern(("s", 30))
    s = make_session(probs)
    d = Driver(s).frames(30)
    d.text('{"type":"ForceEndpoint"}')
    assert d.messages == [] and d.requests == []
    assert s.close is None
    # Also after a turn has completed.
    d2 = Driver(make_session(ONE_TURN)).frames(len(ONE_TURN))
    n = len(d2.messages)
    d2.text('{"type":"ForceEndpoint"}')
    assert len(d2.messages) == n


def test_force_endpoint_in_pause_reuses_candidate():
    probs = pattern(("s", 10), ("v", 30), ("s", 60))
    s = make_session(probs, include_partial_turns="false")
    d = Driver(s, script=lambda r: "so and")  # not confident: no semantic end
    d.frames(10 + 30 + 8)  # 256 ms of pause: candidate requested and answered
    assert len(d.requests) == 1 and d.finals() == []
    d.text('{"type":"ForceEndpoint"}')
    assert len(d.requests) == 1  # no second decode
    (final,) = d.finals()
    assert final["transcript"] == "so and"


def test_force_endpoint_latency_runs_from_its_arrival_to_the_final():
    """The server's own share of Pipecat's TTFS: ForceEndpoint arrival -> its turn's final, on the
    session clock. The candidate is still decoding when the ForceEndpoint comes; the final is that
    candidate, sent the moment it arrives."""
    probs = pattern(("s", 10), ("v", 30), ("s", 60))
    clock = FakeClock()
    s = make_session(probs, clock=clock, include_partial_turns="false")
    d = Driver(s, script=lambda r: "so and", auto=False)
    d.frames(10 + 30 + 7)  # 224 ms of pause: the candidate was requested at 160 ms, not answered
    (cand,) = d.pending.values()
    assert s.is_speculative(cand.job_id) and s.promotions_to_report() == []
    clock.t += 1.0
    d.text('{"type":"ForceEndpoint"}')
    assert d.finals() == [] and s.force_latencies_to_report() == []
    # Its turn has ended: the decode now carries a final on the latency path.
    assert s.promotions_to_report() == [cand.job_id] and s.promotions_to_report() == []
    clock.t += 0.25
    d.answer(cand.job_id)
    (final,) = d.finals()
    assert final["transcript"] == "so and" and len(d.requests) == 1  # the candidate is the final
    assert s.force_latencies_to_report() == [pytest.approx(0.25)]
    assert s.force_latencies_to_report() == []  # reported once
    assert s.speculative == {"requested": 1, "final": 1, "partial": 0}


def test_force_endpoint_on_an_ended_turn_reports_no_latency():
    s = make_session(ONE_TURN, include_partial_turns="false")
    d = Driver(s).frames(len(ONE_TURN))
    d.text('{"type":"ForceEndpoint"}')
    assert len(d.finals()) == 1 and s.force_latencies_to_report() == []


def test_speculative_decodes_thrown_away_or_shown_as_partials_are_counted():
    # Two pauses of 224 ms (a candidate each, speech resumes), then the end of the turn.
    probs = pattern(("s", 10), ("v", 20), ("s", 7), ("v", 20), ("s", 7), ("v", 20), ("s", 60))
    for partials, shown in (("false", 0), ("true", 2)):
        s = make_session(probs, include_partial_turns=partials)
        Driver(s, script=growing_script()).frames(len(probs))
        assert s.speculative["requested"] == 3 and s.speculative["final"] == 1
        assert s.speculative["partial"] == shown


def test_force_endpoint_then_continue_same_session():
    probs = pattern(("s", 5), ("v", 30)) * 3 + pattern(("s", 60))
    s = make_session(probs, include_partial_turns="false")
    d = Driver(s, script=growing_script())
    for _ in range(3):
        d.frames(35)
        d.text('{"type":"ForceEndpoint"}')
    d.frames(60)
    assert [f["turn_order"] for f in d.finals()] == [0, 1, 2]


# ---------------------------------------------------------------------------------------------
# Terminate
# ---------------------------------------------------------------------------------------------


def test_terminate_with_no_audio():
    clock = FakeClock(500.0)
    s = make_session(clock=clock)
    d = Driver(s)
    clock.t += 3.4
    d.text('{"type":"Terminate"}')
    assert d.messages == [{"type": "Termination", "audio_duration_seconds": 0, "session_duration_seconds": 3}]
    sdk_check(d.messages)
    assert s.close == (1000, "Session Ended") and s.closed


def test_terminate_mid_turn_flushes_final_first():
    clock = FakeClock()
    probs = pattern(("s", 10), ("v", 60))
    s = make_session(probs, clock=clock, format_turns="true")
    d = Driver(s, script=growing_script())
    d.frames(70)
    assert d.finals() == []
    d.auto = False
    d.text('{"type":"Terminate"}')
    assert s.close is None and "Termination" not in d.types()  # waits for the final
    (req,) = [r for r in d.pending.values() if r.kind == "final"]
    assert req.offset_ms * 16 + len(req.audio) == 70 * FRAME
    clock.t += 7.6
    for job in list(d.pending):
        d.answer(job)
    sdk_check(d.messages)
    types = d.types()
    assert types[-3:] == ["Turn", "Turn", "Termination"]
    raw, fmt = d.messages[-3], d.messages[-2]
    assert raw["end_of_turn"] and not raw["turn_is_formatted"] and fmt["turn_is_formatted"]
    assert d.messages[-1] == {
        "type": "Termination",
        "audio_duration_seconds": 2,  # 70 * 32 ms = 2.24 s
        "session_duration_seconds": 8,
    }
    assert s.close == (1000, "Session Ended")


def test_terminate_in_pause_uses_candidate_and_partial_frame_audio():
    probs = pattern(("s", 10), ("v", 30), ("s", 20))
    s = make_session(probs, include_partial_turns="false")
    d = Driver(s, script=lambda r: "well um")
    d.frames(10 + 30 + 8)
    d.audio(bytes(700))  # less than a frame, before Terminate
    d.text('{"type":"Terminate"}')
    assert d.types() == ["Turn", "Termination"]
    assert len(d.requests) == 1
    assert s.audio_seconds == pytest.approx((48 * 1024 + 700) / 32000)


def test_terminate_while_holding_waits_for_candidate():
    clock = FakeClock()
    s = make_session(ONE_TURN, clock=clock, include_partial_turns="false")
    d = Driver(s, auto=False).frames(SPEECH_END_FRAME + 20)
    (job,) = d.pending  # the candidate; the session holds at 416 ms of pause
    assert s.busy
    d.text('{"type":"Terminate"}')
    assert d.messages == [] and s.close is None
    d.answer(job)
    assert d.types() == ["Turn", "Termination"]
    assert d.messages[0]["transcript"] == "hello world"
    assert s.close == (1000, "Session Ended") and not s.busy


def test_audio_and_messages_after_terminate_are_ignored():
    s = make_session(ONE_TURN)
    d = Driver(s).frames(20)
    d.auto = False
    d.text('{"type":"Terminate"}')
    secs = s.audio_seconds
    n_req = len(d.requests)
    d.audio(zeros_bytes(10))
    d.text('{"type":"ForceEndpoint"}')
    d.text('{"type":"UpdateConfiguration","max_turn_silence":"bad"}')
    d.text('{"type":"Terminate"}')
    assert s.audio_seconds == secs and len(d.requests) == n_req
    d.auto = True
    d.settle()
    assert d.types().count("Termination") == 1 and d.types()[-1] == "Termination"
    assert "Error" not in d.types()
    assert s.close == (1000, "Session Ended")
    # After close: nothing more.
    d.audio(zeros_bytes(3))
    d.text("{bad")
    assert d.types()[-1] == "Termination"


def test_keepalive_produces_nothing():
    s = make_session(ONE_TURN)
    d = Driver(s)
    d.text('{"type":"KeepAlive"}')
    d.frames(30)
    d.text('{"type":"KeepAlive"}')
    d.frames(len(ONE_TURN) - 30)
    ref = Driver(make_session(ONE_TURN)).frames(len(ONE_TURN))
    assert d.messages == ref.messages
    assert s.close is None


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, error",
    [
        (
            "{bad",
            "User Input Validation Error: Invalid JSON: "
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        ('{"type":"Bogus"}', "Invalid Message Type: Bogus"),
        ("[]", "Invalid Message: []"),
        ("42", "Invalid Message: 42"),
    ],
)
def test_invalid_text_is_3006(text, error):
    s = make_session(ONE_TURN)
    d = Driver(s).frames(20)
    d.text(text)
    assert d.messages[-1] == {"type": "Error", "error_code": 3006, "error": error}
    sdk_check(d.messages)
    assert s.close == (3006, m.close_reason(error))
    # No Termination after an error.
    d.text('{"type":"Terminate"}')
    d.frames(3)
    assert d.types()[-1] == "Error"


def test_long_error_text_uses_literal_close_reason():
    s = make_session()
    d = Driver(s).text('{"type":"' + "B" * 150 + '"}')
    assert d.messages[0]["error"] == "Invalid Message Type: " + "B" * 150
    assert s.close == (3006, "See Error message for details")


def test_oversized_chunk_is_3007():
    s = make_session()
    d = Driver(s)
    d.audio(bytes(32000))  # exactly 1000 ms: fine
    assert s.close is None
    d.audio(bytes(38400))  # 1200 ms
    text = "Input Duration Error: Input Duration Violation: 1200.0 ms. Expected between 50 and 1000 ms"
    assert d.messages == [{"type": "Error", "error_code": 3007, "error": text}]
    assert s.close == (3007, text)
    assert s.audio_seconds == pytest.approx(1.0)  # the rejected chunk is not counted


def test_oversized_chunk_mulaw_8k():
    s = make_session(encoding="pcm_mulaw", sample_rate=8000)
    d = Driver(s).audio(bytes(8001))
    assert d.messages[0]["error"] == (
        "Input Duration Error: Input Duration Violation: 1000.1 ms. Expected between 50 and 1000 ms"
    )


def test_short_chunks_lenient_by_default_strict_optional():
    s = make_session()
    d = Driver(s).audio(bytes(640))  # 20 ms
    assert s.close is None and d.messages == []
    s2 = make_session(settings=SessionSettings(strict_min_chunk=True))
    d2 = Driver(s2)
    d2.audio(bytes(1600))  # 50 ms is allowed
    assert s2.close is None
    d2.audio(bytes(640))
    text = "Input Duration Error: Input Duration Violation: 20.0 ms. Expected between 50 and 1000 ms"
    assert d2.messages == [{"type": "Error", "error_code": 3007, "error": text}]
    assert s2.close == (3007, text)


def test_engine_failure_on_final_is_3005():
    probs = pattern(("s", 10), ("v", 40))
    s = make_session(probs, include_partial_turns="false")
    d = Driver(s, auto=False).frames(50)
    d.text('{"type":"ForceEndpoint"}')
    (job,) = d.pending
    d.answer(job, fail=True)
    assert d.messages[-1] == {"type": "Error", "error_code": 3005, "error": "Session Cancelled: An error occurred"}
    assert s.close == (3005, "Session Cancelled: An error occurred")
    assert not s.busy


def test_engine_failure_on_candidate_is_3005():
    s = make_session(ONE_TURN, include_partial_turns="false")
    d = Driver(s, auto=False).frames(len(ONE_TURN))
    (job,) = d.pending
    d.answer(job, fail=True)
    assert d.types() == ["Error"] and s.close[0] == 3005


@pytest.mark.parametrize("how", ["fail", "none"])
def test_failed_partial_is_harmless(how):
    s = make_session(LONG_TURN)
    d = Driver(s, script=growing_script(), auto=False)
    d.frames(50)
    (job,) = d.pending
    assert d.pending[job].kind == "partial"
    d.answer(job, fail=(how == "fail"), none=(how == "none"))
    assert s.close is None and d.messages == []
    d.auto = True
    d.frames(len(LONG_TURN) - 50)
    assert s.close is None
    assert len([r for r in d.requests if r.kind == "partial"]) >= 2  # partials resume
    assert d.partials() and len(d.finals()) == 1


def test_late_and_unknown_results_are_ignored():
    s = make_session(ONE_TURN)
    d = Driver(s).frames(len(ONE_TURN))
    n = len(d.messages)
    s.receive_result(999, None, "RuntimeError")
    s.receive_result(1, d.result_for(d.requests[0]))  # already answered
    assert s.close is None and len(s.messages_to_send()) == 0 and len(d.messages) == n


def test_inactivity_and_expiry():
    s = make_session()
    s.receive_inactivity_timeout(30)
    assert s.messages_to_send() == [
        {"type": "Error", "error_code": 3006, "error": "Session terminated due to inactivity: No messages received for 30 seconds"}
    ]
    assert s.close[0] == 3006
    s2 = make_session()
    s2.expire()
    assert s2.messages_to_send()[0]["error_code"] == 3008
    assert s2.close == (3008, "Session Expired: Maximum session duration exceeded")
    s2.fail(3005, "again")  # only the first failure counts
    assert s2.messages_to_send() == [] and s2.close[0] == 3008


# ---------------------------------------------------------------------------------------------
# UpdateConfiguration
# ---------------------------------------------------------------------------------------------

TWO_TURNS = pattern(("s", 10), ("v", 30), ("s", 70), ("v", 30), ("s", 70))
TURN2_SPEECH_END = 10 + 30 + 70 + 30


@pytest.mark.parametrize(
    "update, text, pause1_ms, pause2_ms",
    [
        ({}, "Hello world.", 416, 416),
        ({"max_turn_silence": 640}, "hello and", 1280, 640),
        ({"max_turn_silence": "640"}, "hello and", 1280, 640),
        ({"min_turn_silence": 800}, "Hello world.", 416, 800),
        ({"min_end_of_turn_silence_when_confident": 160}, "Hello world.", 416, 160),
        ({"end_of_turn_confidence_threshold": 1}, "Hello world.", 416, 1280),
        ({"end_of_turn_confidence_threshold": 0}, "hello and", 1280, 416),
        ({"vad_threshold": 0.99}, "Hello world.", 416, None),  # 0.98 is no longer speech
        ({"sample_rate": 8000, "unknown_field": 1, "format_turns": None}, "Hello world.", 416, 416),
    ],
)
def test_update_configuration_applies_to_later_turns(update, text, pause1_ms, pause2_ms):
    s = make_session(TWO_TURNS, include_partial_turns="false")
    d = Driver(s, script=lambda r: text)
    d.frames(40 + 50, per_chunk=1)  # through turn 1 and into the silence after it
    (f1,) = d.finals()
    assert (frame_of(d, f1) - 40) * 32 == -(-pause1_ms // 32) * 32
    d.text(json.dumps({"type": "UpdateConfiguration", **update}))
    assert s.close is None
    d.frames(len(TWO_TURNS) - 90, per_chunk=1)
    finals = d.finals()
    if pause2_ms is None:
        assert len(finals) == 1
        return
    assert len(finals) == 2
    assert (frame_of(d, finals[1]) - TURN2_SPEECH_END) * 32 == -(-pause2_ms // 32) * 32


def test_update_format_turns_for_later_turn_and_current_turn():
    s = make_session(TWO_TURNS, include_partial_turns="false")
    d = Driver(s)
    d.frames(90)
    assert [f["turn_is_formatted"] for f in d.finals()] == [False]
    d.text('{"type":"UpdateConfiguration","format_turns":true}')
    d.frames(len(TWO_TURNS) - 90)
    assert [(f["turn_order"], f["turn_is_formatted"]) for f in d.finals()] == [(0, False), (1, False), (1, True)]
    # Switching off mid-turn also takes effect for the current turn (protocol §6.3 REC).
    s2 = make_session(TWO_TURNS, include_partial_turns="false", format_turns="true")
    d2 = Driver(s2)
    d2.frames(25)  # in turn 1
    d2.text('{"type":"UpdateConfiguration","format_turns":false}')
    d2.frames(len(TWO_TURNS) - 25)
    assert [f["turn_is_formatted"] for f in d2.finals()] == [False, False]


@pytest.mark.parametrize(
    "fields, error",
    [
        (
            {"max_turn_silence": "abc"},
            "User Input Validation Error: Invalid 'max_turn_silence': "
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        (
            {"end_of_turn_confidence_threshold": 2},
            "User Input Validation Error: Invalid 'end_of_turn_confidence_threshold': "
            "Input should be less than or equal to 1",
        ),
        ({"format_turns": "maybe"}, "User Input Validation Error: Invalid 'format_turns': "
         "Input should be a valid boolean, unable to interpret input"),
    ],
)
def test_update_configuration_bad_value_is_3006(fields, error):
    s = make_session(ONE_TURN)
    d = Driver(s).frames(20)
    d.text(json.dumps({"type": "UpdateConfiguration", **fields}))
    assert d.messages[-1] == {"type": "Error", "error_code": 3006, "error": error}
    assert s.close == (3006, m.close_reason(error))
    n = len(d.messages)
    d.frames(len(ONE_TURN) - 20)
    assert len(d.messages) == n


def test_update_keyterms_reach_requests_but_the_prompt_does_not():
    """AssemblyAI's ``prompt`` is an instruction to its model; Whisper would read it as transcript."""
    s = make_session(TWO_TURNS, include_partial_turns="false", keyterms_prompt='["alpha"]')
    d = Driver(s).frames(90)
    assert d.requests[0].keyterms == ("alpha",)
    d.text('{"type":"UpdateConfiguration","keyterms_prompt":["bravo","charlie"],"prompt":"Be brief."}')
    d.frames(len(TWO_TURNS) - 90)
    assert d.requests[-1].keyterms == ("bravo", "charlie") and d.requests[-1].prompt is None


# ---------------------------------------------------------------------------------------------
# Audio formats and chunking
# ---------------------------------------------------------------------------------------------


def _run_bytes(data: bytes, chunk: int, probs=None, script=None, **kw) -> Driver:
    s = make_session(probs, **kw)
    d = Driver(s, script=script or growing_script())
    d.audio(data, chunk)
    d.text('{"type":"Terminate"}')
    assert s.close == (1000, "Session Ended")
    return d


DET = pattern(
    ("s", 10), ("v", 40), ("s", 8), ("v", 30), ("s", 50), ("v", 120), ("s", 60), ("v", 20), ("s", 60)
)


@pytest.mark.parametrize("chunk", [1601, 1599, 3333, 1024])
def test_chunking_does_not_change_anything(chunk):
    data = zeros_bytes(len(DET))
    ref = _run_bytes(data, 1600, DET)
    got = _run_bytes(data, chunk, DET)
    assert got.messages == ref.messages
    assert [(r.kind, r.offset_ms, r.duration_ms) for r in got.requests] == [
        (r.kind, r.offset_ms, r.duration_ms) for r in ref.requests
    ]


def test_50ms_vs_1000ms_chunks_same_turns():
    data = zeros_bytes(len(DET))
    a = _run_bytes(data, 1600, DET)  # 50 ms
    b = _run_bytes(data, 32000, DET)  # 1000 ms
    sdk_check(a.messages)
    sdk_check(b.messages)
    # Turn boundaries and every final are identical...
    assert a.finals() == b.finals()
    assert len(a.finals()) == 3  # the 256 ms pause does not split the first turn
    assert [(r.kind, r.offset_ms, r.duration_ms) for r in a.requests] == [
        (r.kind, r.offset_ms, r.duration_ms) for r in b.requests
    ]
    assert a.messages[-1] == b.messages[-1]  # Termination
    # ...and with slower answers only candidate-as-partial messages can be missing.
    it = iter(a.messages)
    assert all(any(x == y for y in it) for x in b.messages)  # b is a subsequence of a


def _sine_session_audio(rate: int, encoding: str) -> bytes:
    pieces = [silence(500, rate), sine(1000, rate), silence(1500, rate)]
    x = np.concatenate(pieces)
    return s16le(x) if encoding == "pcm_s16le" else mulaw_encode(x)


@pytest.mark.parametrize(
    "rate, encoding, chunk, odd",
    [
        (16000, "pcm_s16le", 1600, False),
        (16000, "pcm_s16le", 1601, True),
        (8000, "pcm_s16le", 800, False),
        (8000, "pcm_s16le", 803, True),
        (8000, "pcm_mulaw", 400, False),
        (16000, "pcm_mulaw", 800, False),
        (48000, "pcm_s16le", 4800, False),
    ],
)
def test_energy_vad_formats(rate, encoding, chunk, odd):
    data = _sine_session_audio(rate, encoding)
    s = make_session(vad=EnergyVadStream(), sample_rate=rate, encoding=encoding, include_partial_turns="false")
    d = Driver(s, script=lambda r: "Hello world.")
    d.audio(data, chunk)
    d.text('{"type":"Terminate"}')
    sdk_check(d.messages)
    assert d.types() == ["Turn", "Termination"]
    (final,) = d.finals()
    (req,) = d.requests
    # Speech is 500..1500 ms; the decode starts within the pre-roll before it.
    assert 500 - 300 - 64 <= req.offset_ms <= 500
    assert 1500 < req.offset_ms + req.duration_ms < 1500 + 400
    assert final["words"][0]["start"] == req.offset_ms
    # 3 s of client audio, counted at the client's rate.
    assert d.messages[-1]["audio_duration_seconds"] == 3
    assert s.audio_seconds == pytest.approx(3.0)


def test_audio_duration_counts_client_rate_samples():
    for rate, enc, n_bytes, secs in [
        (8000, "pcm_s16le", 2 * 8000 * 2 + 8000, 2.5),
        (8000, "pcm_mulaw", 8000 * 2 + 4000, 2.5),
        (16000, "pcm_mulaw", 16000 * 3 + 8000, 3.5),
        (16000, "pcm_s16le", 32000 * 2 + 1, 2.0),  # a dangling odd byte is not a sample
    ]:
        s = make_session(sample_rate=rate, encoding=enc)
        d = Driver(s)
        step = n_bytes // 5
        d.audio(bytes(n_bytes), step + 1)
        assert s.audio_seconds == pytest.approx(secs), (rate, enc)
        d.text('{"type":"Terminate"}')
        assert d.messages[-1]["audio_duration_seconds"] == round(secs)


# ---------------------------------------------------------------------------------------------
# Property test: arbitrary client behaviour never breaks the session
# ---------------------------------------------------------------------------------------------

_CONTROL = [
    '{"type":"ForceEndpoint"}',
    '{"type":"KeepAlive"}',
    '{"type":"UpdateConfiguration","max_turn_silence":800}',
    '{"type":"UpdateConfiguration","format_turns":true}',
    '{"type":"UpdateConfiguration","end_of_turn_confidence_threshold":0.9,"min_turn_silence":200}',
    '{"type":"UpdateConfiguration","vad_threshold":0.5}',
]

_audio_op = st.tuples(st.just("audio"), st.integers(1600, 32000), st.floats(0, 1))
_op = st.one_of(
    _audio_op,
    _audio_op,
    _audio_op,
    st.tuples(st.just("text"), st.sampled_from(_CONTROL), st.just(0.0)),
    st.tuples(st.just("answer"), st.integers(0, 3), st.floats(0, 1)),
)

_PARAMS = [
    {},
    {"format_turns": "true"},
    {"speech_model": "u3-rt-pro"},
    {"redact_pii": "true"},
    {"sample_rate": "8000", "encoding": "pcm_mulaw"},
    {"end_of_turn_confidence_threshold": "0", "min_turn_silence": "0"},
]


class ValueVad:
    """VAD from content: probability = mean |sample| scaled (deterministic, content-driven)."""

    frame_samples = FRAME

    def process(self, frames):
        frames = np.asarray(frames).reshape(-1, FRAME)
        return np.clip(np.abs(frames).mean(axis=1) * 4, 0, 1).astype(np.float32)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    param_idx=st.integers(0, len(_PARAMS) - 1),
    ops=st.lists(_op, min_size=8, max_size=40),
    fail_partials=st.booleans(),
    fail_finals=st.booleans(),
    auto=st.booleans(),
    rnd=st.randoms(use_true_random=False),
)
def test_random_client_behaviour_never_breaks(param_idx, ops, fail_partials, fail_finals, auto, rnd):
    """Random audio (valid sizes, odd byte counts), control messages and decode answers in any
    order (``auto``: the engine answers at once; otherwise only at ``answer`` steps)."""
    kw = _PARAMS[param_idx]
    redactor = MaskingRedactor() if kw.get("redact_pii") == "true" else None
    s = make_session(vad=ValueVad(), settings=SessionSettings(max_turn_ms=3000), redactor=redactor, **kw)
    words = SENTENCE
    d = Driver(s, script=lambda r: " ".join(words[: 1 + r.duration_ms // 400]) + rnd.choice([".", "", ",", "?"]), auto=auto)
    engine_broke = False
    bps = 1 if kw.get("encoding") == "pcm_mulaw" else 2
    rate = int(kw.get("sample_rate", 16000))
    for kind, a, b in ops:
        if kind == "audio":
            n = a * bps * rate // 32000  # a is a 16 kHz s16le byte count: scale to 50..1000 ms
            level = b if b > 0.3 else 0.0
            if bps == 1:
                data = bytes([0xFF if level == 0 else rnd.choice([0x20, 0xA0])]) * n
            else:
                samples = np.full(n // 2, level * 0.5, dtype=np.float32) * np.sign(rnd.random() - 0.5)
                data = s16le(samples) + (b"\x00" if n % 2 else b"")
            d.audio(data)
        elif kind == "text":
            d.text(a)
        else:
            for job in list(d.pending)[:a]:
                req = d.pending[job]
                if req.kind == "partial" and fail_partials and b < 0.5:
                    d.answer(job, fail=True)
                elif req.kind == "final" and fail_finals and b < 0.1:
                    engine_broke = engine_broke or not s.closed
                    d.answer(job, fail=True)
                else:
                    d.answer(job)
        assert all(isinstance(x, dict) and "type" in x for x in d.messages)
    d.text('{"type":"Terminate"}')
    for _ in range(100):
        if not d.pending:
            break
        d.answer_all()
    assert not d.pending
    assert s.closed
    sdk_check(d.messages)
    if engine_broke:
        assert s.close == (3005, "Session Cancelled: An error occurred")
        assert d.types()[-1] == "Error" and "Termination" not in d.types()
        return
    assert s.close == (1000, "Session Ended")
    assert d.types()[-1] == "Termination" and d.types().count("Termination") == 1
    assert "Error" not in d.types()
    # Turn invariants: turn_order never decreases; at most one unformatted final per turn.
    orders = [t["turn_order"] for t in d.turns()]
    assert orders == sorted(orders)
    raw_finals = [t["turn_order"] for t in d.finals() if not t["turn_is_formatted"] or s.params.is_u3]
    assert raw_finals == list(range(len(raw_finals)))


def test_redact_pii_without_a_redactor_is_refused_at_construction():
    with pytest.raises(ValueError):
        make_session(ONE_TURN, redact_pii="true")


# A pause of 10 frames (320 ms: long enough for a candidate, too short to end the turn), then more speech.
PAUSE_THEN_MORE = pattern(("s", 10), ("v", 30), ("s", 10), ("v", 30), ("s", 70))


def test_a_candidate_overtaken_by_speech_is_no_longer_wanted_and_skipping_it_is_harmless():
    s = make_session(PAUSE_THEN_MORE, include_partial_turns="false")
    d = Driver(s, auto=False).frames(10 + 30 + 10)
    (first,) = d.pending.values()
    assert s.wants(first.job_id)
    d.frames(10)  # speech resumed: the candidate is stale
    assert not s.wants(first.job_id)
    d.answer(first.job_id, none=True)  # what the scheduler reports for skipped work
    assert s.close is None
    d.auto = True
    d.frames(len(PAUSE_THEN_MORE) - 60)
    d.text('{"type":"Terminate"}')
    assert len(d.finals()) == 1 and s.close == (1000, "Session Ended")


def test_with_partials_a_stale_candidate_is_still_wanted_as_a_partial():
    s = make_session(PAUSE_THEN_MORE, include_partial_turns="true")
    d = Driver(s, auto=False).frames(10 + 30 + 10)
    candidate = next(r for r in d.pending.values() if r.kind == "final")
    d.frames(10)
    assert s.wants(candidate.job_id)


def test_backlog_counts_audio_waiting_behind_a_pending_decision():
    s = make_session(TWO_TURNS, include_partial_turns="false")
    d = Driver(s, auto=False).frames(len(TWO_TURNS))
    assert d.pending  # the first turn's decision waits for its candidate
    assert s.backlog_ms > 0
    d.auto = True
    d.settle()
    d.text('{"type":"Terminate"}')
    assert s.backlog_ms == 0 and s.close == (1000, "Session Ended")


def test_a_candidate_shown_as_a_partial_restarts_the_partial_cadence():
    """Cheaper partials: the speculative decode of a pause doubles as the partial, so the next
    partial decode comes a full ``partial_interval_ms`` of audio after it, not at the old cadence."""
    # 700 ms of speech, a 224 ms pause (candidate at 160 ms, shown as a partial), 900 ms of speech.
    probs = pattern(("s", 10), ("v", 22), ("s", 7), ("v", 28), ("s", 60))
    s = make_session(probs)
    d = Driver(s, script=growing_script()).frames(len(probs))
    partial_reqs = [r for r in d.requests if r.kind == "partial"]
    cands = [r for r in d.requests if r.kind == "final"]
    first_cand_end = cands[0].offset_ms + cands[0].duration_ms
    assert s.speculative["partial"] == 1 and len(d.partials()) >= 1
    # Without the restart a partial would be due 1000 ms after the turn start (at 1000 ms of turn audio,
    # ~0.6 s into the second run of speech); with it, none before first_cand_end + 1000 ms.
    assert all(r.offset_ms + r.duration_ms >= first_cand_end + 1000 for r in partial_reqs)

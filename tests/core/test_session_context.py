"""What a decode request carries from the session (issue 13): the VAD's speech spans of its audio, and the
session's context (previous finals, agent_context) -- never the key terms as context."""

from __future__ import annotations

import json

from hushscribe.core.session import SessionSettings

from .conftest import Driver, make_session, pattern

# Two turns: speech frames 16..47 and 80..111 (32 ms each), silence around them.
TWO_TURNS = pattern(("s", 16), ("v", 32), ("s", 32), ("v", 32), ("s", 60))


def _finals_requests(d: Driver):
    return [r for r in d.requests if r.kind == "final"]


def test_requests_carry_the_vad_speech_spans_of_their_audio():
    s = make_session(TWO_TURNS, include_partial_turns="false")
    d = Driver(s).frames(len(TWO_TURNS))
    first, second = _finals_requests(d)[:2]
    for req, speech_start_frame in ((first, 16), (second, 80)):
        assert req.speech_ms is not None and len(req.speech_ms) == 1
        (a, b) = req.speech_ms[0]
        # Times from the request's audio start: the pre-roll before the onset is not speech.
        assert a + req.offset_ms == speech_start_frame * 32
        assert b + req.offset_ms == (speech_start_frame + 32) * 32
        assert b <= req.duration_ms


def test_speech_spans_can_be_left_out():
    s = make_session(TWO_TURNS, include_partial_turns="false", settings=SessionSettings(speech_spans=False))
    d = Driver(s).frames(len(TWO_TURNS))
    assert all(r.speech_ms is None for r in d.requests)


WITH_CONTEXT = SessionSettings(context_turns=3)


def test_each_turn_is_decoded_with_the_previous_finals_as_context():
    s = make_session(TWO_TURNS, include_partial_turns="false", keyterms_prompt=json.dumps(["Xarelto"]),
                     settings=WITH_CONTEXT)
    texts = iter(["My number is 771.", "90 551."])
    d = Driver(s, script=lambda req: "")
    d.script = lambda req: next(texts) if req.context is None or "771" in req.context else "?"
    d.frames(len(TWO_TURNS))
    first, second = _finals_requests(d)[:2]
    assert first.context is None  # nothing came before: never the key terms alone
    assert second.context == "My number is 771."
    assert all("Xarelto" not in (r.context or "") for r in d.requests)
    assert [f["transcript"] for f in d.finals()] == ["my number is seven hundred seventy one", "ninety five hundred fifty one"]


def test_agent_context_comes_first_and_updates_follow_the_finals():
    s = make_session(TWO_TURNS, include_partial_turns="false", agent_context="What is your account number?",
                     settings=WITH_CONTEXT)
    d = Driver(s, script=lambda req: "It is 771.")
    d.frames(48 + 20)
    assert _finals_requests(d)[0].context == "What is your account number?"
    d.text(json.dumps({"type": "UpdateConfiguration", "agent_context": "And the rest?"}))
    d.frames(len(TWO_TURNS) - 68)
    second = _finals_requests(d)[1]
    assert second.context == "What is your account number? It is 771. And the rest?"


def test_context_is_bounded_and_can_be_turned_off():
    long = "word " * 300
    s = make_session(TWO_TURNS, include_partial_turns="false", settings=SessionSettings(context_turns=3, context_chars=50))
    d = Driver(s, script=lambda req: long.strip() + ".")
    d.frames(len(TWO_TURNS))
    second = _finals_requests(d)[1]
    assert second.context is not None and len(second.context) <= 50 and second.context.endswith("word.")
    # Off by default (measured to cost WER on the calls): each turn decoded alone.
    for settings in (SessionSettings(context_turns=0), SessionSettings()):
        s = make_session(TWO_TURNS, include_partial_turns="false", settings=settings, agent_context="Hi.")
        d = Driver(s, script=lambda req: "Hello.").frames(len(TWO_TURNS))
        assert all(r.context is None for r in d.requests)

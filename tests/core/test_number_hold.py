"""Number hold (issue 13): with redact_pii, a turn whose speculative decode ends in a number is not ended by a
short silence, so digits dictated in groups stay one turn and are redacted as one."""

from __future__ import annotations

from hushscribe.core.session import SessionSettings
from hushscribe.core.turns import EndTurn, RequestDecode, TurnConfig, TurnMachine

from .conftest import Driver, make_session, pattern

U3_100 = {"speech_model": "u3-rt-pro", "min_turn_silence": 100, "max_turn_silence": 100}
# 0.5 s of speech, a 288 ms pause, 0.6 s of speech, then silence.
GROUPS = pattern(("s", 16), ("v", 16), ("s", 9), ("v", 19), ("s", 40))


def _feed(m: TurnMachine, probs, t0: int = 0, on_candidate=None):
    acts, t = [], t0
    for p in probs:
        t += 32
        new = m.on_frame(p, t)
        acts += new
        for a in new:
            if isinstance(a, RequestDecode) and a.kind == "candidate" and on_candidate is not None:
                acts += on_candidate(m, a, t)
    return acts, t


def test_a_candidate_ending_in_a_number_waits_for_the_hold_then_ends_the_turn():
    m = TurnMachine(TurnConfig(min_turn_silence_ms=100, max_turn_silence_ms=100, number_hold_ms=600,
                               end_of_turn_confidence_threshold=0.5))
    acts, t = _feed(m, [0.99] * 10)
    acts, t = _feed(m, [0.01] * 10, t, lambda m, a, t: m.on_candidate(a.decode_id, 1.0, t, ends_in_number=True))
    assert not any(isinstance(a, EndTurn) for a in acts)  # 320 ms of silence < 600 ms
    acts, t = _feed(m, [0.01] * 10, t)
    ends = [a for a in acts if isinstance(a, EndTurn)]
    assert len(ends) == 1 and ends[0].reason == "acoustic"


def test_without_a_number_or_without_the_hold_the_short_silence_ends_the_turn():
    for hold, number in ((600, False), (0, True)):
        m = TurnMachine(TurnConfig(min_turn_silence_ms=100, max_turn_silence_ms=100, number_hold_ms=hold,
                                   end_of_turn_confidence_threshold=0.5))
        _feed(m, [0.99] * 10)
        acts, _ = _feed(m, [0.01] * 6, 320,
                        lambda m, a, t, n=number: m.on_candidate(a.decode_id, 1.0, t, ends_in_number=n))
        assert any(isinstance(a, EndTurn) for a in acts), (hold, number)


def test_force_endpoint_ends_a_held_turn_at_once():
    m = TurnMachine(TurnConfig(min_turn_silence_ms=100, max_turn_silence_ms=100, number_hold_ms=600))
    _feed(m, [0.99] * 10)
    _feed(m, [0.01] * 6, 320, lambda m, a, t: m.on_candidate(a.decode_id, 1.0, t, ends_in_number=True))
    assert m.in_turn
    assert any(isinstance(a, EndTurn) for a in m.force_end(600))


class _Keep:
    def redact(self, ws, policies, sub):
        return list(ws)


def _script(req):
    # The first group alone while only it was heard, both groups once the turn has both.
    return "My number is 771." if req.duration_ms < 1200 else "My number is 771 90 551."


def test_digits_dictated_in_groups_are_one_turn_with_redact_pii_and_two_without():
    s = make_session(GROUPS, include_partial_turns="false", redact_pii="true", redactor=_Keep(), **U3_100)
    d = Driver(s, script=_script).frames(len(GROUPS))
    assert [f["transcript"] for f in d.finals()] == ["My number is 771 90 551."]
    s = make_session(GROUPS, include_partial_turns="false", **U3_100)
    d = Driver(s, script=_script).frames(len(GROUPS))
    assert len(d.finals()) == 2


def test_the_hold_can_be_turned_off():
    s = make_session(GROUPS, include_partial_turns="false", redact_pii="true", redactor=_Keep(),
                     settings=SessionSettings(vad_hangover_ms=0, left_context_ms=0, number_hold_ms=0), **U3_100)
    d = Driver(s, script=_script).frames(len(GROUPS))
    assert len(d.finals()) == 2

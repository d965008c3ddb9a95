"""TurnMachine: the pure end-of-turn state machine, driven in audio time with synthetic VAD
probabilities (one per 32 ms frame) and candidate hypotheses."""

from __future__ import annotations

import pytest

from hushscribe.core.turns import (
    FRAME_MS,
    DiscardTurn,
    EndTurn,
    RequestDecode,
    StartTurn,
    TurnConfig,
    TurnMachine,
)

SP = 0.9  # speech
SI = 0.05  # silence


class Sim:
    """Feeds frames to a TurnMachine keeping the frame clock (frame i ends at (i+1)*32 ms)."""

    def __init__(self, **cfg):
        cfg.setdefault("vad_hangover_ms", 0)  # timing tables below count raw VAD silence
        self.m = TurnMachine(TurnConfig(**cfg))
        self.i = 0
        self.log: list[tuple[int, object]] = []  # (end_ms, action)

    @property
    def now(self) -> int:
        return self.i * FRAME_MS

    def frame(self, p: float) -> list:
        self.i += 1
        acts = self.m.on_frame(p, self.now)
        self.log += [(self.now, a) for a in acts]
        return acts

    def frames(self, p: float, n: int) -> list:
        out = []
        for _ in range(n):
            out += self.frame(p)
        return out

    def until(self, p: float, pred, limit: int = 500) -> list:
        """Feed ``p`` frames until ``pred(actions)`` or the machine holds; returns all actions."""
        out: list = []
        for _ in range(limit):
            if self.m.holding:
                return out
            acts = self.frame(p)
            out += acts
            if pred(acts):
                return out
        raise AssertionError("condition never met")

    def candidate(self, acts) -> RequestDecode:
        reqs = [a for a in acts if isinstance(a, RequestDecode) and a.kind == "candidate"]
        assert len(reqs) == 1, acts
        return reqs[0]

    def start_turn(self, speech_frames: int = 10) -> None:
        self.frames(SI, 3)
        acts = self.frames(SP, speech_frames)
        assert any(isinstance(a, StartTurn) for a in acts)


def of(acts, cls):
    return [a for a in acts if isinstance(a, cls)]


# ---------------------------------------------------------------------------------------------
# Config basics
# ---------------------------------------------------------------------------------------------


def test_defaults_and_release_threshold():
    c = TurnConfig()
    assert FRAME_MS == 32
    assert (c.vad_threshold, c.min_turn_silence_ms, c.max_turn_silence_ms) == (0.4, 400, 1280)
    assert c.end_of_turn_confidence_threshold == 0.4
    assert c.release_threshold == pytest.approx(0.25)
    assert TurnConfig(vad_threshold=0.1).release_threshold == 0.01  # floor
    c2 = c.with_updates(max_turn_silence_ms=2000)
    assert c2.max_turn_silence_ms == 2000 and c.max_turn_silence_ms == 1280


# ---------------------------------------------------------------------------------------------
# Speech onset
# ---------------------------------------------------------------------------------------------


def test_onset_needs_two_frames():
    s = Sim()
    s.frames(SI, 5)
    assert s.frame(SP) == []
    assert not s.m.in_turn
    acts = s.frame(SP)
    assert acts == [StartTurn(start_ms=5 * FRAME_MS, confidence=SP)]
    assert s.m.in_turn and s.m.state == "speech"


def test_onset_confidence_is_max_of_onset_frames():
    s = Sim()
    s.frame(0.95)
    (start,) = s.frame(0.6)
    assert start == StartTurn(0, 0.95)


@pytest.mark.parametrize(
    "probs, starts",
    [
        ([SP, SI, SP, SI, SP, SI], False),  # isolated blips never start a turn
        ([SP, SI, SP, SP], True),  # the run restarts after a silent frame
        ([0.39, 0.39, 0.39], False),  # just below vad_threshold
        ([0.4, 0.4], True),  # exactly at vad_threshold counts
        ([0.3, SP, 0.3, SP], False),  # between release and threshold: not speech in idle
    ],
)
def test_onset_table(probs, starts):
    s = Sim()
    acts = []
    for p in probs:
        acts += s.frame(p)
    assert bool(of(acts, StartTurn)) is starts
    assert s.m.in_turn is starts


def test_onset_frames_configurable():
    s = Sim(speech_onset_frames=3)
    assert s.frames(SP, 2) == []
    assert of(s.frame(SP), StartTurn) == [StartTurn(0, SP)]


# ---------------------------------------------------------------------------------------------
# Pauses, candidates, semantic and acoustic ends
# ---------------------------------------------------------------------------------------------


def test_short_pause_does_not_end_turn():
    s = Sim()
    s.start_turn()
    # 10 frames = 320 ms < 400 ms of pause; the candidate (at 160 ms) comes back confident.
    acts = s.frames(SI, 5)
    cand = s.candidate(acts)
    assert s.m.on_candidate(cand.decode_id, 0.99, s.now) == []  # pause 160 < min silence
    acts = s.frames(SI, 7)  # pause 384 ms
    assert of(acts, EndTurn) == [] and s.m.in_turn
    acts = s.frames(SP, 5)
    assert acts == [] and s.m.state == "speech"


def test_candidate_requested_after_candidate_delay():
    s = Sim()
    s.start_turn()
    speech_end = s.now
    for k in range(1, 5):  # 32..128 ms of pause: nothing yet
        assert s.frame(SI) == [], k
    acts = s.frame(SI)  # 160 ms
    assert acts == [RequestDecode(acts[0].decode_id, speech_end + 160, "candidate")]
    assert s.m.candidate_id == acts[0].decode_id
    # Exactly one candidate per pause.
    assert of(s.frames(SI, 3), RequestDecode) == []


@pytest.mark.parametrize(
    "delay, min_silence, expected_pause_ms",
    [(160, 400, 160), (96, 400, 96), (160, 100, 128), (0, 400, 32)],
)
def test_candidate_delay_capped_by_min_silence(delay, min_silence, expected_pause_ms):
    s = Sim(candidate_delay_ms=delay, min_turn_silence_ms=min_silence)
    s.start_turn()
    speech_end = s.now
    acts = s.until(SI, lambda a: bool(of(a, RequestDecode)))
    (req,) = of(acts, RequestDecode)
    assert req.upto_ms - speech_end == expected_pause_ms


def _pause_to_candidate(s: Sim) -> RequestDecode:
    return s.candidate(s.until(SI, lambda a: bool(of(a, RequestDecode))))


@pytest.mark.parametrize(
    "threshold, conf, reason, pause_ms",
    [
        (0.4, 0.9, "semantic", 416),  # confident: end at the first frame >= 400 ms
        (0.4, 0.41, "semantic", 416),
        (0.4, 0.4, "acoustic", 1280),  # not strictly above the threshold
        (0.4, 0.1, "acoustic", 1280),
        (0.0, 0.0, "semantic", 416),  # threshold 0: always at min silence
        (1.0, 1.0, "acoustic", 1280),  # threshold 1: only acoustic
        (0.7, 0.9, "semantic", 416),
        (0.7, 0.5, "acoustic", 1280),
    ],
)
def test_end_decision_table(threshold, conf, reason, pause_ms):
    s = Sim(end_of_turn_confidence_threshold=threshold)
    s.start_turn()
    speech_end = s.now
    cand = _pause_to_candidate(s)
    assert s.m.on_candidate(cand.decode_id, conf, s.now) == []  # 160 ms < min silence
    acts = s.until(SI, lambda a: bool(of(a, EndTurn)))
    assert acts[-1] == EndTurn(cand.decode_id, speech_end + pause_ms, reason)
    # Ending reuses the candidate: no second decode.
    assert of(acts, RequestDecode) == []
    assert not s.m.in_turn and s.m.candidate_id is None


def test_holding_until_candidate_arrives_then_semantic_end():
    s = Sim()
    s.start_turn()
    speech_end = s.now
    cand = _pause_to_candidate(s)
    acts = s.until(SI, lambda a: bool(a))
    assert acts == []
    assert s.m.holding  # >= 400 ms of pause, hypothesis missing: frames are not fed
    assert s.now - speech_end == 416
    assert s.m.in_turn
    # The hypothesis arrives: the decision is taken at the frame where the machine held.
    acts = s.m.on_candidate(cand.decode_id, 0.9, s.now)
    assert acts == [EndTurn(cand.decode_id, speech_end + 416, "semantic")]
    assert not s.m.holding and not s.m.in_turn


def test_holding_then_low_confidence_goes_on_to_acoustic_end():
    s = Sim()
    s.start_turn()
    speech_end = s.now
    cand = _pause_to_candidate(s)
    s.until(SI, lambda a: bool(a))
    assert s.m.holding
    assert s.m.on_candidate(cand.decode_id, 0.1, s.now) == []
    assert not s.m.holding and s.m.in_turn
    acts = s.until(SI, lambda a: bool(of(a, EndTurn)))
    assert acts == [EndTurn(cand.decode_id, speech_end + 1280, "acoustic")]


def test_holding_is_false_before_min_silence_and_in_speech():
    s = Sim()
    assert not s.m.holding
    s.start_turn()
    assert not s.m.holding
    _pause_to_candidate(s)
    assert not s.m.holding  # 160 ms: below min silence, keep feeding
    s.frames(SI, 7)  # 384 ms
    assert not s.m.holding
    s.frame(SI)  # 416 ms
    assert s.m.holding


def test_speech_resuming_discards_candidate():
    s = Sim()
    s.start_turn()
    old = _pause_to_candidate(s)
    assert s.frame(SP) == []
    assert s.m.state == "speech" and s.m.candidate_id is None
    # The stale hypothesis is ignored, even when confident.
    assert s.m.on_candidate(old.decode_id, 0.99, s.now) == []
    s.frames(SP, 3)
    speech_end = s.now
    new = _pause_to_candidate(s)
    assert new.decode_id != old.decode_id
    assert s.m.on_candidate(old.decode_id, 0.99, s.now) == []  # still stale
    s.until(SI, lambda a: bool(a))
    assert s.m.holding
    acts = s.m.on_candidate(new.decode_id, 0.99, s.now)
    assert acts == [EndTurn(new.decode_id, speech_end + 416, "semantic")]


def test_on_candidate_when_idle_is_ignored():
    s = Sim()
    assert s.m.on_candidate(1, 0.99, 0) == []
    assert s.m.on_candidate(None, 0.99, 0) == []  # type: ignore[arg-type]


def test_release_hysteresis():
    s = Sim()  # vad 0.4, release 0.25
    s.start_turn()
    # Between release and threshold: speech stays speech for the turn rules (no pause, no end) ...
    acts = s.frames(0.3, 20)
    assert s.m.state == "speech" and s.m.pause_ms == 0 and not of(acts, EndTurn)
    # ... but it is quiet: the speculative decode came after 160 ms of it, once.
    assert [(a.kind, a.upto_ms) for a in of(acts, RequestDecode)] == [("candidate", s.now - 15 * FRAME_MS)]
    # Below release: pause; the candidate of the quiet before it stays current.
    cand = s.m.candidate_id
    s.frame(0.2)
    assert s.m.state == "pause" and s.m.candidate_id == cand
    # Between release and threshold in a pause: still a pause (pause time keeps running).
    pause_before = s.m.pause_ms
    acts = s.frames(0.3, 4)
    assert s.m.state == "pause"
    assert s.m.pause_ms == pause_before + 4 * FRAME_MS
    assert not of(acts, RequestDecode)  # one candidate per quiet stretch
    # At the threshold: speech again, and the candidate is stale.
    s.frame(0.4)
    assert s.m.state == "speech" and s.m.candidate_id is None


def test_quiet_below_threshold_starts_the_speculative_decode_before_the_pause():
    """A ForceEndpoint often comes while Silero is still between release and threshold (a soft
    ending): the speculative decode started on that quiet is the final, no fresh decode needed."""
    s = Sim()
    s.start_turn()
    acts = s.frames(0.35, 5)  # 160 ms below the threshold, above release: still "speech"
    (cand,) = of(acts, RequestDecode)
    assert cand.kind == "candidate" and s.m.state == "speech"
    assert s.m.on_candidate(cand.decode_id, 0.99, s.now) == []  # no pause yet: no semantic end
    s.frames(0.35, 2)
    acts = s.m.force_end(s.now)
    assert acts == [EndTurn(cand.decode_id, s.now, "forced")]  # the candidate, no second decode


def test_speech_after_quiet_makes_the_early_candidate_stale():
    s = Sim()
    s.start_turn()
    (cand,) = of(s.frames(0.35, 5), RequestDecode)
    s.frame(SP)
    assert s.m.candidate_id is None
    assert s.m.on_candidate(cand.decode_id, 0.99, s.now) == []
    acts = s.m.force_end(s.now)
    assert [type(a) for a in acts] == [RequestDecode, EndTurn] and acts[0].kind == "final"


def test_a_confident_early_candidate_ends_the_turn_at_min_silence():
    s = Sim(min_turn_silence_ms=400)
    s.start_turn()
    (cand,) = of(s.frames(0.35, 5), RequestDecode)
    assert s.m.on_candidate(cand.decode_id, 0.99, s.now) == []
    acts = s.until(SI, lambda a: bool(of(a, EndTurn)))
    (end,) = of(acts, EndTurn)
    assert end.decode_id == cand.decode_id and end.reason == "semantic"
    assert not of(acts, RequestDecode)  # no second decode


# ---------------------------------------------------------------------------------------------
# Max length, forced ends, too little speech
# ---------------------------------------------------------------------------------------------


def test_max_turn_ms_forces_end_with_fresh_final_decode():
    s = Sim(max_turn_ms=1000)
    s.frames(SI, 2)
    acts = s.frames(SP, 2)
    (start,) = of(acts, StartTurn)
    acts = s.until(SP, lambda a: bool(a))
    req, end = acts
    assert isinstance(req, RequestDecode) and req.kind == "final"
    assert end == EndTurn(req.decode_id, req.upto_ms, "max_length")
    assert req.upto_ms - start.start_ms >= 1000
    assert req.upto_ms - start.start_ms < 1000 + FRAME_MS
    assert not s.m.in_turn
    # Continuing speech starts the next turn after the onset frames.
    acts = s.frames(SP, 2)
    assert of(acts, StartTurn) == [StartTurn(req.upto_ms, SP)]


def test_force_end_with_no_turn_does_nothing():
    s = Sim()
    assert s.m.force_end(0) == []
    s.frames(SI, 5)
    assert s.m.force_end(s.now) == []
    # A half-finished onset is reset too.
    s.frame(SP)
    assert s.m.force_end(s.now) == []
    assert s.frame(SP) == []  # would have started a turn without the reset
    assert not s.m.in_turn


def test_force_end_in_speech_requests_final():
    s = Sim()
    s.start_turn()
    acts = s.m.force_end(s.now)
    req, end = acts
    assert req == RequestDecode(req.decode_id, s.now, "final")
    assert end == EndTurn(req.decode_id, s.now, "forced")
    assert not s.m.in_turn


def test_force_end_in_pause_with_candidate_reuses_it():
    s = Sim()
    s.start_turn()
    cand = _pause_to_candidate(s)
    s.frames(SI, 2)
    acts = s.m.force_end(s.now, "terminate")
    assert acts == [EndTurn(cand.decode_id, s.now, "terminate")]
    assert not s.m.in_turn


def test_force_end_in_pause_before_candidate_requests_final():
    s = Sim()
    s.start_turn()
    s.frames(SI, 2)  # 64 ms of pause: no candidate yet
    assert s.m.candidate_id is None
    req, end = s.m.force_end(s.now)
    assert req.kind == "final" and end == EndTurn(req.decode_id, s.now, "forced")


def test_force_end_while_holding_reuses_candidate():
    s = Sim()
    s.start_turn()
    cand = _pause_to_candidate(s)
    s.until(SI, lambda a: bool(a))
    assert s.m.holding
    assert s.m.force_end(s.now) == [EndTurn(cand.decode_id, s.now, "forced")]
    assert not s.m.holding


def test_too_little_speech_discards_on_force():
    s = Sim()  # min_speech_ms 96 = 3 frames; onset gives 64 ms
    s.frames(SP, 2)
    assert s.m.in_turn and s.m.speech_ms == 64
    assert s.m.force_end(s.now) == [DiscardTurn("too little speech")]
    assert not s.m.in_turn


def test_too_little_speech_discards_on_pause_end():
    s = Sim()
    s.frames(SP, 2)
    cand = _pause_to_candidate(s)
    s.until(SI, lambda a: bool(a))
    acts = s.m.on_candidate(cand.decode_id, 0.99, s.now)
    assert acts == [DiscardTurn("too little speech")]
    assert not s.m.in_turn


def test_enough_speech_is_kept():
    s = Sim()
    s.frames(SP, 3)  # 96 ms
    req, end = s.m.force_end(s.now)
    assert isinstance(end, EndTurn)


def test_decode_ids_are_unique_and_increasing():
    s = Sim()
    ids = []
    for _ in range(3):
        s.start_turn()
        cand = _pause_to_candidate(s)
        ids.append(cand.decode_id)
        s.until(SI, lambda a: bool(a))
        s.m.on_candidate(cand.decode_id, 0.9, s.now)
        s.start_turn()
        req, _ = s.m.force_end(s.now)
        ids.append(req.decode_id)
    assert ids == sorted(set(ids))


def test_turn_start_and_multiple_turns_in_audio_time():
    """The same frames give the same actions: a full trace over two turns."""

    def trace():
        s = Sim()
        s.frames(SI, 4)
        s.frames(SP, 10)
        cand = _pause_to_candidate(s)
        s.until(SI, lambda a: bool(a))
        s.log.append((s.now, "cand"))
        s.log += [(s.now, a) for a in s.m.on_candidate(cand.decode_id, 0.9, s.now)]
        s.frames(SI, 3)
        s.frames(SP, 6)
        s.log += [(s.now, a) for a in s.m.force_end(s.now)]
        return s.log

    t1, t2 = trace(), trace()
    assert t1 == t2
    acts = [a for _, a in t1 if a != "cand"]
    assert [type(a).__name__ for a in acts] == [
        "StartTurn",
        "RequestDecode",
        "EndTurn",
        "StartTurn",
        "RequestDecode",
        "EndTurn",
    ]
    assert acts[0] == StartTurn(4 * FRAME_MS, SP)
    assert acts[2].reason == "semantic" and acts[5].reason == "forced"


def test_vad_hangover_delays_the_silence_count():
    """With a 160 ms hangover, min_turn_silence=400 ends a confident turn after 560 ms of VAD silence."""
    m = TurnMachine(TurnConfig(vad_hangover_ms=160, candidate_delay_ms=160))
    t = 0
    for _ in range(20):
        t += FRAME_MS
        m.on_frame(0.9, t)
    candidate = None
    ended_at = None
    for _ in range(40):
        t += FRAME_MS
        for a in m.on_frame(0.0, t):
            if isinstance(a, RequestDecode):
                candidate = a.decode_id
                for b in m.on_candidate(candidate, 0.9, t):
                    if isinstance(b, EndTurn):
                        ended_at = t
            if isinstance(a, EndTurn):
                ended_at = t
        if ended_at:
            break
    assert candidate is not None
    silence_at_end = ended_at - 20 * FRAME_MS
    assert 400 + 160 <= silence_at_end < 400 + 160 + FRAME_MS


def test_deferred_candidates_wait_for_the_silence_that_could_end_the_turn():
    """Under load the shell sets defer_candidates: the pause is decoded only at min_turn_silence,
    so a short pause inside a turn costs no decode; the turn still ends on the same frame."""
    def run(defer: bool) -> list[tuple[int, object]]:
        m = TurnMachine(TurnConfig(min_turn_silence_ms=400, candidate_delay_ms=160, vad_hangover_ms=0))
        m.defer_candidates = defer
        t, events = 0, list[tuple[int, object]]()
        probs = [0.9] * 20 + [0.05] * 8 + [0.9] * 10 + [0.05] * 20  # a 256 ms pause, then the end
        for p in probs:
            t += 32
            for a in m.on_frame(p, t):
                events.append((t, a))
                if isinstance(a, RequestDecode):
                    events.extend((t, b) for b in m.on_candidate(a.decode_id, 0.9, t))
        return events

    eager, deferred = run(False), run(True)
    eager_decodes = [t for t, a in eager if isinstance(a, RequestDecode)]
    deferred_decodes = [t for t, a in deferred if isinstance(a, RequestDecode)]
    assert len(eager_decodes) == 2 and len(deferred_decodes) == 1  # the short pause cost a decode
    assert deferred_decodes[0] - (32 * 38) >= 400  # decoded only once 400 ms of silence had passed
    assert [t for t, a in eager if isinstance(a, EndTurn)] == [t for t, a in deferred if isinstance(a, EndTurn)]

"""The turn state machine: when does a turn start, and when has it ended?

Why a separate, pure module: end-of-turn is the heart of the latency/accuracy trade-off (protocol §6.5)
and must be testable with synthetic VAD probabilities and hypotheses, without audio or a model.

It runs in *audio time* (milliseconds of session audio), never wall time, so the same audio gives
the same turns whether a client streams in real time or as fast as it can. Inputs: one VAD
probability per frame, hypotheses of "candidate" decodes, and forced endpoints. Outputs: actions
(start a turn, decode the turn so far, end the turn with a given decode). While the machine cannot
decide without a pending hypothesis it reports :attr:`TurnMachine.holding`; the session then stops
feeding frames until the hypothesis arrives, which keeps decisions independent of decode speed.

Decision rule (Universal-Streaming semantics of protocol §6.5, U3 Pro of §6.4):
* A pause starts when VAD falls below ``vad_threshold - 0.15`` (hysteresis) after speech; its
  silence is counted after an optional VAD hangover (``vad_hangover_ms``, default 0).
* After ``candidate_delay_ms`` of quiet (VAD below ``vad_threshold``: the trailing silence, counted
  from its first frame even while the hysteresis still calls it speech), the turn so far is decoded
  once, speculatively ("candidate"), so that its final is ready when the turn ends -- a client's
  ForceEndpoint typically comes ~200 ms into that quiet, before the server's own pause is long; while
  :attr:`TurnMachine.defer_candidates` is set (the decode queue is backed up), only once the
  pause's silence reaches ``min_turn_silence_ms``. Speech at or above ``vad_threshold`` makes the
  candidate stale.
* Semantic end: silence >= ``min_turn_silence_ms`` and the candidate's end-of-turn confidence is
  above ``end_of_turn_confidence_threshold`` (threshold <= 0: always).
* Acoustic end: silence >= ``max_turn_silence_ms``.
* Both end the turn *with the candidate*: it covers all speech of the turn, so the final costs no
  second decode. If speech resumes first, the candidate is dropped (the session may show it as a
  partial).
* Number hold: a candidate that ends in a number (the session says so, for ``redact_pii`` sessions) ends the turn
  by neither rule before ``number_hold_ms`` of silence: a number dictated in groups ("771 ... 90 ... 551") stays
  one turn, decoded and redacted as one, instead of a first fragment whose digits no rule can recognise.
* ``ForceEndpoint`` and ``Terminate`` end the turn at once, with the candidate when one is current
  (only quiet followed it, so it covers all the speech), else with a fresh decode of everything so
  far; a turn longer than ``max_turn_ms`` ends with a fresh decode.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

FRAME_MS = 32  # Silero VAD frame: 512 samples at 16 kHz


@dataclass(frozen=True)
class TurnConfig:
    vad_threshold: float = 0.4
    min_turn_silence_ms: int = 400
    max_turn_silence_ms: int = 1280
    end_of_turn_confidence_threshold: float = 0.4
    max_turn_ms: int = 28_000
    candidate_delay_ms: int = 160
    min_speech_ms: int = 96
    speech_onset_frames: int = 2
    # VAD silence not counted as silence. Measured on the labelled calls (scripts in docs/performance.md),
    # Silero's end of speech already trails the true end by ~65 ms (median), so 0 makes the client's
    # silence parameters mean what they say; a hangover makes turns end later and splits fewer.
    vad_hangover_ms: int = 0
    # Silence a candidate ending in a number waits for before the turn ends (see the module docstring); 0: off.
    number_hold_ms: int = 0

    @property
    def release_threshold(self) -> float:
        return max(0.01, self.vad_threshold - 0.15)

    def with_updates(self, **changes: Any) -> TurnConfig:
        return replace(self, **changes)


# --- actions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartTurn:
    start_ms: int
    confidence: float


@dataclass(frozen=True)
class RequestDecode:
    decode_id: int
    upto_ms: int
    kind: str  # "candidate" (speculative, at a pause) or "final" (forced)


@dataclass(frozen=True)
class EndTurn:
    decode_id: int  # the decode whose hypothesis becomes the final
    end_ms: int
    reason: str  # "semantic" | "acoustic" | "max_length" | "forced"


@dataclass(frozen=True)
class DiscardTurn:
    reason: str


Action = StartTurn | RequestDecode | EndTurn | DiscardTurn


class TurnMachine:
    """States: idle -> speech <-> pause -> (end) -> idle."""

    def __init__(self, config: TurnConfig):
        self.config = config
        # Set by the shell while the inference queue is backed up: the speculative decode then waits
        # until the silence rule could end the turn, so fewer decodes are thrown away when speech
        # resumes (capacity over latency, only under load). Decisions stay those of audio time.
        self.defer_candidates = False
        self._next_id = 0
        self._reset()

    def _reset(self) -> None:
        self.state = "idle"
        self.turn_start_ms = 0
        self.speech_ms = 0
        self.pause_ms = 0
        self.quiet_ms = 0  # frames below vad_threshold since the last one at or above it
        self._onset_run = 0
        self._onset_conf = 0.0
        self._candidate_id: int | None = None
        self._candidate_conf: float | None = None
        self._candidate_number = False  # the candidate's text ends in a number (see number_hold_ms)

    # -- queries -------------------------------------------------------------------------
    @property
    def in_turn(self) -> bool:
        return self.state != "idle"

    @property
    def holding(self) -> bool:
        """True while a decision waits for the candidate's hypothesis: stop feeding frames."""
        return (
            self.state == "pause"
            and self._candidate_id is not None
            and self._candidate_conf is None
            and self.silence_ms >= self.config.min_turn_silence_ms
        )

    @property
    def silence_ms(self) -> int:
        """Silence of the current pause, net of the VAD hangover."""
        return max(0, self.pause_ms - self.config.vad_hangover_ms) if self.state == "pause" else 0

    @property
    def candidate_id(self) -> int | None:
        return self._candidate_id

    # -- inputs --------------------------------------------------------------------------
    def on_frame(self, prob: float, end_ms: int) -> list[Action]:
        """One VAD frame ending at ``end_ms`` (session audio time) with speech probability."""
        cfg = self.config
        if self.state == "idle":
            if prob >= cfg.vad_threshold:
                self._onset_run += 1
                self._onset_conf = max(self._onset_conf, prob)
                if self._onset_run >= cfg.speech_onset_frames:
                    self.state = "speech"
                    self.turn_start_ms = max(0, end_ms - self._onset_run * FRAME_MS)
                    self.speech_ms = self._onset_run * FRAME_MS
                    conf = self._onset_conf
                    self._onset_run, self._onset_conf = 0, 0.0
                    return [StartTurn(self.turn_start_ms, conf)]
            else:
                self._onset_run, self._onset_conf = 0, 0.0
            return []

        if prob >= cfg.vad_threshold:
            if self.state == "pause":
                self.state = "speech"
                self.pause_ms = 0
            self.quiet_ms = 0
            self.speech_ms += FRAME_MS
            self._candidate_id = None  # stale: the turn goes on
            self._candidate_conf = None
            self._candidate_number = False
            return self._check_length(end_ms)
        self.quiet_ms += FRAME_MS
        if self.state == "speech":
            if prob < cfg.release_threshold:
                self.state = "pause"  # a candidate of the quiet frames before stays current
                self.pause_ms = FRAME_MS
                return self._pause_progress(end_ms)
            # Between release and threshold: still speech for the turn rules, quiet for the candidate.
            self.speech_ms += FRAME_MS
            return self._maybe_candidate(end_ms) + self._check_length(end_ms)
        self.pause_ms += FRAME_MS
        return self._pause_progress(end_ms)

    def on_candidate(self, decode_id: int, end_of_turn_confidence: float, end_ms: int,
                     ends_in_number: bool = False) -> list[Action]:
        """The hypothesis of a candidate decode arrived. Stale ids are ignored. ``ends_in_number``: its last word
        is a number that may go on (``number_hold_ms``)."""
        if decode_id != self._candidate_id or self.state == "idle":
            return []
        self._candidate_conf = end_of_turn_confidence
        self._candidate_number = ends_in_number
        return self._decide(end_ms) if self.state == "pause" else []

    def force_end(self, now_ms: int, reason: str = "forced") -> list[Action]:
        """ForceEndpoint / Terminate: end the open turn now. Nothing happens when no turn is open."""
        if self.state == "idle":
            self._onset_run, self._onset_conf = 0, 0.0
            return []
        if self._candidate_id is not None:  # only quiet since it was requested: it covers the speech
            return self._end(self._candidate_id, now_ms, reason)
        return self._end_with_new_decode(now_ms, reason)

    # -- internals -----------------------------------------------------------------------
    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _check_length(self, end_ms: int) -> list[Action]:
        if end_ms - self.turn_start_ms >= self.config.max_turn_ms:
            return self._end_with_new_decode(end_ms, "max_length")
        return []

    def _maybe_candidate(self, end_ms: int) -> list[Action]:
        """Request the speculative decode once the quiet is long enough (see the module docstring)."""
        cfg = self.config
        if self._candidate_id is not None:
            return []
        if self.defer_candidates:
            due = self.state == "pause" and self.pause_ms >= cfg.min_turn_silence_ms + cfg.vad_hangover_ms
        else:
            due = self.quiet_ms >= min(cfg.candidate_delay_ms, cfg.min_turn_silence_ms)
        if not due:
            return []
        self._candidate_id = self._new_id()
        return [RequestDecode(self._candidate_id, end_ms, "candidate")]

    def _pause_progress(self, end_ms: int) -> list[Action]:
        return self._maybe_candidate(end_ms) + self._decide(end_ms)

    def _decide(self, end_ms: int) -> list[Action]:
        cfg = self.config
        if self._candidate_id is None:
            return []
        if cfg.number_hold_ms > 0 and self._candidate_conf is None:
            return []  # whether the hold applies depends on the hypothesis: wait for it (see ``holding``)
        if self._candidate_number and self.silence_ms < cfg.number_hold_ms:
            return []
        if self.silence_ms >= cfg.max_turn_silence_ms:
            return self._end(self._candidate_id, end_ms, "acoustic")
        if self._candidate_conf is None or self.silence_ms < cfg.min_turn_silence_ms:
            return []
        threshold = cfg.end_of_turn_confidence_threshold
        if threshold <= 0 or self._candidate_conf > threshold:
            return self._end(self._candidate_id, end_ms, "semantic")
        return []

    def _end_with_new_decode(self, end_ms: int, reason: str) -> list[Action]:
        if self.speech_ms < self.config.min_speech_ms:
            self._reset()
            return [DiscardTurn("too little speech")]
        decode_id = self._new_id()
        return [RequestDecode(decode_id, end_ms, "final"), *self._end(decode_id, end_ms, reason)]

    def _end(self, decode_id: int, end_ms: int, reason: str) -> list[Action]:
        enough = self.speech_ms >= self.config.min_speech_ms
        self._reset()
        return [EndTurn(decode_id, end_ms, reason) if enough else DiscardTurn("too little speech")]

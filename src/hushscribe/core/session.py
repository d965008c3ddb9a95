"""One streaming session as a pure, synchronous protocol object (sans-I/O).

Why: everything that decides what a client sees -- chunk rules, turn boundaries, partial and final
messages, Terminate/ForceEndpoint ordering, error frames and close codes -- lives here and is tested
without sockets, threads or a model. The WebSocket shell feeds it (``receive_*``) and drains it
(``messages_to_send``, ``requests_to_run``, ``close``); decode results come back through
``receive_result``.

Ordering: audio frames and control messages are processed strictly in arrival order from one
queue. Processing pauses while a turn decision waits for a decode (see ``turns.TurnMachine.holding``)
or while an ended turn's final is being decoded, so finals always leave in turn order, before any
message of the next turn, and ``ForceEndpoint``/``Terminate`` cut exactly where they arrived.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..speakers.clustering import DEFAULT_MAX_SPEAKERS, SpeakerClusters
from . import messages as m
from .audio import ENGINE_RATE_HZ, AudioDecoder, UndecodableAudio, chunk_duration_ms
from .audio_redaction import PcmRecorder, redact_pcm
from .eot import end_of_turn_confidence
from .formatting import TimedWord, unformat_words
from .left_context import LeftContext, context_window, without_left_context
from .no_effect import no_effect, unknown_text, warning_text
from .params import ParamError, SessionParams, apply_update
from .ports import DecodeRequest, DecodeResult, Redactor, VadStream
from .rendering import (
    Redaction,
    RedactionSpec,
    final_renderings,
    final_renderings_audited,
    is_number_word,
    mask_numbers,
)
from .turns import DiscardTurn, EndTurn, RequestDecode, StartTurn, TurnConfig, TurnMachine

SAMPLES_PER_MS = ENGINE_RATE_HZ // 1000

#: ``language_confidence`` on English-model finals with ``language_detection``: the English path never
#: detects (tiny.en is English-only; a multilingual ``--model`` is told "en"), and faster-whisper's
#: ``info.language_probability`` is then 1 -- so this is what the decode itself reports, no extra pass.
ENGLISH_LANGUAGE_CONFIDENCE = 1.0


@dataclass(frozen=True)
class SessionSettings:
    """Server-side knobs that are not connection parameters."""

    max_turn_ms: int = 28_000
    preroll_ms: int = 300
    partial_interval_ms: int = 1000
    min_partial_audio_ms: int = 500
    strict_min_chunk: bool = False  # reject < 50 ms chunks (3007); production is lenient (protocol §13.12)
    min_chunk_ms: float = 50.0
    max_chunk_ms: float = 1000.0
    max_message_bytes: int = 262_144  # larger text -> 3006, larger audio -> 3007 (before any decoding)
    max_audio_rate: float = 0.0  # audio faster than this multiple of real time -> 3007; 0 = off (protocol §13.11)
    audio_rate_burst_s: float = 10.0  # audio a client may send ahead of the rate budget
    vad_hangover_ms: int = 0  # see turns.TurnConfig.vad_hangover_ms
    candidate_delay_ms: int = 160  # see turns.TurnConfig.candidate_delay_ms
    redacted_audio_max_s: int = 3600  # hushscribe_redact_audio: audio kept per session (memory bound)
    # Context across turns (docs/protocol.md "Context across turns"): the last ``context_turns`` texts of the
    # session (its finals, and agent_context as it is set), at most ``context_chars`` characters, go with every
    # decode as the decoder's previous text. Off (0: each turn decoded alone) by default: on the calls it cost WER
    # (0.222 -> 0.242 at u3-rt-pro 100/100 ms) and added invented "Thank you." tails (26 -> 35); docs/performance.md.
    context_turns: int = 0
    context_chars: int = 400
    # Left audio context (core.left_context): in sessions whose max_turn_silence is shorter than
    # ``left_context_gap_ms`` (fragments), a turn that starts within that gap of the previous final's last word is
    # decoded with up to ``left_context_ms`` of the audio before it (from a word of that final), and only its own
    # words are kept. 0 turns it off. Measured in docs/performance.md ("Left audio context").
    left_context_ms: int = 3000
    left_context_gap_ms: int = 700
    # Send the VAD's speech spans with every decode, so that words in non-speech are dropped (core.word_filter).
    speech_spans: bool = True
    # redact_pii: a turn that starts within this many ms of a previous final ending in a number is redacted with
    # that final's last ``redaction_context_words`` words as detection context (RedactionSpec.context).
    redaction_context_gap_ms: int = 2000
    redaction_context_words: int = 8
    # redact_pii: a turn whose speculative decode ends in a number does not end before this much silence, whatever
    # the silence parameters (ForceEndpoint still ends it): digits dictated in groups stay one turn, redacted as one
    # (turns.TurnConfig.number_hold_ms). 0 turns it off.
    number_hold_ms: int = 800
    heartbeat_interval_s: float = 5.0  # session_heartbeat: about every 5 s, as production (protocol §5.7)
    silence_interval_ms: int = 1000  # acknowledge_silence: one Silence per second of turn-free audio


def turn_config_for(params: SessionParams, settings: SessionSettings) -> TurnConfig:
    # U3 Pro ends on punctuation (confidence 1/0), so its threshold is fixed at 0.5 (protocol §6.4).
    threshold = 0.5 if params.is_u3 else params.end_of_turn_confidence_threshold
    return TurnConfig(
        vad_threshold=params.vad_threshold,
        min_turn_silence_ms=params.min_turn_silence_ms,
        max_turn_silence_ms=max(params.max_turn_silence_ms, params.min_turn_silence_ms),
        end_of_turn_confidence_threshold=threshold,
        max_turn_ms=settings.max_turn_ms,
        vad_hangover_ms=settings.vad_hangover_ms,
        candidate_delay_ms=settings.candidate_delay_ms,
        number_hold_ms=settings.number_hold_ms if params.redact_pii else 0,
    )


class _SampleBuffer:
    """Append-only 16 kHz audio addressed by absolute sample index; old audio is trimmed."""

    def __init__(self) -> None:
        self._data = np.zeros(16000 * 4, dtype=np.float32)
        self._len = 0
        self.start = 0  # absolute index of _data[0]

    @property
    def end(self) -> int:
        return self.start + self._len

    def append(self, x: np.ndarray) -> None:
        need = self._len + len(x)
        if need > len(self._data):
            grown = np.zeros(max(need, 2 * len(self._data)), dtype=np.float32)
            grown[: self._len] = self._data[: self._len]
            self._data = grown
        self._data[self._len : need] = x
        self._len = need

    def slice(self, a: int, b: int) -> np.ndarray:
        a = max(a, self.start)
        b = min(b, self.end)
        return self._data[a - self.start : b - self.start].copy() if b > a else np.zeros(0, np.float32)

    def trim_before(self, a: int) -> None:
        drop = min(max(0, a - self.start), self._len)
        if drop:
            self._data[: self._len - drop] = self._data[drop : self._len]
            self._len -= drop
            self.start += drop


@dataclass
class _Turn:
    seq: int
    audio_start: int  # absolute sample index where decodes of this turn start
    onset_ms: int = 0  # where the VAD heard its speech begin
    partials_sent: int = 0
    last_partial_words: tuple[str, ...] = ()
    last_partial_upto: int = 0
    ended: bool = False


@dataclass(frozen=True)
class _Pending:
    kind: str  # "candidate" | "final" | "partial"
    turn_seq: int
    offset_ms: int
    machine_id: int | None
    context_ms: int = 0  # the request's left context (core.left_context)


class SessionProtocol:
    def __init__(
        self,
        session_id: str,
        params: SessionParams,
        vad: VadStream,
        *,
        clock: Callable[[], float],
        settings: SessionSettings = SessionSettings(),
        redactor: Redactor | None = None,
        warnings: bool = True,
    ):
        if params.redact_pii and redactor is None:
            raise ValueError("redact_pii needs a redactor: refusing to risk unredacted finals")
        self.id = session_id
        self.params = params
        self.settings = settings
        self._vad = vad
        self._clock = clock
        self._redactor = redactor
        self._started_at = clock()
        self._decoder = AudioDecoder(params.encoding, params.sample_rate)
        self._machine = TurnMachine(turn_config_for(params, settings))
        self._frame = vad.frame_samples
        self._feed = np.zeros(0, dtype=np.float32)  # decoded samples not yet VAD'd
        self._queue: collections.deque[tuple[Any, ...]] = collections.deque()
        self._queued_samples = 0  # audio in _queue (kept as a count: backlog_ms is on the hot path)
        self._buf = _SampleBuffer()
        self._out: list[dict[str, Any]] = []
        self._requests: list[DecodeRequest] = []
        self._next_job = 0
        self._pending: dict[int, _Pending] = {}
        self._results: dict[int, DecodeResult] = {}  # candidate results by machine decode id
        self._pending_upto: dict[int, int] = {}  # machine decode id -> end sample of its audio
        self._candidate_ids: dict[int, bool] = {}  # machine decode id -> whether it was speculative
        self._turn: _Turn | None = None
        self._turn_seq = 0
        self._turn_order = 0
        self._decoded_until = 0  # absolute sample index: audio before it belongs to an ended turn
        self._received = 0  # 16 kHz samples received so far
        self._arrivals: collections.deque[tuple[int, float]] = collections.deque()  # (end sample, clock)
        self._latencies: list[float] = []
        self._forced_at: float | None = None  # arrival of the ForceEndpoint that ended the open turn
        self._force_latencies: list[float] = []
        self._promote: list[int] = []
        # Speculative decodes: requested, those that became a final, and those only shown as a
        # partial (partials on); the rest were thrown away.
        self.speculative = {"requested": 0, "final": 0, "partial": 0}
        self._shown_candidate: int | None = None
        self._awaiting_final: tuple[int, int, str] | None = None  # (machine id, turn seq, reason)
        self._partial_in_flight = False
        self._terminate_requested = False
        self._terminating = False
        self._audit: list[dict[str, Any]] = []  # redaction records not yet reported (see redactions_to_report)
        self._redacted_ms: list[tuple[int, int]] = []  # every redacted word run of every final, in ms
        self._speech: collections.deque[tuple[int, float]] = collections.deque()  # (frame end sample, VAD prob)
        self._context: collections.deque[str] = collections.deque(maxlen=max(1, settings.context_turns))
        self._last_final: tuple[TimedWord, ...] = ()  # the previous final's (formatted, unredacted) words
        if params.agent_context:
            self._context.append(params.agent_context)
        self.recorder: PcmRecorder | None = None
        if params.hushscribe_redact_audio:
            self.recorder = PcmRecorder(params.encoding, settings.redacted_audio_max_s * params.sample_rate)
        self.close: tuple[int, str] | None = None  # set once: the shell closes after draining messages
        self._warned: set[str] = set()  # parameters already reported as having no effect
        # False for clients that fail on message types they do not parse (no_effect.takes_warnings): the
        # 9102/9103 Warnings are then not sent but kept in ``unsent_warnings`` (the shell logs them).
        self._send_warnings = warnings
        self.unsent_warnings: list[str] = []
        self._last_heartbeat = self._started_at
        self._max_speech_prob = 0.0  # highest VAD probability since the last Heartbeat
        self._silence_from: int | None = None  # ms: start of the turn-free audio not yet in a Silence
        self._speakers = SpeakerClusters(params.max_speakers or DEFAULT_MAX_SPEAKERS) if params.speaker_labels else None
        self._warn_no_effect()
        if params.unknown:
            self._warn(m.WARNING_UNKNOWN_PARAMS, unknown_text(params.unknown))

    # ------------------------------------------------------------------ outputs
    def messages_to_send(self) -> list[dict[str, Any]]:
        out, self._out = self._out, []
        return out

    def latencies_to_report(self) -> list[float]:
        """Seconds from the arrival of each final's last speech audio to the final (for metrics)."""
        out, self._latencies = self._latencies, []
        return out

    def force_latencies_to_report(self) -> list[float]:
        """Seconds from the arrival of each ForceEndpoint that ended a turn to that turn's final."""
        out, self._force_latencies = self._force_latencies, []
        return out

    def is_speculative(self, job_id: int) -> bool:
        """A final decoded before its turn has ended (a candidate): the scheduler runs ended turns'
        finals first."""
        pending = self._pending.get(job_id)
        return pending is not None and pending.kind == "candidate"

    def promotions_to_report(self) -> list[int]:
        """Jobs of speculative decodes whose turn has ended while they were still pending: they now
        carry a final on the latency path (the scheduler moves them up)."""
        out, self._promote = self._promote, []
        return out

    def requests_to_run(self) -> list[DecodeRequest]:
        out, self._requests = self._requests, []
        return out

    def redactions_to_report(self) -> list[dict[str, Any]]:
        """Audit records of the finals sent since the last call: one per redacted run of words of the
        turn's first final (``turn_is_formatted`` says which), with policy, word indices, ms span,
        detector and score -- never the redacted text."""
        out, self._audit = self._audit, []
        return out

    @property
    def redacted_spans_ms(self) -> list[tuple[int, int]]:
        """Stream-absolute ms spans of every redacted word so far (all renderings of every final)."""
        return list(self._redacted_ms)

    def redacted_audio(self, *, pad_ms: int, fill: str) -> np.ndarray | None:
        """The session's audio (int16 at the client's rate) with every redacted span, padded by
        ``pad_ms``, replaced by ``fill``; None when not recording or the recording was dropped."""
        rec = self.recorder
        if rec is None or rec.overflowed:
            return None
        return redact_pcm(rec.pcm(), self.params.sample_rate, self._redacted_ms, pad_ms=pad_ms, fill=fill)

    @property
    def closed(self) -> bool:
        return self.close is not None

    @property
    def audio_seconds(self) -> float:
        return self._decoder.seconds_in

    @property
    def backlog_ms(self) -> int:
        """Audio received but not yet through the turn machine (it waits while a decode is pending)."""
        return self._queued_samples // SAMPLES_PER_MS

    @property
    def defer_candidates(self) -> bool:
        return self._machine.defer_candidates

    @defer_candidates.setter
    def defer_candidates(self, value: bool) -> None:
        """Under load, decode a pause only when it could end the turn (see TurnMachine)."""
        self._machine.defer_candidates = value

    @property
    def busy(self) -> bool:
        """True while decodes this session waits for are outstanding."""
        return bool(self._pending)

    # ------------------------------------------------------------------ inputs
    def receive_audio(self, data: bytes) -> None:
        if self.closed or self._terminate_requested:
            return
        limit = self.settings.max_message_bytes
        if len(data) > limit:
            self.fail(m.CLOSE_AUDIO_DURATION,
                      f"Input Duration Error: Audio message too large: {len(data)} bytes (limit {limit} bytes)")
            return
        compressed = self._decoder.compressed  # no duration before decoding: only the size limit applies
        ms = 0.0 if compressed else chunk_duration_ms(len(data), self.params.encoding, self.params.sample_rate)
        too_short = self.settings.strict_min_chunk and ms < self.settings.min_chunk_ms
        if not compressed and (ms > self.settings.max_chunk_ms or too_short):
            self.fail(
                m.CLOSE_AUDIO_DURATION,
                f"Input Duration Error: Input Duration Violation: {ms:.1f} ms. "
                f"Expected between {self.settings.min_chunk_ms:g} and {self.settings.max_chunk_ms:g} ms",
            )
            return
        if self.settings.max_audio_rate > 0 and self._rate_exceeded(ms):
            return
        if self.recorder is not None and not self.recorder.append(data):  # it freed its memory
            self._drop_recording()
        try:
            samples = self._decoder.decode(data)
        except UndecodableAudio as exc:
            self.fail(m.CLOSE_INVALID_INPUT, f"Invalid Audio: {exc}")
            return
        self._received += len(samples)
        self._arrivals.append((self._received, self._clock()))
        self._enqueue_samples(samples)
        self._pump()
        self.tick()
        while len(self._arrivals) > 1 and self._arrivals[0][0] < self._buf.start:
            self._arrivals.popleft()

    def receive_text(self, text: str) -> None:
        if self.closed:
            return
        limit = self.settings.max_message_bytes
        if len(text) > limit // 4 and len(text.encode("utf-8", "surrogatepass")) > limit:
            size = len(text.encode("utf-8", "surrogatepass"))
            self.fail(m.CLOSE_INVALID_INPUT, f"Invalid Message: message too large: {size} bytes (limit {limit} bytes)")
            return
        try:
            msg = m.parse_client_text(text)
        except m.ProtocolViolation as exc:
            self.fail(exc.code, exc.text)
            return
        if isinstance(msg, m.KeepAlive):
            return
        if self._terminate_requested:
            return  # nothing after Terminate changes the session
        if isinstance(msg, m.Terminate):
            self._terminate_requested = True
            self._enqueue_samples(self._decoder.flush())  # the resampler's last few ms
            self._enqueue_control(("terminate",))
        elif isinstance(msg, m.ForceEndpoint):
            self._enqueue_control(("force", self._clock()))
        elif isinstance(msg, m.UpdateConfiguration):
            self._enqueue_control(("update", msg.fields))
        self._pump()

    def receive_result(self, job_id: int, result: DecodeResult | None, error: str | None = None) -> None:
        """A decode finished (``result``) or failed (``error``)."""
        pending = self._pending.pop(job_id, None)
        if pending is None or self.closed:
            return
        if pending.kind == "partial":
            self._partial_in_flight = False
            if result is not None:
                self._emit_partial(pending, result)
            self._pump()
            return
        if result is None:
            if error is None:  # skipped by the scheduler because it was no longer wanted
                self._pump()
                return
            self.fail(m.CLOSE_SERVER_ERROR, "Session Cancelled: An error occurred")
            return
        result = _shift_result(without_left_context(result, pending.context_ms), pending.offset_ms)
        mid = pending.machine_id
        assert mid is not None
        self._results[mid] = result
        if self._awaiting_final and self._awaiting_final[0] == mid:
            self._finish_turn(mid)
        elif pending.kind == "candidate":
            if self._turn is not None and self._turn.seq == pending.turn_seq and not self._turn.ended:
                conf = self._eot_confidence(result.text)
                number = bool(result.words) and is_number_word(result.words[-1].text)
                self._handle(self._machine.on_candidate(mid, conf, self._now_ms(), ends_in_number=number))
                turn = self._turn
                if (
                    turn is not None
                    and turn.seq == pending.turn_seq
                    and not turn.ended
                    and self._machine.speech_ms >= self._machine.config.min_speech_ms
                ):
                    # The turn goes on (speech resumed, or not confident yet): a fine partial.
                    if self._emit_partial(pending, result, shifted=True):
                        self.speculative["partial"] += 1
                        self._shown_candidate = mid
                        # The speculative decode served as this turn's partial: the next partial
                        # decode is due a full interval after the audio it covered, not before.
                        turn.last_partial_upto = max(turn.last_partial_upto, self._pending_upto.get(mid, 0))
            if mid not in self._wanted_ids():
                self._results.pop(mid, None)
        self._pump()

    def wants(self, job_id: int) -> bool:
        """Is this decode still useful? A candidate whose pause ended in more speech is not (when
        partials are off), a partial of an ended turn is not; the scheduler skips such work."""
        pending = self._pending.get(job_id)
        if pending is None or self.closed:
            return False
        turn = self._turn
        if pending.kind == "partial":
            return turn is not None and turn.seq == pending.turn_seq and not turn.ended
        if self._awaiting_final is not None and self._awaiting_final[0] == pending.machine_id:
            return True
        if pending.kind == "candidate":
            current = self._machine.candidate_id == pending.machine_id
            return current or (self.params.include_partial_turns and turn is not None
                               and turn.seq == pending.turn_seq and not turn.ended)
        return True

    def receive_inactivity_timeout(self, seconds: int) -> None:
        self.fail(
            m.CLOSE_INVALID_INPUT,
            f"Session terminated due to inactivity: No messages received for {seconds} seconds",
        )

    def expire(self) -> None:
        self.fail(m.CLOSE_SESSION_EXPIRED, "Session Expired: Maximum session duration exceeded")

    def fail(self, code: int, text: str) -> None:
        """End the session with an ``Error`` frame and the matching close code (protocol §5.5)."""
        if self.closed:
            return
        self._out.append(m.error(code, text))
        self.close = (code, m.close_reason(text))
        self._queue.clear()
        self._queued_samples = 0
        self._pending.clear()

    def tick(self) -> None:
        """Time passed: a ``Heartbeat`` when ``session_heartbeat`` is on and one is due. The shell calls
        this about once a second, so heartbeats keep coming while a client sends nothing."""
        if self.closed or not self.params.session_heartbeat:
            return
        now = self._clock()
        if now - self._last_heartbeat < self.settings.heartbeat_interval_s:
            return
        self._last_heartbeat = now
        self._out.append(m.heartbeat(self._received // SAMPLES_PER_MS, round((now - self._started_at) * 1000),
                                     self._max_speech_prob))
        self._max_speech_prob = 0.0

    # ------------------------------------------------------------------ internals
    def _warn_no_effect(self) -> None:
        """One ``Warning`` naming the parameters just set that change nothing here (each named once)."""
        fresh = tuple(i for i in no_effect(self.params) if i.param not in self._warned)
        if fresh:
            self._warned.update(i.param for i in fresh)
            self._warn(m.WARNING_NO_EFFECT, warning_text(fresh))

    def _warn(self, code: int, text: str) -> None:
        if self._send_warnings:
            self._out.append(m.warning(code, text))
        else:
            self.unsent_warnings.append(text)

    def _track_silence(self) -> None:
        """``acknowledge_silence``: a ``Silence`` for each second of audio with no turn open."""
        now = self._now_ms()
        if self._turn is not None:
            self._silence_from = None
        elif self._silence_from is None:
            self._silence_from = now - self._frame // SAMPLES_PER_MS
        elif now - self._silence_from >= self.settings.silence_interval_ms:
            self._out.append(m.silence(self._silence_from, now))
            self._silence_from = now

    def _drop_recording(self) -> None:
        """Past ``redacted_audio_max_s`` the recording is dropped whole (a copy missing its end would
        look complete) and the client is told now, not at Termination."""
        self.recorder = None
        self._out.append(m.warning(
            m.WARNING_REDACTED_AUDIO_DROPPED,
            f"hushscribe: redacted audio dropped: the session passed {self.settings.redacted_audio_max_s} s "
            "of audio, the most this server keeps; no redacted copy will be made"))

    def _rate_exceeded(self, chunk_ms: float) -> bool:
        """Audio sent faster than ``max_audio_rate`` x real time beyond the burst: 3007 (protocol §4.1)."""
        elapsed = max(0.0, self._clock() - self._started_at)
        received = self._decoder.seconds_in + chunk_ms / 1000
        if received <= self.settings.max_audio_rate * elapsed + self.settings.audio_rate_burst_s + 1e-6:
            return False
        self.fail(m.CLOSE_AUDIO_DURATION,
                  f"Audio Transmission Rate Exceeded: Received {received:.1f} sec. audio in {elapsed:.1f} sec")
        return True

    def _now_ms(self) -> int:
        return self._buf.end // SAMPLES_PER_MS

    def _eot_confidence(self, text: str) -> float:
        conf = end_of_turn_confidence(text)
        if self.params.is_u3:
            return 1.0 if conf >= 0.9 else 0.0
        return conf

    def _wanted_ids(self) -> set[int]:
        ids = set()
        if self._awaiting_final:
            ids.add(self._awaiting_final[0])
        if self._machine.candidate_id is not None:
            ids.add(self._machine.candidate_id)
        return ids

    def _enqueue_samples(self, samples: np.ndarray) -> None:
        feed = np.concatenate([self._feed, samples]) if len(self._feed) else samples
        n = len(feed) // self._frame
        if n:
            frames = feed[: n * self._frame].reshape(n, self._frame)
            probs = self._vad.process(frames)
            if len(probs):
                self._max_speech_prob = max(self._max_speech_prob, float(np.max(probs)))
            for frame, prob in zip(frames, probs, strict=False):
                self._queue.append(("frame", frame, float(prob)))
            self._queued_samples += n * self._frame
        self._feed = feed[n * self._frame :]

    def _enqueue_control(self, item: tuple[Any, ...]) -> None:
        # Audio that does not fill a VAD frame still belongs before the control message.
        if len(self._feed):
            self._queue.append(("frame", self._feed, None))
            self._queued_samples += len(self._feed)
            self._feed = np.zeros(0, dtype=np.float32)
        self._queue.append(item)

    def _blocked(self) -> bool:
        return self._awaiting_final is not None or self._machine.holding

    def _pump(self) -> None:
        while self._queue and not self.closed and not self._blocked():
            item = self._queue.popleft()
            kind = item[0]
            if kind == "frame":
                self._queued_samples -= len(item[1])
                self._process_frame(item[1], item[2])
            elif kind == "force":
                actions = self._machine.force_end(self._now_ms(), "forced")
                if any(isinstance(a, EndTurn) for a in actions):
                    self._forced_at = item[1]  # its final's latency is reported (force_latencies_to_report)
                self._handle(actions)
            elif kind == "update":
                self._apply_update(item[1])
            elif kind == "terminate":
                self._handle(self._machine.force_end(self._now_ms(), "terminate"))
                self._terminating = True
        if self._terminating and not self.closed and not self._blocked() and not self._queue:
            self._out.append(m.termination(self.audio_seconds, self._clock() - self._started_at))
            self.close = (m.CLOSE_NORMAL, m.NORMAL_CLOSE_REASON)

    def _process_frame(self, frame: np.ndarray, prob: float | None) -> None:
        self._buf.append(frame)
        if prob is None:  # a partial frame before a control message: audio only
            return
        self._speech.append((self._buf.end, prob))
        self._handle(self._machine.on_frame(prob, self._now_ms()))
        if self.params.acknowledge_silence:
            self._track_silence()
        if self._turn is None:
            # Keep only the pre-roll for the next turn.
            self._trim_audio()
        else:
            self._maybe_request_partial()

    def _apply_update(self, fields: dict[str, Any]) -> None:
        try:
            params = apply_update(self.params, fields)
        except ParamError as exc:
            self.fail(m.CLOSE_INVALID_INPUT, exc.message)
            return
        if params.agent_context and params.agent_context != self.params.agent_context:
            self._context.append(params.agent_context)  # the agent spoke: it comes after the finals so far
        self.params = params
        self._machine.config = turn_config_for(params, self.settings)
        self._warn_no_effect()

    def _handle(self, actions: Sequence[Any]) -> None:
        for action in actions:
            if isinstance(action, StartTurn):
                self._turn_seq += 1
                # Pre-roll catches the VAD's onset lag, but never reaches into the previous turn. It is counted back
                # from the audio before this frame, not from the onset, as when the buffer held only the pre-roll;
                # it now keeps more, for the left context (SessionSettings.left_context_ms).
                start = max(
                    self._buf.start,
                    self._buf.end - self._frame - self.settings.preroll_ms * SAMPLES_PER_MS,
                    self._decoded_until,
                    (action.start_ms - self.settings.preroll_ms) * SAMPLES_PER_MS,
                )
                self._turn = _Turn(seq=self._turn_seq, audio_start=start, onset_ms=action.start_ms,
                                   last_partial_upto=start)
                if self.params.is_u3:
                    self._out.append(m.speech_started(action.start_ms, action.confidence))
            elif isinstance(action, RequestDecode):
                assert self._turn is not None
                self._request(action.kind, self._turn, action.upto_ms * SAMPLES_PER_MS, action.decode_id)
            elif isinstance(action, EndTurn):
                assert self._turn is not None
                self._turn.ended = True
                self._decoded_until = max(self._decoded_until, self._pending_upto.get(action.decode_id, 0))
                self._awaiting_final = (action.decode_id, self._turn.seq, action.reason)
                if action.decode_id in self._results:
                    self._finish_turn(action.decode_id)
                else:
                    self._promote.extend(job for job, p in self._pending.items()
                                         if p.kind == "candidate" and p.machine_id == action.decode_id)
            elif isinstance(action, DiscardTurn):
                if self._turn is not None and self._turn.partials_sent:
                    self._emit_final(self._turn, DecodeResult(()), 0.0)
                self._turn = None
                self._results.clear()
                self._candidate_ids.clear()

    def _request(self, kind: str, turn: _Turn, upto: int, machine_id: int | None) -> None:
        self._next_job += 1
        job_id = self._next_job
        wire_kind = "partial" if kind == "partial" else "final"
        start, context_ms = turn.audio_start, 0
        window = self._left_context(turn) if wire_kind == "final" else None
        if window is not None:
            start = window.start_ms * SAMPLES_PER_MS
            context_ms = window.cut_ms - window.start_ms
        audio = self._buf.slice(start, upto)
        offset_ms = start // SAMPLES_PER_MS
        self._pending[job_id] = _Pending(kind, turn.seq, offset_ms, machine_id, context_ms)
        self.speculative["requested"] += kind == "candidate"
        if machine_id is not None:
            self._pending_upto[machine_id] = upto
            self._candidate_ids[machine_id] = kind == "candidate"
        self._requests.append(
            DecodeRequest(
                job_id=job_id,
                kind=wire_kind,
                audio=audio,
                offset_ms=offset_ms,
                keyterms=tuple(self.params.keyterms_prompt),
                context=self._context_text(),
                context_ms=context_ms,
                speech_ms=self._speech_ms(start, upto),
                formatted_only=self.params.is_u3,
                redaction=self._redaction_spec(turn) if wire_kind == "final" else self._partial_redaction_spec(turn),
                model=self.params.decode_model,
                languages=self.params.detection_languages if self.params.decode_model == "multilingual" else (),
                embed_speaker=self._speakers is not None and wire_kind == "final",
            )
        )

    def _maybe_request_partial(self) -> None:
        turn = self._turn
        if (
            turn is None
            or turn.ended
            or not self.params.include_partial_turns
            or self._partial_in_flight
            or self._machine.state != "speech"
        ):
            return
        end = self._buf.end
        s = self.settings
        if end - turn.audio_start < s.min_partial_audio_ms * SAMPLES_PER_MS:
            return
        if end - turn.last_partial_upto < s.partial_interval_ms * SAMPLES_PER_MS:
            return
        turn.last_partial_upto = end
        self._partial_in_flight = True
        self._request("partial", turn, end, None)

    def _finish_turn(self, machine_id: int) -> None:
        assert self._awaiting_final is not None
        _, seq, _reason = self._awaiting_final
        result = self._results.pop(machine_id)
        if self._candidate_ids.pop(machine_id, False):
            self.speculative["final"] += 1
            if self._shown_candidate == machine_id:  # shown as a partial first: counted once, as the final
                self.speculative["partial"] -= 1
        self._candidate_ids.clear()
        if self._forced_at is not None:
            self._force_latencies.append(max(0.0, self._clock() - self._forced_at))
            self._forced_at = None
        self._awaiting_final = None
        self._results.clear()
        turn = self._turn
        if turn is not None and turn.seq == seq:
            self._emit_final(turn, result, self._eot_confidence(result.text))
            self._turn = None
            self._trim_audio()

    def _trim_audio(self) -> None:
        """Keep only the pre-roll of audio (and of VAD probabilities) for the next turn, and its left context."""
        s = self.settings
        keep_ms = max(s.preroll_ms, s.left_context_ms + s.left_context_gap_ms) if s.left_context_ms > 0 else s.preroll_ms
        self._buf.trim_before(self._buf.end - keep_ms * SAMPLES_PER_MS)
        while self._speech and self._speech[0][0] <= self._buf.start:
            self._speech.popleft()

    def _speech_ms(self, start: int, end: int) -> tuple[tuple[int, int], ...] | None:
        """The VAD's speech spans in samples [start, end), in ms from ``start`` (None when not sent)."""
        if not self.settings.speech_spans:
            return None
        threshold = self._machine.config.release_threshold
        frames = [(e - self._frame, e) for e, p in self._speech if p >= threshold and e > start and e - self._frame < end]
        spans: list[tuple[int, int]] = []
        for a, b in frames:
            a, b = (max(a, start) - start) // SAMPLES_PER_MS, (min(b, end) - start) // SAMPLES_PER_MS
            if spans and a <= spans[-1][1]:
                spans[-1] = (spans[-1][0], b)
            else:
                spans.append((a, b))
        return tuple(spans)

    def _left_context(self, turn: _Turn) -> LeftContext | None:
        """The audio before ``turn`` its final-kind decodes start with (see SessionSettings.left_context_ms). Only in
        sessions whose silence rule ends turns at pauses shorter than the gap (u3-rt-pro at 100 ms: fragments); at
        the SDK's defaults (1280 ms) a turn after a short gap is a new sentence, and context cost WER there
        (0.117 -> 0.134 on the real clips through the server, tests/e2e/test_sdk_real_model.py)."""
        s = self.settings
        if self._machine.config.max_turn_silence_ms >= s.left_context_gap_ms:
            return None
        return context_window(self._last_final, turn.audio_start // SAMPLES_PER_MS, turn.onset_ms,
                              max_ms=s.left_context_ms, max_gap_ms=s.left_context_gap_ms,
                              available_from_ms=-(-self._buf.start // SAMPLES_PER_MS))

    def _context_text(self) -> str | None:
        """What the session said before this turn, for the decoder (see SessionSettings.context_turns)."""
        if self.settings.context_turns <= 0 or not self._context:
            return None
        text = " ".join(" ".join(self._context).split())
        limit = self.settings.context_chars
        if len(text) > limit:
            text = text[-limit:].split(" ", 1)[-1]
        return text or None

    def _redaction_spec(self, turn: _Turn) -> RedactionSpec | None:
        p = self.params
        if not p.redact_pii:
            return None
        return RedactionSpec(tuple(p.redact_pii_policies), p.redact_pii_sub, self._redaction_context(turn))

    def _redaction_context(self, turn: _Turn) -> tuple[TimedWord, ...]:
        """The previous final's last words when ``turn`` may continue a number it ended with (see
        SessionSettings.redaction_context_gap_ms): the same for the request and the final it becomes."""
        prev = self._last_final
        if not prev or not is_number_word(prev[-1].text):
            return ()
        if turn.audio_start // SAMPLES_PER_MS - prev[-1].end_ms > self.settings.redaction_context_gap_ms:
            return ()
        return prev[-self.settings.redaction_context_words:]

    def _partial_redaction_spec(self, turn: _Turn) -> RedactionSpec | None:
        """Safe partials (extension ``redact_pii_partials``): partials are redacted like finals."""
        return self._redaction_spec(turn) if self.params.redact_pii_partials else None

    def _emit_final(self, turn: _Turn, result: DecodeResult, conf: float) -> None:
        if not result.words and not turn.partials_sent:
            return  # no empty finals (protocol §4.2 REC) unless partials must be closed out
        p = self.params
        renderings = result.renderings
        redactions = result.redactions
        redaction = self._redaction_spec(turn)
        if renderings is None or ("unformatted" not in renderings and not p.is_u3):
            # No worker rendered it (offline use, tests): same function, inline.
            renderings, redactions = final_renderings_audited(
                result.words, formatted_only=p.is_u3, redaction=redaction, redactor=self._redactor)
        order = self._turn_order
        if result.words:
            self._context.append(" ".join(w.text for w in result.words))
            self._last_final = tuple(result.words)
        self._record_redactions(order, redactions)
        self._turn_order += 1
        if result.words:
            self._record_latency(result.words[-1].end_ms * SAMPLES_PER_MS)
        if p.is_u3:
            finals = [(True, renderings["formatted"], 1.0)]
        else:
            finals = [(False, renderings["unformatted"], conf)]
            if p.format_turns:
                finals.append((True, renderings["formatted"], conf))
        extra = {}
        language, language_confidence = result.language, result.language_confidence
        if language is None and p.decode_model == "english":
            language, language_confidence = "en", ENGLISH_LANGUAGE_CONFIDENCE
        if p.language_detection and language:
            # Spec §5.3: only finals carry the language, and only when the client asked for detection.
            extra = {"language_code": language,
                     "language_confidence": round(float(language_confidence or 0.0), 4)}
        speaker = None
        if self._speakers is not None:
            speech_s = (result.words[-1].end_ms - result.words[0].start_ms) / 1000 if result.words else 0.0
            speaker = self._speakers.assign(result.speaker_embedding, speech_s)
        if speaker is not None:
            extra = {**extra, "speaker_label": speaker}
        for i, (formatted, ws, c) in enumerate(finals):
            transcript = m.words_text(ws)
            msg = (
                m.TurnMessage(
                    turn_order=order,
                    end_of_turn=True,
                    turn_is_formatted=formatted,
                    words=tuple(ws),
                    final_word_count=len(ws),
                    end_of_turn_confidence=c,
                    transcript=transcript,
                    utterance=transcript if i == 0 else "",
                    extra=extra,
                ).to_dict()
            )
            if speaker is not None:  # protocol §5.3: final words carry the speaker too
                for w in msg["words"]:
                    w["speaker"] = speaker
            self._out.append(msg)

    def _record_redactions(self, turn_order: int, redactions: Sequence[Redaction]) -> None:
        first = "formatted" if self.params.is_u3 else "unformatted"  # the rendering of the turn's first final
        for r in redactions:
            self._redacted_ms.append((r.start_ms, r.end_ms))
            if r.rendering == first:
                self._audit.append({
                    "turn_order": turn_order, "turn_is_formatted": first == "formatted",
                    "word_indices": list(r.word_indices), "start_ms": r.start_ms, "end_ms": r.end_ms,
                    "policy": r.policy, "detector": r.detector, "score": r.score,
                })

    def _record_latency(self, speech_end: int) -> None:
        while len(self._arrivals) > 1 and self._arrivals[1][0] <= speech_end:
            self._arrivals.popleft()  # older chunks can no longer hold a turn's end
        for end, at in self._arrivals:
            if end >= speech_end:
                self._latencies.append(max(0.0, self._clock() - at))
                return

    def _emit_partial(self, pending: _Pending, result: DecodeResult, shifted: bool = False) -> bool:
        """Send ``result`` as a partial of its turn, if that turn is still open; True when sent."""
        turn = self._turn
        if turn is None or turn.ended or turn.seq != pending.turn_seq or not self.params.include_partial_turns:
            return False
        if not shifted:
            result = _shift_result(result, pending.offset_ms)
        words = list(result.words)
        if not words:
            return False
        p = self.params
        redaction = self._partial_redaction_spec(turn)
        renderings = None
        if redaction is not None:
            base = result.renderings
            if base is None or ("unformatted" not in base and not p.is_u3):
                base = final_renderings(words, formatted_only=p.is_u3, redaction=redaction,
                                        redactor=self._redactor)
            renderings = {k: tuple(mask_numbers(v, redaction.sub)) for k, v in base.items()}
        if p.is_u3:
            if renderings is not None:
                words = list(renderings["formatted"])
            msg = m.TurnMessage(
                turn_order=self._turn_order,
                end_of_turn=False,
                turn_is_formatted=False,
                words=tuple(words),
                final_word_count=0,
                end_of_turn_confidence=0.0,
                transcript=m.words_text(words),
            )
        else:
            raw = list(renderings["unformatted"]) if renderings is not None else unformat_words(words)
            texts = tuple(w.text for w in raw)
            stable = _common_prefix(texts, turn.last_partial_words)
            stable = min(stable, max(0, len(raw) - 1))  # the trailing word is never final
            turn.last_partial_words = texts
            msg = m.TurnMessage(
                turn_order=self._turn_order,
                end_of_turn=False,
                turn_is_formatted=False,
                words=tuple(raw),
                final_word_count=stable,
                end_of_turn_confidence=self._eot_confidence(m.words_text(words)),
                transcript=" ".join(texts[:stable]),
            )
        turn.partials_sent += 1
        self._out.append(msg.to_dict())
        return True


def _shift_result(result: DecodeResult, offset_ms: int) -> DecodeResult:
    renderings = result.renderings
    if renderings is not None:
        renderings = {k: tuple(_shift(v, offset_ms)) for k, v in renderings.items()}
    redactions = tuple(replace(r, start_ms=r.start_ms + offset_ms, end_ms=r.end_ms + offset_ms)
                       for r in result.redactions)
    return result.with_words(_shift(result.words, offset_ms), renderings, redactions)


def _shift(words: Sequence[TimedWord], offset_ms: int) -> list[TimedWord]:
    return [replace(w, start_ms=w.start_ms + offset_ms, end_ms=w.end_ms + offset_ms) for w in words]


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n

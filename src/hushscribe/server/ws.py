"""The WebSocket shell around :class:`SessionProtocol`: socket in, socket out, decodes to the
scheduler. All protocol decisions are made by the session; this module only moves bytes and time
(inactivity timeout, maximum duration).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import uuid
from pathlib import Path

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from ..core import messages as m
from ..core.audio_redaction import wav_bytes
from ..core.no_effect import takes_warnings
from ..core.params import ParamError, SessionParams, parse_session_params
from ..core.ports import DecodeRequest, DecodeResult
from ..core.session import SessionProtocol
from ..engine.router import model_unavailable
from ..speakers.encoder import MISSING as SPEAKERS_MISSING
from .artifacts import append_jsonl, write_private
from .logs import log_event, session_fields
from .store import StoreUnavailable
from .tokens import REUSED

log = logging.getLogger("hushscribe.session")

TOO_MANY = "Unauthorized Connection: Too many concurrent sessions"
SHUTTING_DOWN = "Service Restart: the server is shutting down"
STORE_DOWN = "Session Cancelled: the token store is unavailable"
CLOSE_SERVICE_RESTART = 1012  # RFC 6455: the server is restarting; clients may reconnect elsewhere

_CLOSE = object()
_FINALIZE = object()  # (_FINALIZE, termination): make the redacted audio copy, then send Termination

# Stop reading from a client that is far ahead of processing (it sends faster than real time while
# decodes are pending); resume when the backlog has drained. Bounds memory per session.
BACKLOG_PAUSE_MS = 60_000
BACKLOG_RESUME_MS = 20_000

# A client that stops reading fills the socket buffers and a send then waits for ever, holding a
# session slot while its output queues up. A send blocked this long drops the session.
WRITE_TIMEOUT_S = 30.0


def resolve_redacted_audio(params: SessionParams, cfg) -> SessionParams:
    """The extension parameter against the server's ``--redacted-audio`` settings: refused (3006) when
    the server makes no copies, turned on for every redact_pii session by ``--redacted-audio-default``."""
    if params.hushscribe_redact_audio and cfg.redacted_audio == "off":
        raise ParamError("hushscribe_redact_audio", "Value error, redacted audio is off on this server")
    if cfg.redacted_audio_default and params.redact_pii and not params.hushscribe_redact_audio:
        return dataclasses.replace(params, hushscribe_redact_audio=True)
    return params


class SessionRunner:
    def __init__(self, ws: WebSocket, state) -> None:
        self.ws = ws
        self.state = state
        self.out: asyncio.Queue = asyncio.Queue()
        self.session: SessionProtocol | None = None
        self.gone = False
        self.close_code: int | None = None
        self._drained = asyncio.Event()
        self._prefix = ""
        self.stalled = False
        self._queued: dict[int, DecodeRequest] = {}  # submitted, not answered yet (for promotions)

    # -- graceful shutdown ------------------------------------------------------------
    def shut_down(self) -> None:
        """End the session as a client ``Terminate`` would: audio already received is processed, the
        open turn is flushed as a final, then ``Termination`` and close 1000."""
        s = self.session
        if s is None or s.closed or self.gone:
            return
        s.receive_text('{"type":"Terminate"}')
        self.flush()

    # -- output -----------------------------------------------------------------------
    def flush(self) -> None:
        s = self.session
        if s is None or self.gone:
            return
        records = s.redactions_to_report()
        if records:  # before the finals they describe go out
            self._report_redactions(s.id, records)
        while s.unsent_warnings:  # parameter names only, never transcript text
            log.info("session %s: not sent to this client (it fails on Warning messages): %s", s.id,
                     s.unsent_warnings.pop(0))
        for msg in s.messages_to_send():
            if msg.get("type") == "Termination" and s.params.hushscribe_redact_audio:
                self.out.put_nowait((_FINALIZE, msg))
            else:
                self.out.put_nowait(msg)
        for seconds in s.latencies_to_report():
            self.state.metrics.ttfs.observe(seconds)
        for seconds in s.force_latencies_to_report():
            self.state.metrics.force_final.observe(seconds)
        for req in s.requests_to_run():
            self._queued[req.job_id] = req
            self.state.scheduler.submit(req, self._on_result, lambda job_id=req.job_id: self._wants(job_id),
                                        speculative=s.is_speculative(req.job_id))
        for job_id in s.promotions_to_report():
            queued = self._queued.get(job_id)
            if queued is not None:
                self.state.scheduler.promote(queued)
        if s.backlog_ms <= BACKLOG_RESUME_MS:
            self._drained.set()
        if s.close is not None and self.close_code is None:
            self.close_code = s.close[0]
            self.out.put_nowait((_CLOSE, *s.close))

    def _wants(self, job_id: int) -> bool:
        return not self.gone and self.session is not None and self.session.wants(job_id)

    def _on_result(self, req: DecodeRequest, result: DecodeResult | None, error: str | None) -> None:
        self._queued.pop(req.job_id, None)
        if self.session is None or self.gone:
            return
        self.session.receive_result(req.job_id, result, error)
        self.flush()

    def _report_redactions(self, sid: str, records: list[dict]) -> None:
        """Audit trail: a ``redaction`` log event and a counter per record, the in-memory trail behind
        ``GET /v3/sessions/{id}/audit`` and, when set, ``--audit-dir``. Records never hold a value."""
        cfg = self.state.config
        for r in records:
            self.state.metrics.redactions.labels(r["policy"]).inc()
            log_event(log, "redaction", id=sid, **r)
        self.state.artifacts.add_audit(sid, records)
        if cfg.audit_dir:
            try:
                append_jsonl(Path(cfg.audit_dir) / f"{sid}.jsonl", [{"session_id": sid, **r} for r in records])
            except OSError as exc:
                log_event(log, "audit write failed", logging.ERROR, id=sid, error=type(exc).__name__)

    async def _with_redacted_audio(self, termination: dict) -> dict:
        """Make the redacted copy (in a thread: an hour of audio is ~115 MB to copy) and say where it
        is in extra ``Termination`` fields (the SDKs ignore unknown fields)."""
        s, cfg = self.session, self.state.config
        assert s is not None
        sid = s.id
        if s.recorder is None:  # dropped past --redacted-audio-max-s (the client had Warning 9101)
            self.state.metrics.redacted_audio.labels("dropped").inc()
            return termination

        def make() -> tuple[bytes, float] | None:
            pcm = s.redacted_audio(pad_ms=cfg.redacted_audio_pad_ms, fill=cfg.redacted_audio_fill)
            s.recorder = None  # the unredacted audio goes as soon as the copy exists
            if pcm is None:  # the client left meanwhile and run() already freed the recording
                return None
            wav = wav_bytes(pcm, s.params.sample_rate)
            if cfg.redacted_audio == "directory":
                write_private(Path(cfg.redacted_audio_dir) / f"{sid}.wav", wav)
            return wav, len(pcm) / s.params.sample_rate

        try:
            made = await asyncio.to_thread(make)
        except (OSError, MemoryError) as exc:
            made, error = None, type(exc).__name__
        else:
            error = "client gone"
        if made is None:
            s.recorder = None
            self.state.metrics.redacted_audio.labels("failed").inc()
            log_event(log, "redacted audio failed", logging.ERROR, id=sid, error=error)
            return termination
        wav, seconds = made
        size = len(wav)
        if cfg.redacted_audio == "download":
            self.state.artifacts.put_audio(sid, wav)  # on the event loop, like every other store access
        self.state.metrics.redacted_audio.labels("made").inc()
        log_event(log, "redacted audio", id=sid, mode=cfg.redacted_audio, bytes=size, audio_s=round(seconds, 3),
                  spans=len(s.redacted_spans_ms))
        extra: dict = {}
        if cfg.redacted_audio == "directory":
            extra["hushscribe_redacted_audio_file"] = f"{sid}.wav"
        else:
            extra["hushscribe_redacted_audio_url"] = f"{self._prefix}/v3/sessions/{sid}/redacted-audio"
            extra["hushscribe_redacted_audio_expires_in_seconds"] = cfg.redacted_audio_ttl_s
        return {**termination, **extra}

    async def _writer(self) -> None:
        while True:
            item = await self.out.get()
            try:
                if isinstance(item, tuple) and item and item[0] is _FINALIZE:
                    item = await self._with_redacted_audio(item[1])
                if isinstance(item, tuple) and item and item[0] is _CLOSE:
                    await asyncio.wait_for(self._close(item[1], item[2]), WRITE_TIMEOUT_S)
                    return
                await asyncio.wait_for(self.ws.send_text(m.to_json(item)), WRITE_TIMEOUT_S)
            except TimeoutError:
                self.stalled = True  # the client stopped reading: drop it (run() frees the session)
                return

    async def _close(self, code: int, reason: str) -> None:
        if self.ws.application_state != WebSocketState.DISCONNECTED:
            try:
                await self.ws.close(code, reason)
            except RuntimeError:
                pass

    async def _reject(self, code: int, text: str, reason: str) -> None:
        self.close_code = code
        self.state.metrics.refused.labels(reason).inc()
        log_event(log, "session refused", reason=reason, close_code=code)
        try:
            await self.ws.send_text(m.to_json(m.error(code, text)))
            await self._close(code, m.close_reason(text))
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the client left before it could be told why

    # -- input ------------------------------------------------------------------------
    async def _reader(self) -> None:
        s = self.session
        assert s is not None
        timeout = s.params.inactivity_timeout_s
        defer_when_busy = self.state.config.defer_candidates_when_busy
        while not s.closed:
            if s.backlog_ms > BACKLOG_PAUSE_MS:
                self._drained.clear()
                await self._drained.wait()
                continue
            try:
                if timeout:
                    msg = await asyncio.wait_for(self.ws.receive(), timeout)
                else:
                    msg = await self.ws.receive()
            except TimeoutError:
                assert timeout  # only the wait_for branch times out
                s.receive_inactivity_timeout(timeout)
                self.flush()
                return
            if msg["type"] == "websocket.disconnect":
                self.gone = True
                return
            data = msg.get("bytes")
            s.defer_candidates = defer_when_busy and self.state.scheduler.backed_up
            if data is not None:
                before = s.audio_seconds
                s.receive_audio(data)
                self.state.metrics.audio.inc(max(0.0, s.audio_seconds - before))
            elif msg.get("text") is not None:
                s.receive_text(msg["text"])
            self.flush()

    async def run(self) -> None:
        ws, cfg = self.ws, self.state.config
        try:
            await ws.accept()
        except (WebSocketDisconnect, RuntimeError, OSError):
            return  # gone during the upgrade
        started = time.monotonic()
        auth = self.state.auth.authenticate(ws.headers.get("authorization"), ws.query_params.get("token"))
        # A temporary token caps the session (its max_session_duration_seconds, protocol §2.3).
        self.max_session_s = min(cfg.max_session_seconds, auth.max_session_s or cfg.max_session_seconds)
        if not auth.ok:
            await self._reject(m.CLOSE_UNAUTHORIZED, auth.error, "auth")
            return
        if auth.token_id and self.state.auth.tokens.single_use:
            try:
                fresh = await self.state.store.claim_token(auth.token_id, auth.token_expires_at)
            except StoreUnavailable:  # fail closed: an unverifiable bearer token may be a replay
                await self._reject(m.CLOSE_SERVER_ERROR, STORE_DOWN, "store_unavailable")
                return
            if not fresh:
                await self._reject(m.CLOSE_UNAUTHORIZED, REUSED, "auth")
                return
        try:
            params = parse_session_params(ws.query_params.multi_items(), default_speech_model=cfg.default_speech_model)
            params = resolve_redacted_audio(params, cfg)
        except ParamError as exc:
            await self._reject(m.CLOSE_INVALID_INPUT, exc.message, "invalid_parameter")
            return
        missing = model_unavailable(self.state.engine, params.decode_model)
        if missing:
            # Never a silent fallback to English: the client asked for a model this server cannot run.
            await self._reject(m.CLOSE_INVALID_INPUT, ParamError("speech_model", f"{params.speech_model}: {missing}").message,
                               "model_unavailable")
            return
        if params.speaker_labels and self.state.speaker_encoder is None:
            await self._reject(m.CLOSE_INVALID_INPUT, ParamError("speaker_labels", SPEAKERS_MISSING).message,
                               "model_unavailable")
            return
        if await self._refuse_if_full():
            return
        sid = str(uuid.uuid4())
        store = self.state.store
        if not await store.acquire_session(auth.key_id, cfg.max_sessions_per_key, sid):
            await self._reject(m.CLOSE_TOO_MANY_SESSIONS, TOO_MANY, "key_capacity")
            return
        if await self._refuse_if_full():  # checked again: other sessions were admitted during the await
            await store.release_session(auth.key_id, sid)
            return
        session = SessionProtocol(
            sid,
            params,
            self.state.vad.new_stream(),
            clock=time.monotonic,
            settings=cfg.session_settings(),
            redactor=self.state.redactor,
            warnings=takes_warnings(ws.headers.get("user-agent")),
        )
        self.session = session
        self._prefix = ws.url.path.rstrip("/").removesuffix("/v3/ws")  # a proxy prefix (see app.py)
        if params.redact_pii:
            self.state.artifacts.open(sid, auth.key_id)
        # Registered before any await: global admission counts it at once.
        self.state.sessions[sid] = session
        self.state.runners.add(self)
        self.state.metrics.sessions.inc()
        try:
            expires_at = int(time.time()) + self.max_session_s
            await ws.send_text(m.to_json(m.begin(sid, expires_at, params.begin_configuration())))
            log_event(log, "session start", id=sid, auth=auth.kind, max_session_s=self.max_session_s,
                      **session_fields(params))
            await self._serve(session)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the client went away; nothing to send it any more
        finally:
            self.gone = True
            if session.recorder is not None:  # no Termination (error, client gone): no copy, memory freed
                session.recorder.drop()
                session.recorder = None
            if params.redact_pii:
                self.state.artifacts.end(sid)
                loop = asyncio.get_running_loop()
                for ttl in {cfg.audit_ttl_s, cfg.redacted_audio_ttl_s}:  # free expired entries without a request
                    loop.call_later(ttl + 1, self.state.artifacts.sweep)
            self.state.sessions.pop(sid, None)
            self.state.runners.discard(self)
            for outcome, n in session.speculative.items():
                self.state.metrics.speculative.labels(outcome).inc(n)
            log_event(log, "session end", id=sid, close_code=self.close_code, client_gone=self.close_code is None,
                      stalled=self.stalled,
                      audio_s=round(session.audio_seconds, 3), wall_s=round(time.monotonic() - started, 3))
            await store.release_session(auth.key_id, sid)

    async def _refuse_if_full(self) -> bool:
        """Refuse (and say so) while draining or when every session slot of this replica is taken."""
        if self.state.draining:
            await self._reject(CLOSE_SERVICE_RESTART, SHUTTING_DOWN, "shutting_down")
            return True
        if self.state.free_slots <= 0:
            await self._reject(m.CLOSE_TOO_MANY_SESSIONS, TOO_MANY, "capacity")
            return True
        if self.state.decode_backlogged:  # measured: the open sessions' finals are already late
            await self._reject(m.CLOSE_TOO_MANY_SESSIONS, TOO_MANY, "decode_backlog")
            return True
        return False

    async def _serve(self, session: SessionProtocol) -> None:
        loop = asyncio.get_running_loop()

        def expire() -> None:
            session.expire()
            self.flush()

        expiry = loop.call_later(self.max_session_s, expire)
        self.flush()  # what the session says before any audio (Warning about ignored parameters)
        writer = asyncio.create_task(self._writer())
        reader = asyncio.create_task(self._reader())
        ticker = asyncio.create_task(self._ticker(session))
        try:
            await asyncio.wait({writer, reader}, return_when=asyncio.FIRST_COMPLETED)
            if reader.done() and not writer.done() and not self.gone:
                # The reader stopped because the session closed; let the writer finish sending.
                await writer
        finally:
            expiry.cancel()
            self.gone = True
            for t in (reader, writer, ticker):
                if not t.done():
                    t.cancel()
            await asyncio.gather(reader, writer, ticker, return_exceptions=True)

    async def _ticker(self, session: SessionProtocol) -> None:
        """Lets time pass in the session once a second (Heartbeat), also while the client sends nothing."""
        while not session.closed and not self.gone:
            await asyncio.sleep(1.0)
            session.tick()
            self.flush()

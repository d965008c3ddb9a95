"""The ASGI application: WebSocket ``/v3/ws`` plus ``/health`` and ``/ready``.

Models are loaded once in the lifespan (before the first connection is accepted), so ``Begin`` is
sent within milliseconds of the upgrade. Engines and detectors can be injected (tests use fakes).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.websockets import WebSocket

from ..core.left_context import without_left_context
from ..core.ports import DecodeRequest, DecodeResult, Engine, Redactor, VoiceDetector
from ..core.rendering import final_renderings_audited
from ..engine import catalog
from ..engine.faster_whisper import FasterWhisperEngine, WhisperOptions
from ..engine.router import ModelRouter
from ..pii import PiiRedactor, warm_up
from ..scheduler import InferenceScheduler
from ..settings import ServerConfig
from ..speakers.encoder import VoiceEncoder, load_encoder, speaker_postprocess
from ..vad.energy import EnergyVoiceDetector
from ..vad.silero import SileroVoiceDetector
from .artifacts import SessionArtifacts
from .auth import Authenticator
from .metrics import CONTENT_TYPE_LATEST, Metrics
from .store import InProcessStore, SharedStore, make_store
from .tokens import EXPIRES_MAX, EXPIRES_MIN, SESSION_MAX, SESSION_MIN, TokenAuthority
from .ws import SessionRunner

log = logging.getLogger("hushscribe.server")

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The demo page's token: long enough to ask for the microphone, one session, capped at an hour.
DEMO_TOKEN_EXPIRES_S = 60
DEMO_SESSION_MAX_S = 3600
# The page sends this header; a cross-origin page cannot without a CORS preflight, which we never
# answer, so other web sites open in the same browser cannot mint tokens from a local server.
DEMO_HEADER = "x-hushscribe-demo"
_STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


@dataclass
class AppState:
    config: ServerConfig
    auth: Authenticator
    metrics: Metrics
    artifacts: SessionArtifacts  # audit trails and redacted audio copies of redact_pii sessions
    engine: Engine | None = None
    vad: VoiceDetector | None = None
    redactor: Redactor | None = None
    scheduler: InferenceScheduler | None = None
    sessions: dict[str, Any] = field(default_factory=dict)
    runners: set = field(default_factory=set)  # the SessionRunner of each open session
    store: SharedStore = field(default_factory=InProcessStore)  # used tokens, sessions per key (server/store.py)
    draining: bool = False  # shutting down: new sessions are refused
    ready: bool = False
    speaker_encoder: Any = None  # speakers.encoder.VoiceEncoder when the speakers weights are installed

    @property
    def sessions_per_key(self) -> dict[str, int]:
        """This replica's open sessions by API-key pseudonym."""
        return self.store.sessions_per_key()

    @property
    def free_slots(self) -> int:
        return max(0, self.config.session_limit - len(self.sessions))

    @property
    def decode_backlogged(self) -> bool:
        """The measured decode backlog is past ``max_decode_backlog_s``: admitting more would make the
        open sessions' finals later still (admission refuses with 3009, /ready says 503)."""
        bound = self.config.max_decode_backlog_s
        return bound > 0 and self.scheduler is not None and self.scheduler.backlog_s > bound

    async def drain(self, grace_s: float, should_stop=lambda: False) -> bool:
        """Graceful shutdown: refuse new sessions, end every open one as a client ``Terminate`` would
        (in-flight turn flushed as a final, ``Termination``, close 1000), and wait up to ``grace_s`` for
        them to finish. True when all finished in time."""
        self.draining = True
        open_sessions = len(self.runners)
        if open_sessions:
            log.info("shutting down: ending %d open session(s), grace %.0f s", open_sessions, grace_s)
        for runner in list(self.runners):
            runner.shut_down()
        deadline = asyncio.get_running_loop().time() + grace_s
        while self.runners and not should_stop():
            if asyncio.get_running_loop().time() >= deadline:
                log.warning("shutting down: %d session(s) still open after %.0f s; closing them (1012)",
                            len(self.runners), grace_s)
                return False
            await asyncio.sleep(0.05)
        return not self.runners


def load_engine(config: ServerConfig) -> Engine:
    """The English model, plus the multilingual one when ``--multilingual-model`` gives one (``auto``: the
    packaged Whisper base when its extra is installed). A model that serves both is loaded once."""
    english_choice = catalog.parse_choice(config.model)
    multi_choice = catalog.parse_choice(config.multilingual_model, multilingual=True)
    english = FasterWhisperEngine(_whisper_options(config, config.model))
    engines: dict[str, Engine] = {"english": english}
    unavailable: dict[str, str] = {}
    if multi_choice.kind == "off":
        unavailable["multilingual"] = catalog.multilingual_off_reason(config.multilingual_model)
    elif multi_choice == english_choice and english.multilingual:
        engines["multilingual"] = english
    else:
        log.info("loading multilingual model %s", config.multilingual_model)
        engine = FasterWhisperEngine(_whisper_options(config, multi_choice.value or multi_choice.kind))
        if not engine.multilingual:
            raise ValueError(f"--multilingual-model {config.multilingual_model!r} is an English-only model")
        engines["multilingual"] = engine
    return ModelRouter(engines, unavailable)


def _whisper_options(config: ServerConfig, model: str):
    return WhisperOptions(model=model, compute_type=config.compute_type, cpu_threads=config.cpu_threads,
                          workers=config.workers)


def load_vad(config: ServerConfig) -> VoiceDetector:
    if config.vad == "energy":
        return EnergyVoiceDetector()
    return SileroVoiceDetector()


def load_redactor() -> Redactor:
    """Presidio + spaCy, loaded and warmed once per process (about a second)."""
    warm_up()
    return PiiRedactor()


def make_postprocess(redactor: Redactor | None, speaker_encoder: VoiceEncoder | None = None):
    embed = speaker_postprocess(speaker_encoder) if speaker_encoder is not None else None

    def postprocess(req: DecodeRequest, result: DecodeResult) -> DecodeResult:
        result = without_left_context(result, req.context_ms)  # before anything reads the words
        if embed is not None:
            result = embed(req, result)
        # Finals, and partials of sessions with safe partials (redaction set), are rendered here.
        if not result.words or (req.kind != "final" and req.redaction is None):
            return result
        renderings, redactions = final_renderings_audited(result.words, formatted_only=req.formatted_only,
                                                          redaction=req.redaction, redactor=redactor)
        return result.with_words(result.words, renderings, redactions)

    return postprocess


def _token_error(status: int, text: str) -> JSONResponse:
    return JSONResponse({"error": text, "detail": text}, status_code=status)


def _int_param(request: Request, name: str, default: int | None, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ValueError(f"{name} is required")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer") from None
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}")
    return value


_PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
_PROXIED = ("hushscribe: this request came through a proxy; with --demo-page auto the demo page is served "
            "to local users only. Set --demo-page on to serve it through the proxy (anyone who can reach "
            "it can then open sessions).\n")


def _add_demo_routes(app: FastAPI, tokens: TokenAuthority, auto: bool) -> None:
    """The browser demo page (static files in ``server/static``) and its same-origin token endpoint.

    With ``auto`` (the default, on for loopback binds) a request that carries proxy headers is refused:
    a loopback bind behind a reverse proxy is reachable from everywhere the proxy is.
    """
    no_store = {"Cache-Control": "no-store"}

    def proxied(request: Request) -> bool:
        return auto and any(h in request.headers for h in _PROXY_HEADERS)

    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        if proxied(request):
            return PlainTextResponse(_PROXIED, status_code=403)
        return FileResponse(STATIC_DIR / "index.html", media_type=_STATIC_TYPES[".html"], headers=no_store)

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        path = STATIC_DIR / name
        # Flat directory, known types only: no path traversal, no directory listing.
        if "/" in name or name.startswith(".") or path.suffix not in _STATIC_TYPES or not path.is_file():
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(path, media_type=_STATIC_TYPES[path.suffix], headers=no_store)

    @app.get("/demo/token", include_in_schema=False)
    async def demo_token(request: Request) -> JSONResponse:
        """A short-lived token for the page: it cannot send an API key on a WebSocket (protocol §2.3)."""
        if request.headers.get(DEMO_HEADER) != "1":
            return _token_error(403, f"Missing {DEMO_HEADER} header (the demo page sends it)")
        if proxied(request):
            return _token_error(403, _PROXIED.strip())
        token = tokens.mint(DEMO_TOKEN_EXPIRES_S, DEMO_SESSION_MAX_S)
        return JSONResponse({"token": token, "expires_in_seconds": DEMO_TOKEN_EXPIRES_S}, headers=no_store)


def _add_session_routes(app: FastAPI, state: AppState) -> None:
    """hushscribe extensions: a redact_pii session's audit trail and its redacted audio copy.

    Who may fetch: the API key that opened the session, or that minted the temporary token it was
    opened with (compared by pseudonym, see server/artifacts.py). Anything else -- no such session,
    another key's session, a copy already downloaded or expired -- is the same 404.
    """
    no_store = {"Cache-Control": "no-store"}

    def owned(request: Request, session_id: str, fetch, missing: str):
        """(what ``fetch(session_id, key_id)`` gives the caller's key, None) or (None, the 401/404)."""
        header = request.headers.get("authorization")
        key = state.auth.credential(header, None) or ""
        if not state.auth.check_key(key):
            return None, _token_error(401, "Invalid API key" if header else "Missing Authorization header")
        value = fetch(session_id, state.auth.key_id(key))
        return (value, None) if value is not None else (None, _token_error(404, missing))

    async def redacted_audio(session_id: str, request: Request) -> Response:
        wav, refused = owned(request, session_id, state.artifacts.take_audio,
                             "No redacted audio for this session (never made, already downloaded, or expired)")
        if refused is not None:
            return refused
        state.metrics.redacted_audio.labels("downloaded").inc()
        log.info("redacted audio of session %s downloaded (%d bytes)", session_id, len(wav))
        return Response(wav, media_type="audio/wav", headers={
            **no_store, "Content-Disposition": f'attachment; filename="{session_id}.wav"'})

    async def audit(session_id: str, request: Request) -> JSONResponse:
        records, refused = owned(request, session_id, state.artifacts.audit,
                                 "No audit trail for this session (not a redact_pii session of this key, or expired)")
        if refused is not None:
            return refused
        return JSONResponse({"session_id": session_id, "session_open": session_id in state.sessions,
                             "redactions": records}, headers=no_store)

    for prefix in ("", "/{prefix:path}"):  # the same proxy prefixes as /v3/ws
        app.add_api_route(prefix + "/v3/sessions/{session_id}/redacted-audio", redacted_audio, methods=["GET"])
        app.add_api_route(prefix + "/v3/sessions/{session_id}/audit", audit, methods=["GET"])


def create_app(
    config: ServerConfig,
    *,
    engine: Engine | None = None,
    vad: VoiceDetector | None = None,
    redactor: Redactor | None = None,
    api_keys: tuple[str, ...] | None = None,
) -> FastAPI:
    keys = config.api_keys if api_keys is None else api_keys
    secret = config.token_secret.encode() if config.token_secret else secrets.token_bytes(32)
    tokens = TokenAuthority(secret, single_use=config.token_single_use)
    auth = Authenticator(keys, config.auth_mode, config.strip_bearer, tokens=tokens)
    state: AppState  # the gauges read it when scraped, by then it exists
    app_metrics = Metrics(queue_depth=lambda: state.scheduler.queue_depth if state.scheduler else 0,
                          active_sessions=lambda: len(state.sessions),
                          backlog_s=lambda: state.scheduler.backlog_s if state.scheduler else 0.0)
    state = AppState(config=config, auth=auth, metrics=app_metrics, engine=engine, vad=vad, redactor=redactor,
                     artifacts=SessionArtifacts(audio_ttl_s=config.redacted_audio_ttl_s,
                                                audit_ttl_s=config.audit_ttl_s),
                     store=make_store(config.redis_url, on_error=lambda op: state.metrics.store_errors.labels(op).inc()))
    for directory in (config.redacted_audio_dir if config.redacted_audio == "directory" else "", config.audit_dir):
        if directory:
            Path(directory).mkdir(mode=0o700, parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The speaker weights (when installed) load in a thread while the model and the redactor load.
        encoder = asyncio.create_task(asyncio.to_thread(load_encoder)) if state.speaker_encoder is None else None
        if state.engine is None:
            log.info("loading model %s", config.model)
            state.engine = load_engine(config)
        if state.vad is None:
            state.vad = load_vad(config)
        if state.redactor is None:
            state.redactor = await asyncio.to_thread(load_redactor)
        if encoder is not None:
            state.speaker_encoder = await encoder
        state.scheduler = InferenceScheduler(state.engine, workers=config.workers)
        state.scheduler.postprocess = make_postprocess(state.redactor, state.speaker_encoder)
        state.scheduler.on_decode = lambda req, dt: state.metrics.decode.labels(req.kind).observe(dt)
        state.scheduler.on_skip = lambda req: state.metrics.skipped.inc()
        state.scheduler.on_wait = lambda req, s: state.metrics.queue_wait.labels(req.kind).observe(s)
        await state.scheduler.start()
        await state.store.start()
        state.ready = True
        log.info("ready: engine=%s", getattr(state.engine, "name", "?"))
        try:
            yield
        finally:
            state.ready = False
            await state.scheduler.stop()
            await state.store.close()

    app = FastAPI(title="hushscribe", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.hs = state

    @app.get("/health")
    @app.get("/v3/health")
    async def health() -> dict:
        return {"status": "ok"}

    @app.get("/ready")
    async def ready() -> JSONResponse:
        """200 while the model is loaded and a session slot is free (load balancers use it)."""
        body = {
            "ready": state.ready,
            "active_sessions": len(state.sessions),
            "max_sessions": config.session_limit,
            "free_slots": state.free_slots,
            "decode_backlog_s": round(state.scheduler.backlog_s, 3) if state.scheduler else 0.0,
        }
        ok = state.ready and not state.draining and state.free_slots > 0 and not state.decode_backlogged
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/v3/token")
    async def token(request: Request) -> JSONResponse:
        """Mint a temporary token (protocol §2.3). Errors carry both ``error`` (JS SDK) and ``detail``."""
        key = state.auth.credential(request.headers.get("authorization"), None) or ""
        if not state.auth.check_key(key):
            return _token_error(401, "Invalid API key" if request.headers.get("authorization") else
                                "Missing Authorization header")
        try:
            expires = _int_param(request, "expires_in_seconds", None, EXPIRES_MIN, EXPIRES_MAX)
            session = _int_param(request, "max_session_duration_seconds", SESSION_MAX, SESSION_MIN, SESSION_MAX)
        except ValueError as exc:
            return _token_error(422, str(exc))
        return JSONResponse({"token": tokens.mint(expires, session, key_id=state.auth.key_id(key)), "expires_in_seconds": expires})

    if config.demo_page_enabled:
        _add_demo_routes(app, tokens, auto=config.demo_page == "auto")
    else:
        @app.get("/", include_in_schema=False)
        async def no_demo() -> PlainTextResponse:
            return PlainTextResponse("hushscribe: the demo page is off (--demo-page). The API is at /v3/ws.\n",
                                     status_code=404)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    _add_session_routes(app, state)

    async def session_endpoint(websocket: WebSocket) -> None:
        await SessionRunner(websocket, state).run()

    # The Python SDK appends /v3/ws to whatever api_host holds (protocol §11.1): accept a proxy prefix,
    # a trailing slash and the '//v3/ws' an api_host ending in '/' produces.
    app.add_api_websocket_route("/v3/ws", session_endpoint)
    app.add_api_websocket_route("/v3/ws/", session_endpoint)
    app.add_api_websocket_route("/{prefix:path}/v3/ws", session_endpoint)
    app.add_api_websocket_route("/{prefix:path}/v3/ws/", session_endpoint)
    return app

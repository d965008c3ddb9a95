"""Server settings: one declarative table drives the CLI flags, the ``HUSHSCRIBE_*`` environment
variables and the settings table in the docs, so the three can never disagree.

Precedence: command-line flag > environment variable > default. Validated once, at start-up.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .core.params import SPEECH_MODELS
from .core.session import SessionSettings
from .engine import catalog  # light: no model is loaded


def _bool(v: str) -> bool:
    s = str(v).strip().lower()
    if s in ("1", "true", "yes", "on"):
        return True
    if s in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {v!r}")


def _float(v: str) -> float:
    return float(v)


def _keys(v: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in str(v).split(",") if k.strip())


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    choices: tuple[str, ...] | None = None

    @property
    def env(self) -> str:
        return "HUSHSCRIBE_" + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "127.0.0.1", str, "Address to listen on."),
    Setting("port", 8765, int, "Port to listen on."),
    Setting("model", "bundled", str,
            "English model (universal-streaming-english, u3-rt-pro and the other English names): 'bundled' "
            "(Whisper tiny.en int8, fastest), 'base' (Whisper base from the multilingual extra: about 2.2x "
            "the CPU per decode; WER of both in docs/performance.md), a CTranslate2 model directory, or a "
            "faster-whisper model id (needs network on first use)."),
    Setting("multilingual_model", "auto", str,
            "Model for universal-streaming-multilingual: 'auto' (Whisper base when the multilingual extra "
            "is installed with scripts/install-multilingual, else such sessions are refused with 3006), "
            "'base', 'off', or a multilingual CTranslate2 model directory or model id."),
    Setting("compute_type", "int8", str, "CTranslate2 compute type (int8, int8_float32, float32)."),
    Setting("cpu_threads", 2, int,
            "Threads per decode (CTranslate2 intra-op threads). With one decode worker per core, 2 threads "
            "give a lone stream a faster decode and cost little under load (docs/performance.md)."),
    Setting("decode_workers", 0, int,
            "Decodes that run at the same time (engine worker threads); 0: one per CPU core."),
    Setting("default_speech_model", "universal-streaming-english", str,
            "speech_model used when a client does not send one.", SPEECH_MODELS),
    Setting("api_keys", (), _keys,
            "Comma-separated API keys accepted in the Authorization header. Empty: a local dev key is "
            "created (see 'hushscribe dev-key')."),
    Setting("auth_mode", "keys", str,
            "'keys': only configured keys; 'any': any non-empty credential (local development).",
            ("keys", "any")),
    Setting("strip_bearer", True, _bool, "Accept 'Authorization: Bearer <key>' as well as the raw key."),
    Setting("token_secret", "", str,
            "Secret that signs temporary tokens (GET /v3/token). Empty: a random one per process; give "
            "every replica the same value so each can verify the others' tokens."),
    Setting("token_single_use", True, _bool, "A temporary token opens one session only."),
    Setting("redis_url", "", str,
            "Redis shared by replicas (redis://[:password@]host[:port][/db], rediss:// for TLS): single-use "
            "tokens and --max-sessions-per-key then hold across replicas. Empty: in this process only. "
            "Needs --token-secret (docs/deploy.md)."),
    Setting("demo_page", "auto", str,
            "Browser demo page at GET / and GET /demo/token, which hands a short-lived single-use token to "
            "any page that asks: anyone who can reach the server can then open sessions without a key. "
            "'auto': on when --host is a loopback address, for requests that did not come through a proxy "
            "(no Forwarded/X-Forwarded-For/X-Real-IP header); 'on'; 'off'.", ("auto", "on", "off")),
    Setting("home", str(Path.home() / ".config" / "hushscribe"), str,
            "Directory for the generated dev key."),
    Setting("max_session_seconds", 10800, int, "Maximum session duration (Error 3008 when reached)."),
    Setting("max_sessions", 0, int,
            "Concurrent sessions admitted; more are refused with 3009. 0: 3 per CPU core (measured: a 2-core "
            "box holds 6 real-time streams without falling behind). Size it with 'hushscribe bench stream "
            "--find-capacity'."),
    Setting("max_decode_backlog_s", 2.0, _float,
            "Refuse new sessions (3009) while the measured decode backlog -- decodes queued and running, at "
            "the measured cost of recent decodes, per worker -- exceeds this many seconds: the open sessions' "
            "finals would already be late. /ready answers 503 meanwhile. 0: off (the session count alone)."),
    Setting("max_sessions_per_key", 0, int,
            "Concurrent sessions one API key may hold (temporary tokens count against the key that minted "
            "them); more are refused with 3009. 0: no per-key limit."),
    Setting("max_audio_rate", 0.0, _float,
            "Refuse audio sent faster than this multiple of real time (beyond a burst of "
            "--audio-rate-burst-s) with 3007 'Audio Transmission Rate Exceeded'. 0: off (the default: the SDKs "
            "and 'hushscribe bench' stream files as fast as they can, which is supported)."),
    Setting("audio_rate_burst_s", 10.0, _float,
            "Seconds of audio a client may send ahead of the --max-audio-rate budget."),
    Setting("max_message_bytes", 262144, int,
            "Largest WebSocket message read (bytes): a longer text message is refused with 3006, a longer audio "
            "message with 3007; messages over 4x this are dropped by the transport with close 1009."),
    Setting("strict_min_chunk", False, _bool,
            "Reject audio messages shorter than 50 ms with 3007 (AssemblyAI's documented rule; off by "
            "default because browsers and SDK flushes send short tails)."),
    Setting("partial_interval_ms", 1000, int, "Audio between two partial decodes of one turn."),
    Setting("max_turn_ms", 28000, int, "Longest turn; a longer one is ended and decoded (Whisper's window is 30 s)."),
    Setting("vad_hangover_ms", 0, int,
            "VAD silence not counted towards min_turn_silence/max_turn_silence. 0: silence counts from the "
            "VAD's end of speech, which already trails the true end by ~65 ms (median on the labelled calls)."),
    Setting("candidate_delay_ms", 160, int,
            "Quiet (VAD below the speech threshold; capped at min_turn_silence) after which a turn is decoded "
            "speculatively, so that its final is ready when ForceEndpoint or the silence rule ends the turn. "
            "Earlier: lower latency, more decodes thrown away (96 ms: 21 % of them on the calls with "
            "ForceEndpoint at a client's VAD stop, u3-rt-pro; docs/performance.md)."),
    Setting("left_context_ms", 3000, int,
            "Left audio context, in sessions whose max_turn_silence is under 700 ms (u3-rt-pro at 100 ms, Pipecat's "
            "and LiveKit's defaults): a turn that starts within 700 ms of the previous final is decoded together "
            "with up to this much audio before it (from a word of that final), and only its own words are kept, so "
            "fragments cut by short silences are heard in context. 0: each turn decoded alone (docs/protocol.md "
            "'Context across turns')."),
    Setting("number_hold_ms", 800, int,
            "redact_pii sessions: a turn whose speculative decode ends in a number does not end before this much "
            "silence, whatever min/max_turn_silence say (ForceEndpoint still ends it), so that digits dictated "
            "in groups are one turn, redacted as one. 0: off (docs/protocol.md 'Numbers split by short pauses')."),
    Setting("defer_candidates_when_busy", True, _bool,
            "While finals wait for the decoder, start a turn's speculative decode only once its silence "
            "could end it: fewer decodes thrown away when speech resumes, at some latency, only under load."),
    Setting("shutdown_grace_s", 30.0, _float,
            "On SIGTERM/SIGINT: new sessions are refused (1012), open sessions end their turn and get Termination; "
            "sessions still open after this many seconds are closed (1012)."),
    Setting("redacted_audio", "off", str,
            "Redacted audio (extension query parameter hushscribe_redact_audio=true, with redact_pii): the "
            "session's audio is kept in memory only and at Termination a copy with every redacted word's audio "
            "replaced is made. 'download': fetched once with the session's API key from GET "
            "/v3/sessions/{id}/redacted-audio within --redacted-audio-ttl-s; 'directory': written to "
            "--redacted-audio-dir; 'off': the parameter is refused (3006). The unredacted audio is never "
            "written anywhere.", ("off", "download", "directory")),
    Setting("redacted_audio_dir", "", str, "Directory for --redacted-audio directory (<session id>.wav, mode 0600)."),
    Setting("redacted_audio_ttl_s", 600, int, "Seconds a redacted copy waits for its one download before it is deleted."),
    Setting("redacted_audio_pad_ms", 250, int,
            "Audio also replaced before and after each redacted word (word timestamps are approximate; "
            "docs/protocol.md has the measurement)."),
    Setting("redacted_audio_fill", "tone", str, "What replaces redacted audio: a 1 kHz tone at -20 dBFS, or silence.",
            ("tone", "silence")),
    Setting("redacted_audio_max_s", 3600, int,
            "Most seconds of audio one session keeps for its redacted copy (2 bytes a sample: 1.9 MB a minute at "
            "16 kHz); past it the recording is dropped, the client gets Warning 9101 and no copy is made."),
    Setting("redacted_audio_default", False, _bool,
            "Make a redacted copy for every redact_pii session, as if it sent hushscribe_redact_audio=true "
            "(for clients that cannot add a query parameter); needs --redacted-audio download or directory."),
    Setting("audit_ttl_s", 3600, int,
            "Seconds a redact_pii session's audit trail (one record per redaction, never the value) stays "
            "readable at GET /v3/sessions/{id}/audit after the session ends; 0: the endpoint is off."),
    Setting("audit_dir", "", str, "Directory for audit trail files (<session id>.jsonl, mode 0600); empty: none."),
    Setting("ssl_certfile", "", str, "TLS certificate (PEM) for wss:// and https://; needs --ssl-keyfile."),
    Setting("ssl_keyfile", "", str, "TLS private key (PEM) for --ssl-certfile."),
    Setting("vad", "silero", str, "Voice activity detector: 'silero' (bundled) or 'energy' (tests).",
            ("silero", "energy")),
    Setting("log_level", "info", str, "Log level.", ("debug", "info", "warning", "error")),
    Setting("log_format", "text", str,
            "'text', or 'json' (one JSON object per line; session start/end lines carry structured fields).",
            ("text", "json")),
)


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    model: str = "bundled"
    multilingual_model: str = "auto"
    compute_type: str = "int8"
    cpu_threads: int = 2
    decode_workers: int = 0
    default_speech_model: str = "universal-streaming-english"
    api_keys: tuple[str, ...] = ()
    auth_mode: str = "keys"
    strip_bearer: bool = True
    token_secret: str = ""
    token_single_use: bool = True
    redis_url: str = ""
    demo_page: str = "auto"
    home: str = str(Path.home() / ".config" / "hushscribe")
    max_session_seconds: int = 10800
    max_sessions: int = 0
    max_decode_backlog_s: float = 2.0
    max_sessions_per_key: int = 0
    max_audio_rate: float = 0.0
    audio_rate_burst_s: float = 10.0
    max_message_bytes: int = 262144
    strict_min_chunk: bool = False
    partial_interval_ms: int = 1000
    max_turn_ms: int = 28000
    vad_hangover_ms: int = 0
    candidate_delay_ms: int = 160
    left_context_ms: int = 3000
    number_hold_ms: int = 800
    defer_candidates_when_busy: bool = True
    shutdown_grace_s: float = 30.0
    redacted_audio: str = "off"
    redacted_audio_dir: str = ""
    redacted_audio_ttl_s: int = 600
    redacted_audio_pad_ms: int = 250
    redacted_audio_fill: str = "tone"
    redacted_audio_max_s: int = 3600
    redacted_audio_default: bool = False
    audit_ttl_s: int = 3600
    audit_dir: str = ""
    ssl_certfile: str = ""
    ssl_keyfile: str = ""
    vad: str = "silero"
    log_level: str = "info"
    log_format: str = "text"

    def validate(self) -> ServerConfig:
        for s in SETTINGS:
            v = getattr(self, s.name)
            if s.choices and v not in s.choices:
                raise ValueError(f"{s.flag}: {v!r} is not one of {', '.join(s.choices)}")
        for flag, value, multilingual in (("--model", self.model, False),
                                          ("--multilingual-model", self.multilingual_model, True)):
            choice = catalog.parse_choice(value, multilingual=multilingual)  # ValueError: tiny.en as multilingual
            if choice.kind == "base" and not catalog.base_installed():
                raise ValueError(f"{flag} {value}: {catalog.missing_base_message()}")
        if self.decode_workers < 0:
            raise ValueError("--decode-workers must not be negative (0: one per CPU core)")
        if self.max_sessions < 0:
            raise ValueError("--max-sessions must not be negative (0: 3 per CPU core)")
        for name in ("port", "cpu_threads", "max_session_seconds",
                     "partial_interval_ms", "max_turn_ms"):
            if getattr(self, name) <= 0 and name != "port":
                raise ValueError(f"--{name.replace('_', '-')} must be positive")
        if not 0 <= self.port <= 65535:
            raise ValueError("--port must be 0-65535")
        for name in ("max_sessions_per_key", "max_audio_rate", "audio_rate_burst_s", "shutdown_grace_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"--{name.replace('_', '-')} must not be negative")
        if self.max_message_bytes < 4096:
            raise ValueError("--max-message-bytes must be at least 4096")
        if self.redacted_audio == "directory" and not self.redacted_audio_dir:
            raise ValueError("--redacted-audio directory needs --redacted-audio-dir")
        if self.redacted_audio_default and self.redacted_audio == "off":
            raise ValueError("--redacted-audio-default needs --redacted-audio download or directory")
        if self.redacted_audio_ttl_s <= 0 or self.redacted_audio_max_s <= 0:
            raise ValueError("--redacted-audio-ttl-s and --redacted-audio-max-s must be positive")
        if not 0 <= self.redacted_audio_pad_ms <= 2000:
            raise ValueError("--redacted-audio-pad-ms must be between 0 and 2000")
        if self.audit_ttl_s < 0:
            raise ValueError("--audit-ttl-s must not be negative")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://")):
            raise ValueError("--redis-url must start with redis:// or rediss://")
        if self.redis_url and not self.token_secret:
            # Several replicas: each would sign tokens (and name keys) with its own random secret.
            raise ValueError("--redis-url is for several replicas, which must share --token-secret "
                             "(HUSHSCRIBE_TOKEN_SECRET); it is empty")
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile):
            raise ValueError("--ssl-certfile and --ssl-keyfile go together")
        if not 1000 <= self.max_turn_ms <= 29000:
            raise ValueError("--max-turn-ms must be between 1000 and 29000")
        if not 0 <= self.vad_hangover_ms <= 1000:
            raise ValueError("--vad-hangover-ms must be between 0 and 1000")
        if not 32 <= self.candidate_delay_ms <= 2000:
            raise ValueError("--candidate-delay-ms must be between 32 and 2000")
        if not 0 <= self.left_context_ms <= 10000:
            raise ValueError("--left-context-ms must be between 0 and 10000")
        if not 0 <= self.number_hold_ms <= 3000:
            raise ValueError("--number-hold-ms must be between 0 and 3000")
        return self

    @property
    def workers(self) -> int:
        """Decode workers in effect: ``decode_workers``, or one per CPU core when it is 0."""
        return self.decode_workers or cpu_cores()

    @property
    def session_limit(self) -> int:
        """Sessions admitted at once: ``max_sessions``, or 3 per CPU core when it is 0."""
        return self.max_sessions or 3 * cpu_cores()

    def session_settings(self) -> SessionSettings:
        """The per-session knobs of this server (the same for streaming and file transcription)."""
        return SessionSettings(
            max_turn_ms=self.max_turn_ms,
            partial_interval_ms=self.partial_interval_ms,
            strict_min_chunk=self.strict_min_chunk,
            vad_hangover_ms=self.vad_hangover_ms,
            candidate_delay_ms=self.candidate_delay_ms,
            left_context_ms=self.left_context_ms,
            number_hold_ms=self.number_hold_ms,
            max_message_bytes=self.max_message_bytes,
            max_audio_rate=self.max_audio_rate,
            audio_rate_burst_s=self.audio_rate_burst_s,
            redacted_audio_max_s=self.redacted_audio_max_s,
        )

    @property
    def demo_page_enabled(self) -> bool:
        """'auto' turns the demo page on for loopback binds only (see the setting's help)."""
        if self.demo_page != "auto":
            return self.demo_page == "on"
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


assert [s.name for s in SETTINGS] == [f.name for f in fields(ServerConfig)], "settings table out of sync"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for s in SETTINGS:
        # argparse formats help with %: a literal one ("~+26 %") must be doubled, or --help prints a dict.
        text = f"{s.help} [env {s.env}; default {s.default!r}]".replace("%", "%%")
        kw: dict[str, Any] = {"dest": s.name, "default": None, "help": text}
        if s.choices:
            kw["choices"] = s.choices
        parser.add_argument(s.flag, **kw)


def config_from(args: argparse.Namespace | None = None, environ: Mapping[str, str] | None = None) -> ServerConfig:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for s in SETTINGS:
        raw = getattr(args, s.name, None) if args is not None else None
        source = s.flag
        if raw is None and s.env in environ:
            raw, source = environ[s.env], s.env
        if raw is None:
            values[s.name] = s.default
            continue
        try:
            values[s.name] = s.parse(raw)
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None
    return ServerConfig(**values).validate()


def cpu_cores() -> int:
    """CPU cores this process may run on (its affinity mask, e.g. a container's CPU set)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def dev_key(home: str) -> str:
    """The local development key: created once (0600) and reused, so the SDK example keeps working."""
    path = Path(home) / "dev-api-key"
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = "hs_dev_" + secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key


# The settings docs/security.md lists (its table is generated by settings_table_markdown(SECURITY_SETTINGS)
# and checked by tests/test_docs.py).
SECURITY_SETTINGS = ("host", "api_keys", "auth_mode", "strip_bearer", "token_secret", "token_single_use", "redis_url",
                     "max_sessions", "max_sessions_per_key", "max_session_seconds", "max_audio_rate",
                     "audio_rate_burst_s", "max_message_bytes", "strict_min_chunk", "shutdown_grace_s",
                     "redacted_audio", "redacted_audio_dir", "redacted_audio_ttl_s", "redacted_audio_max_s",
                     "audit_ttl_s", "audit_dir", "ssl_certfile", "ssl_keyfile", "log_level", "log_format")


def settings_table_markdown(names: tuple[str, ...] | None = None) -> str:
    rows = ["| flag | environment variable | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        if names is not None and s.name not in names:
            continue
        default = ",".join(s.default) if isinstance(s.default, tuple) else s.default
        if s.name == "home":
            default = "~/.config/hushscribe"
        rows.append(f"| `{s.flag}` | `{s.env}` | `{default}` | {s.help} |")
    return "\n".join(rows)

"""Connection query parameters and ``UpdateConfiguration`` for the v3 protocol.

Why this module exists: clients (the official Python and JS SDKs, and raw
WebSocket users) encode parameters in several ways (protocol §3.1), and
production answers bad values with Pydantic-style text (protocol §3.2).  This
module turns the raw query multi-items into one immutable, fully resolved
:class:`SessionParams`, and reports every validation failure as a
:class:`ParamError` whose ``message`` is the exact ``Error`` 3006 text.

Only the standard library is used, so the protocol layer can be tested
without the web framework or the model.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "SPEECH_MODELS",
    "SPEECH_MODEL_ALIASES",
    "U3_MODELS",
    "MULTILINGUAL_MODELS",
    "MULTILINGUAL_LANGUAGES",
    "PII_POLICIES",
    "ENCODINGS",
    "LANGUAGE_CODES",
    "MODES",
    "API_VERSION",
    "KNOWN_PARAMS",
    "ParamError",
    "SessionParams",
    "parse_session_params",
    "apply_update",
]

# ---------------------------------------------------------------------------
# Value sets
# ---------------------------------------------------------------------------

#: Accepted ``speech_model`` values, in the order production lists them in
#: its validation error (protocol §3.2).  The alias ``u3-pro`` is accepted too
#: (see :data:`SPEECH_MODEL_ALIASES`) but, as in production, not listed.
SPEECH_MODELS: tuple[str, ...] = (
    "universal-streaming-english",
    "universal-streaming-multilingual",
    "whisper-rt",
    "u3-rt-pro",
    "u3-rt-pro-beta-1",
    "u3-rt-agent",
    "universal-3-5-pro",
    "universal-3-6-pro",
    "universal-3-6",
    "universal-3-7-preview",
    "_universal-3-5-notetaker",
)

#: Deprecated model names the SDKs may still send, mapped to their canonical
#: name.  Production rejects ``u3-pro``; we accept it because the Python SDK
#: enum still offers it (protocol §3.3).
SPEECH_MODEL_ALIASES: Mapping[str, str] = {"u3-pro": "u3-rt-pro"}

#: ``speech_model`` values decoded by the multilingual model; every other name is decoded by the English
#: model (``SessionParams.decode_model``).
MULTILINGUAL_MODELS: frozenset[str] = frozenset({"universal-streaming-multilingual"})

#: The languages AssemblyAI's ``universal-streaming-multilingual`` transcribes. Per-turn language detection
#: picks among these unless the client narrows (or widens) the set with ``language_codes``.
MULTILINGUAL_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "de", "it", "pt")

#: The Universal-3 Pro family: punctuation-driven turns and a single,
#: already formatted final (protocol §6.4).  Also selects the U3 defaults for
#: turn silence and VAD threshold.
U3_MODELS: frozenset[str] = frozenset(
    {
        "u3-rt-pro",
        "u3-rt-pro-beta-1",
        "u3-rt-agent",
        "universal-3-5-pro",
        "universal-3-6-pro",
        "universal-3-6",
        "universal-3-7-preview",
        "_universal-3-5-notetaker",
    }
)

#: The 65 PII policy names of protocol §7.3, in that order.
PII_POLICIES: tuple[str, ...] = (
    "account_number", "banking_information", "blood_type", "corporate_action",
    "credit_card_cvv", "credit_card_expiration", "credit_card_number", "date",
    "date_interval", "date_of_birth", "day", "drivers_license", "drug",
    "duration", "effect", "email_address", "event", "filename",
    "financial_metric", "gender", "gender_sexuality", "healthcare_number",
    "injury", "ip_address", "language", "location", "location_address",
    "location_address_street", "location_city", "location_coordinate",
    "location_country", "location_state", "location_zip", "marital_status",
    "medical_code", "medical_condition", "medical_process", "money_amount",
    "month", "nationality", "number_sequence", "occupation", "organization",
    "organization_id", "organization_medical_facility", "passport_number",
    "password", "person_age", "person_name", "phone_number",
    "physical_attribute", "political_affiliation", "product", "project",
    "religion", "sexuality", "statistics", "time", "trend", "url",
    "us_social_security_number", "username", "vehicle_id", "year",
    "zodiac_sign",
)

#: Encodings this server decodes: PCM, and the self-describing compressed streams of the SDK's enum
#: (``opus``: one raw packet per message; ``ogg_opus``: an Ogg stream cut anywhere; ``aac``: ADTS),
#: for which ``sample_rate`` is ignored.
PCM_ENCODINGS: tuple[str, ...] = ("pcm_s16le", "pcm_mulaw")
ENCODINGS: tuple[str, ...] = (*PCM_ENCODINGS, "opus", "ogg_opus", "aac")

#: The production ``language_codes`` enum (33 codes, protocol §3.3).
LANGUAGE_CODES: tuple[str, ...] = (
    "en", "es", "de", "fr", "it", "pt", "tr", "nl", "sv", "no", "da", "fi",
    "hi", "vi", "ar", "he", "ja", "ur", "zh", "ru", "ko", "ca", "gl", "ro",
    "et", "fa", "yue", "af", "mr", "zu", "xh", "nn", "multi",
)

MODES: tuple[str, ...] = ("max_accuracy", "min_latency", "balanced")
REDACT_PII_SUBS: tuple[str, ...] = ("hash", "entity_name")
DOMAINS: tuple[str, ...] = ("medical-v1",)
VOICE_FOCUS_MODELS: tuple[str, ...] = ("near-field", "far-field")
LANGUAGES: tuple[str, ...] = ("en", "multi")

#: ``Begin.configuration.api_version`` as production echoes it (protocol §5.1).
API_VERSION = "2025-05-12"

SAMPLE_RATE_MIN = 8000
SAMPLE_RATE_MAX = 48000
MAX_KEYTERMS = 100
MAX_KEYTERM_CHARS = 50
MAX_PROMPT_CHARS = 1750
# speaker_labels_revision_interval_ms: non-zero values are clamped (protocol §3.3).
_REVISION_CLAMP = (120_000, 300_000)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class ParamError(Exception):
    """A client-supplied parameter failed validation.

    ``param`` is the wire name the client used (the alias, if it used one;
    ``name.<i>`` for a bad list item) and ``detail`` the Pydantic-style
    reason, so ``message`` reproduces production's 3006 text exactly.
    """

    def __init__(self, param: str, detail: str):
        self.param = param
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"User Input Validation Error: Invalid '{self.param}': {self.detail}"


def _enum_detail(choices: Iterable[str]) -> str:
    """Pydantic's enum wording: "Input should be 'a', 'b' or 'c'"."""
    quoted = [f"'{c}'" for c in choices]
    if len(quoted) == 1:
        return f"Input should be {quoted[0]}"
    return f"Input should be {', '.join(quoted[:-1])} or {quoted[-1]}"


def _fmt_num(n: float) -> str:
    """Render a bound the way Pydantic does for ``ge=5`` / ``le=1``."""
    if isinstance(n, float) and n.is_integer():
        return str(int(n))
    return str(n)


_BOOL_ERR = "Input should be a valid boolean, unable to interpret input"
_INT_ERR = "Input should be a valid integer, unable to parse string as an integer"
_INT_TYPE_ERR = "Input should be a valid integer"
_INT_FRACTION_ERR = "Input should be a valid integer, got a number with a fractional part"
_FLOAT_ERR = "Input should be a valid number, unable to parse string as a number"
_FLOAT_TYPE_ERR = "Input should be a valid number"
_FINITE_ERR = "Input should be a finite number"
_STR_ERR = "Input should be a valid string"
_LIST_ERR = "Input should be a valid list"
_DICT_ERR = "Input should be a valid dictionary"


# ---------------------------------------------------------------------------
# Scalar coercion (accepts wire strings and native JSON values)
# ---------------------------------------------------------------------------

_TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})
_FALSE = frozenset({"false", "0", "no", "off", "f", "n"})
# ASCII-only so that e.g. Arabic-Indic digits or "1_000" are not numbers.
_INT_RE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def _to_bool(name: str, v: Any) -> bool:
    """Case-insensitive, because Python's SDK sends ``True`` and JS ``true``."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    if isinstance(v, str):
        s = v.strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    raise ParamError(name, _BOOL_ERR)


def _to_int(name: str, v: Any) -> int:
    """Integers; ``"16000.0"`` is accepted (zero fraction) like Pydantic's lax mode."""
    if isinstance(v, bool):
        raise ParamError(name, _INT_TYPE_ERR)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ParamError(name, _FINITE_ERR)
        if not v.is_integer():
            raise ParamError(name, _INT_FRACTION_ERR)
        return int(v)
    if not isinstance(v, str):
        raise ParamError(name, _INT_TYPE_ERR)
    s = v.strip()
    try:
        if _INT_RE.fullmatch(s):
            return int(s)
        if _FLOAT_RE.fullmatch(s):
            f = float(s)
            if math.isfinite(f) and f.is_integer():
                return int(f)
    except (ValueError, OverflowError):  # e.g. more digits than int() allows
        pass
    raise ParamError(name, _INT_ERR)


def _to_float(name: str, v: Any) -> float:
    """Finite floats only: NaN would slip through range checks and break JSON."""
    if isinstance(v, bool):
        raise ParamError(name, _FLOAT_TYPE_ERR)
    if isinstance(v, (int, float)):
        try:
            f = float(v)
        except OverflowError:
            raise ParamError(name, _FINITE_ERR) from None
    elif isinstance(v, str):
        s = v.strip()
        if s.lower() in ("nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"):
            raise ParamError(name, _FINITE_ERR)
        if not _FLOAT_RE.fullmatch(s):
            raise ParamError(name, _FLOAT_ERR)
        f = float(s)
    else:
        raise ParamError(name, _FLOAT_TYPE_ERR)
    if not math.isfinite(f):
        raise ParamError(name, _FINITE_ERR)
    return f


def _to_str(name: str, v: Any) -> str:
    if isinstance(v, str):
        return v
    raise ParamError(name, _STR_ERR)


def _check_range(name: str, n: float, ge: float | None, le: float | None) -> None:
    if ge is not None and n < ge:
        raise ParamError(name, f"Input should be greater than or equal to {_fmt_num(ge)}")
    if le is not None and n > le:
        raise ParamError(name, f"Input should be less than or equal to {_fmt_num(le)}")


def _reject_constant(c: str) -> Any:
    # json.loads accepts NaN/Infinity by default; they are not valid JSON.
    raise ValueError(f"invalid constant {c}")


def _loads(name: str, s: str) -> Any:
    """json.loads that reports every failure (incl. deep nesting) as ParamError."""
    try:
        return json.loads(s, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise ParamError(name, f"Invalid JSON: {e.msg}") from None
    except (ValueError, RecursionError) as e:
        msg = "nesting too deep" if isinstance(e, RecursionError) else str(e)
        raise ParamError(name, f"Invalid JSON: {msg}") from None


def _split_list_value(name: str, v: Any) -> list[Any]:
    """One list occurrence: a JSON array (SDKs), or a comma list (docs)."""
    if isinstance(v, (list, tuple)):
        return list(v)
    if not isinstance(v, str):
        raise ParamError(name, _LIST_ERR)
    s = v.strip()
    if s.startswith("["):
        parsed = _loads(name, s)
        if not isinstance(parsed, list):  # pragma: no cover - "[" always gives a list
            raise ParamError(name, _LIST_ERR)
        return parsed
    return [part for part in s.split(",")]


def _clean_items(name: str, raw: list[Any]) -> list[str]:
    """Strip items, drop empty ones, and require strings."""
    out: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise ParamError(f"{name}.{len(out)}", _STR_ERR)
        item = item.strip()
        if item:
            out.append(item)
    return out


# ---------------------------------------------------------------------------
# Parameter table
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """How one wire parameter maps onto a SessionParams field."""

    wire: str
    field: str
    convert: Callable[[str, Any], Any]
    aliases: tuple[str, ...] = ()
    is_list: bool = False
    keep_empty: bool = False  # "" is a meaningful value (prompt, agent_context)
    updatable: bool = False


def _bool(name: str, v: Any) -> bool:
    return _to_bool(name, v)


def _int_range(ge: int | None = None, le: int | None = None) -> Callable[[str, Any], int]:
    def conv(name: str, v: Any) -> int:
        n = _to_int(name, v)
        _check_range(name, n, ge, le)
        return n

    return conv


def _float_range(ge: float | None = None, le: float | None = None) -> Callable[[str, Any], float]:
    def conv(name: str, v: Any) -> float:
        f = _to_float(name, v)
        _check_range(name, f, ge, le)
        return f

    return conv


def _enum(choices: tuple[str, ...]) -> Callable[[str, Any], str]:
    detail = _enum_detail(choices)

    def conv(name: str, v: Any) -> str:
        if isinstance(v, str) and v.strip() in choices:
            return v.strip()
        raise ParamError(name, detail)

    return conv


def _any_str(name: str, v: Any) -> str:
    return _to_str(name, v)


def _sample_rate(name: str, v: Any) -> int:
    """Production's own wording, not Pydantic's generic ge/le text."""
    n = _to_int(name, v)
    if n < SAMPLE_RATE_MIN:
        raise ParamError(name, f"Value error, sample_rate must be at least {SAMPLE_RATE_MIN:,} Hz")
    if n > SAMPLE_RATE_MAX:
        raise ParamError(name, f"Value error, sample_rate must be at most {SAMPLE_RATE_MAX:,} Hz")
    return n


def _encoding(name: str, v: Any) -> str:
    s = _to_str(name, v).strip()
    if s in ENCODINGS:
        return s
    raise ParamError(name, f"'{s}' is not a valid Encoding")


_SPEECH_MODEL_DETAIL = _enum_detail(SPEECH_MODELS)


def _speech_model(name: str, v: Any) -> str:
    s = v.strip() if isinstance(v, str) else v
    if isinstance(s, str):
        s = SPEECH_MODEL_ALIASES.get(s, s)
        if s in SPEECH_MODELS:
            return s
    raise ParamError(name, _SPEECH_MODEL_DETAIL)


def _long_text(field_name: str) -> Callable[[str, Any], str]:
    def conv(name: str, v: Any) -> str:
        s = _to_str(name, v)
        if len(s) > MAX_PROMPT_CHARS:
            raise ParamError(
                name,
                f"Value error, {field_name} exceeds maximum length of {MAX_PROMPT_CHARS} characters (got {len(s)})",
            )
        return s

    return conv


def _keyterms(name: str, items: list[str]) -> tuple[str, ...]:
    """Over 100 terms is an error; over-long terms are dropped (production does)."""
    if len(items) > MAX_KEYTERMS:
        raise ParamError(name, f"Value error, Max {MAX_KEYTERMS} items")
    return tuple(t for t in items if len(t) <= MAX_KEYTERM_CHARS)


def _enum_items(choices: tuple[str, ...]) -> Callable[[str, list[str]], tuple[str, ...]]:
    detail = _enum_detail(choices)
    allowed = frozenset(choices)

    def conv(name: str, items: list[str]) -> tuple[str, ...]:
        for i, item in enumerate(items):
            if item not in allowed:
                raise ParamError(f"{name}.{i}", detail)
        return tuple(items)

    return conv


def _revision_interval(name: str, v: Any) -> int:
    """0 disables revisions; other values are clamped like production (protocol §3.3)."""
    n = _int_range(0, 86_400_000)(name, v)
    if n == 0:
        return 0
    lo, hi = _REVISION_CLAMP
    return min(max(n, lo), hi)


def _llm_gateway(name: str, v: Any) -> dict[str, Any]:
    obj = _loads(name, v) if isinstance(v, str) else v
    if not isinstance(obj, dict):
        raise ParamError(name, _DICT_ERR)
    return obj


_SPECS: tuple[_Spec, ...] = (
    _Spec("sample_rate", "sample_rate", _sample_rate),
    _Spec("encoding", "encoding", _encoding),
    _Spec("speech_model", "speech_model", _speech_model),
    _Spec("format_turns", "format_turns", _bool, updatable=True),
    _Spec("end_of_turn_confidence_threshold", "end_of_turn_confidence_threshold", _float_range(0, 1), updatable=True),
    _Spec(
        "min_turn_silence",
        "min_turn_silence_ms",
        _int_range(0),
        aliases=("min_end_of_turn_silence_when_confident",),
        updatable=True,
    ),
    _Spec("max_turn_silence", "max_turn_silence_ms", _int_range(0), updatable=True),
    _Spec("vad_threshold", "vad_threshold", _float_range(0, 1), updatable=True),
    _Spec("keyterms_prompt", "keyterms_prompt", _keyterms, is_list=True, updatable=True),
    _Spec("prompt", "prompt", _long_text("prompt"), keep_empty=True, updatable=True),
    _Spec("agent_context", "agent_context", _long_text("agent_context"), keep_empty=True, updatable=True),
    _Spec("language_detection", "language_detection", _bool),
    _Spec("language_code", "language_code", _any_str),
    _Spec("language_codes", "language_codes", _enum_items(LANGUAGE_CODES), is_list=True, updatable=True),
    _Spec("language", "language", _enum(LANGUAGES)),
    _Spec("inactivity_timeout", "inactivity_timeout_s", _int_range(5, 3600)),
    _Spec("speaker_labels", "speaker_labels", _bool),
    _Spec("max_speakers", "max_speakers", _int_range(1, 10)),
    _Spec("speaker_labels_revision_interval_ms", "speaker_labels_revision_interval_ms", _revision_interval),
    _Spec("mode", "mode", _enum(MODES), updatable=True),
    _Spec("interruption_delay", "interruption_delay_ms", _int_range(0, 1000), updatable=True),
    _Spec("turn_left_pad_ms", "turn_left_pad_ms", _int_range(0), updatable=True),
    _Spec("continuous_partials", "continuous_partials", _bool, updatable=True),
    _Spec("filter_profanity", "filter_profanity", _bool, updatable=True),
    _Spec("session_heartbeat", "session_heartbeat", _bool, updatable=True),
    _Spec("acknowledge_silence", "acknowledge_silence", _bool, updatable=True),
    _Spec("domain", "domain", _enum(DOMAINS)),
    _Spec("voice_focus", "voice_focus", _enum(VOICE_FOCUS_MODELS), aliases=("noise_suppression_model",)),
    _Spec(
        "voice_focus_threshold",
        "voice_focus_threshold",
        _float_range(0, 1),
        aliases=("noise_suppression_threshold",),
    ),
    _Spec("webhook_url", "webhook_url", _any_str),
    _Spec("webhook_auth_header_name", "webhook_auth_header_name", _any_str),
    _Spec("webhook_auth_header_value", "webhook_auth_header_value", _any_str),
    _Spec("llm_gateway", "llm_gateway", _llm_gateway),
    _Spec(
        "customer_support_audio_capture",
        "customer_support_audio_capture",
        _bool,
        aliases=("_customer_support_audio_capture",),
    ),
    _Spec("include_partial_turns", "include_partial_turns", _bool),
    _Spec("redact_pii", "redact_pii", _bool),
    _Spec("redact_pii_policies", "redact_pii_policies", _enum_items(PII_POLICIES), is_list=True),
    _Spec("redact_pii_sub", "redact_pii_sub", _enum(REDACT_PII_SUBS)),
    # hushscribe extension: redact partial turns too (AssemblyAI sends them unredacted).
    _Spec("redact_pii_partials", "redact_pii_partials", _bool),
    # hushscribe extension: keep the session's audio (memory only) and offer a copy with the redacted
    # words' audio replaced at Termination. Namespaced: AssemblyAI's own names never start so.
    _Spec("hushscribe_redact_audio", "hushscribe_redact_audio", _bool),
    _Spec("token", "token", _any_str),
)

#: Every wire name we understand (canonical names and aliases).
KNOWN_PARAMS: frozenset[str] = frozenset(
    name for spec in _SPECS for name in (spec.wire, *spec.aliases)
)


# ---------------------------------------------------------------------------
# SessionParams
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionParams:
    """Fully resolved, immutable session configuration.

    Fields whose default depends on other fields (turn silences and VAD
    threshold on the model, ``include_partial_turns`` on ``redact_pii``,
    ``redact_pii_policies``) default to ``None`` and are resolved in
    ``__post_init__``, so ``SessionParams(speech_model=...)`` is already
    complete.  Explicit values always win.
    """

    sample_rate: int = 16000
    encoding: str = "pcm_s16le"
    speech_model: str = "universal-streaming-english"
    format_turns: bool = False
    end_of_turn_confidence_threshold: float = 0.4
    min_turn_silence_ms: int = None  # type: ignore[assignment]  # resolved per model
    max_turn_silence_ms: int = None  # type: ignore[assignment]
    vad_threshold: float = None  # type: ignore[assignment]
    keyterms_prompt: tuple[str, ...] = ()
    prompt: str | None = None
    agent_context: str | None = None
    language_detection: bool = False
    language_code: str | None = None
    language_codes: tuple[str, ...] = ()
    language: str | None = None
    inactivity_timeout_s: int | None = None
    speaker_labels: bool = False
    max_speakers: int | None = None
    speaker_labels_revision_interval_ms: int = 0
    mode: str | None = None
    interruption_delay_ms: int = 500
    turn_left_pad_ms: int | None = None  # UNCONFIRMED default: None = engine default
    continuous_partials: bool = False
    filter_profanity: bool = False
    session_heartbeat: bool = False
    acknowledge_silence: bool = False
    domain: str | None = None
    voice_focus: str | None = None
    voice_focus_threshold: float | None = None
    webhook_url: str | None = None
    webhook_auth_header_name: str | None = None
    webhook_auth_header_value: str | None = None
    # A dict is unhashable; keep it out of __hash__ so SessionParams stays hashable.
    llm_gateway: dict[str, Any] | None = field(default=None, hash=False)
    customer_support_audio_capture: bool = False
    include_partial_turns: bool = None  # type: ignore[assignment]  # resolved: not redact_pii
    redact_pii: bool = False
    redact_pii_policies: tuple[str, ...] = None  # type: ignore[assignment]  # resolved: all
    redact_pii_sub: str = "hash"
    redact_pii_partials: bool = False  # extension; only meaningful with redact_pii
    hushscribe_redact_audio: bool = False  # extension; needs redact_pii (checked when parsing)
    token: str | None = None
    unknown: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        model = SPEECH_MODEL_ALIASES.get(self.speech_model, self.speech_model)
        set_(self, "speech_model", model)
        u3 = model in U3_MODELS
        if self.min_turn_silence_ms is None:
            set_(self, "min_turn_silence_ms", 100 if u3 else 400)
        if self.max_turn_silence_ms is None:
            set_(self, "max_turn_silence_ms", 1000 if u3 else 1280)
        if self.vad_threshold is None:
            set_(self, "vad_threshold", 0.3 if u3 else 0.4)
        if self.include_partial_turns is None:
            set_(self, "include_partial_turns", not self.redact_pii)
        if self.redact_pii_policies is None:
            set_(self, "redact_pii_policies", PII_POLICIES)
        # Callers may hand in lists; tuples keep the dataclass hashable.
        for name in ("keyterms_prompt", "language_codes", "redact_pii_policies", "unknown"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                set_(self, name, tuple(value))

    @property
    def is_u3(self) -> bool:
        """Universal-3 Pro family: punctuation-driven turns, single formatted final."""
        return self.speech_model in U3_MODELS

    @property
    def decode_model(self) -> str:
        """Which model decodes this session: ``"multilingual"`` or ``"english"``."""
        return "multilingual" if self.speech_model in MULTILINGUAL_MODELS else "english"

    @property
    def detection_languages(self) -> tuple[str, ...]:
        """Languages a multilingual decode may detect: the client's ``language_codes`` (``multi`` means
        no restriction beyond the default set), else :data:`MULTILINGUAL_LANGUAGES`."""
        codes = tuple(c for c in self.language_codes if c != "multi")
        return codes or MULTILINGUAL_LANGUAGES

    def begin_configuration(self) -> dict[str, Any]:
        """The 8 keys production echoes in ``Begin.configuration`` (protocol §5.1)."""
        return {
            "model": self.speech_model,
            "mode": (self.mode or "balanced") if self.is_u3 else None,
            "api_version": API_VERSION,
            "speaker_labels": self.speaker_labels,
            "redact_pii": self.redact_pii,
            "filter_profanity": self.filter_profanity,
            "domain": self.domain,
            "voice_focus": self.voice_focus,
        }

    def effective(self) -> dict[str, Any]:
        """Every resolved parameter as JSON-able data, for an echo extension key.

        Secrets (``token``, ``webhook_auth_header_value``) and the bookkeeping
        field ``unknown`` are left out, because this is sent to the client and
        may end up in logs.
        """
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in _NOT_EFFECTIVE:
                continue
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = json.loads(json.dumps(value))  # deep copy; caller may mutate
            out[f.name] = value
        return out


_NOT_EFFECTIVE = frozenset({"token", "webhook_auth_header_value", "unknown"})


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


def _convert_list(spec: _Spec, name: str, occurrences: Iterable[Any]) -> tuple[str, ...]:
    items: list[Any] = []
    for occ in occurrences:
        items.extend(_split_list_value(name, occ))
    converted: tuple[str, ...] = spec.convert(name, _clean_items(name, items))
    return converted


def parse_session_params(
    items: Iterable[tuple[str, str]],
    *,
    default_speech_model: str = "universal-streaming-english",
) -> SessionParams:
    """Parse raw query multi-items into a validated :class:`SessionParams`.

    Why these rules (protocol §3.1): repeated list params are concatenated
    because the fern definition marks ``keyterms_prompt`` allow-multiple;
    for scalars the last occurrence wins; empty values count as absent
    (except ``prompt``/``agent_context``) because some clients send
    ``name=`` for unset fields; unknown names are collected, never fatal,
    because newer SDKs add parameters often.

    ``default_speech_model`` is server configuration, so an invalid value
    there is a ``ValueError``, not a client-facing :class:`ParamError`.
    """
    default_model = SPEECH_MODEL_ALIASES.get(default_speech_model, default_speech_model)
    if default_model not in SPEECH_MODELS:
        raise ValueError(f"invalid default_speech_model {default_speech_model!r}")

    raw: dict[str, list[str]] = {}
    unknown: list[str] = []
    for key, value in items:
        if key in KNOWN_PARAMS:
            raw.setdefault(key, []).append(value)
        elif key not in unknown:
            unknown.append(key)

    values: dict[str, Any] = {"speech_model": default_model}
    for spec in _SPECS:
        # The canonical name wins over an alias when both are given.
        name = next((n for n in (spec.wire, *spec.aliases) if n in raw), None)
        if name is None:
            continue
        occurrences = raw[name]
        if not spec.keep_empty:
            occurrences = [v for v in occurrences if not (isinstance(v, str) and v.strip() == "")]
        if not occurrences:
            continue
        if spec.is_list:
            result = _convert_list(spec, name, occurrences)
            if spec.field == "redact_pii_policies" and not result:
                # An explicit empty list would silently redact nothing; fail
                # closed and treat it like "absent" = all policies.
                continue
            values[spec.field] = result
        else:
            values[spec.field] = spec.convert(name, occurrences[-1])
    values["unknown"] = tuple(unknown)
    if values.get("hushscribe_redact_audio") and not values.get("redact_pii"):
        # Audio redaction follows the text redaction's spans: without redact_pii there are none, and a
        # "redacted" copy would be the unredacted audio.
        raise ParamError("hushscribe_redact_audio", "Value error, hushscribe_redact_audio requires redact_pii=true")
    if values.get("hushscribe_redact_audio") and values.get("encoding", "pcm_s16le") not in PCM_ENCODINGS:
        # The copy is the client's own samples with spans replaced: a compressed stream has none to replace.
        raise ParamError("hushscribe_redact_audio",
                         "Value error, hushscribe_redact_audio requires encoding pcm_s16le or pcm_mulaw")
    return SessionParams(**values)


_UPDATABLE: dict[str, _Spec] = {
    name: spec for spec in _SPECS if spec.updatable for name in (spec.wire, *spec.aliases)
}


def apply_update(params: SessionParams, update: Mapping[str, Any]) -> SessionParams:
    """Apply an ``UpdateConfiguration`` message (protocol §4.4).

    ``update`` is the decoded JSON object (``type`` may be present; it is
    ignored).  Unknown and connect-only fields (``sample_rate``,
    ``encoding``, ``speech_model``, ...) are ignored silently, as is
    ``null``, because the spec says never to error on them.  A blank string
    for a scalar is ignored too; for a list it clears it, like ``[]``.
    Invalid values raise :class:`ParamError` with the connect-time wording;
    the caller then sends Error 3006 and closes (production behaviour).
    """
    changes: dict[str, Any] = {}
    for spec in {id(s): s for s in _UPDATABLE.values()}.values():
        name = next(
            (n for n in (spec.wire, *spec.aliases) if n in update and update[n] is not None),
            None,
        )
        if name is None:
            continue
        value = update[name]
        if spec.is_list:
            occurrences = [] if isinstance(value, str) and not value.strip() else [value]
            changes[spec.field] = _convert_list(spec, name, occurrences)
            continue
        if not spec.keep_empty and isinstance(value, str) and not value.strip():
            continue
        changes[spec.field] = spec.convert(name, value)
    if not changes:
        return params
    return dataclasses.replace(params, **changes)

"""Log output: plain text or JSON lines (setting ``log_format``), and structured events.

Why events: a session start/end line carries fields (id, parameters, durations, close code) that an
operator wants to query, so the fields travel with the record (``extra={"fields": ...}``) and the JSON
formatter writes them as keys; the text formatter shows them as ``key=value``.

What never goes into an event: API keys, tokens, keyterms or prompt text, transcript text (callers
pass only the fields listed in :func:`session_fields`). The audit trail's ``redaction`` events carry a
redaction's policy, word indices, times, detector and score -- never the redacted text.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    if not logger.isEnabledFor(level):
        return
    text = " ".join([event, *(f"{k}={_text(v)}" for k, v in fields.items())])
    logger.log(level, "%s", text, extra={"event": event, "fields": fields})


def _text(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v == v else "nan"
    return str(v)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg (or event + its fields), exc when any."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        event = getattr(record, "event", None)
        if event is not None:
            out["event"] = event
            out.update(getattr(record, "fields", {}))
        else:
            out["msg"] = record.getMessage()
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


class QueryStringFilter(logging.Filter):
    """uvicorn logs every WebSocket upgrade ('"WebSocket /v3/ws?token=..." [accepted]') on its *error*
    logger, access log or not, and at debug level the websockets library logs the request line and
    every header (Authorization included). Query strings (temporary tokens, keyterms) are cut and
    credential headers blanked before any handler sees the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a broken record is the handler's business, not ours
            return True
        clean = _CREDENTIAL_HEADER.sub(r"\1[removed]", _QUERY.sub("?[query removed]", text))
        if clean != text:
            record.msg, record.args = clean, ()
        return True


_QUERY = re.compile(r"\?[^\s\"']+")
_CREDENTIAL_HEADER = re.compile(r"((?:authorization|cookie|set-cookie|x-api-key)\s*[:=]\s*).*", re.IGNORECASE)

_FILTERED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "websockets", "websockets.server",
                     "websockets.protocol", "websockets.client")


def install_query_filter() -> None:
    for name in _FILTERED_LOGGERS:
        lg = logging.getLogger(name)
        if not any(isinstance(f, QueryStringFilter) for f in lg.filters):
            lg.addFilter(QueryStringFilter())


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


#: Loggers whose INFO lines are the server's own story; every other library's INFO (Presidio's "Loaded
#: recognizer: ..." per recogniser, spaCy, ONNX Runtime) is start-up noise, shown only at --log-level debug.
OWN_LOGGERS = ("hushscribe", "uvicorn")


class ThirdPartyInfoFilter(logging.Filter):
    """Drop other libraries' records below WARNING (installed unless the level is DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.split(".")[0] in OWN_LOGGERS


def configure(level: str, fmt: str) -> None:
    """Root logging for ``hushscribe serve`` (uvicorn's loggers included, so a JSON log is all JSON)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    if level.upper() != "DEBUG":
        handler.addFilter(ThirdPartyInfoFilter())
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)  # it logs per decode
    install_query_filter()


def session_fields(params: Any) -> dict[str, Any]:
    """The connection parameters worth logging: settings, never content (no keyterms/prompt text)."""
    return {
        "speech_model": params.speech_model,
        "sample_rate": params.sample_rate,
        "encoding": params.encoding,
        "format_turns": params.format_turns,
        "include_partial_turns": params.include_partial_turns,
        "end_of_turn_confidence_threshold": params.end_of_turn_confidence_threshold,
        "min_turn_silence_ms": params.min_turn_silence_ms,
        "max_turn_silence_ms": params.max_turn_silence_ms,
        "inactivity_timeout_s": params.inactivity_timeout_s,
        "keyterms": len(params.keyterms_prompt),
        "redact_pii": params.redact_pii,
        "redact_pii_partials": getattr(params, "redact_pii_partials", False),
        "redact_audio": getattr(params, "hushscribe_redact_audio", False),
    }

"""Audio PII redaction benchmark (``hushscribe bench pii --audio DIR``): does labelled PII survive
in the redacted finals the server actually sends?

Every PII clip (``pii.jsonl`` + ``pii/*.wav``) and every call recording (``calls/*.wav`` with its
``calls/*.json`` turn labels) is streamed through a running server with ``redact_pii=true`` and
``format_turns=true`` (so both the unformatted and the formatted final are checked), as fast as the
server reads it. All final ``Turn`` messages are collected, and each labelled span is checked
against them with :func:`check_span`:

* **digits** -- the span's spoken numbers are converted to digits (:func:`.pii.spoken.normalize_spoken`,
  e.g. "seven seven four, three nine one" -> ``774-391``), and so is the final's text, whatever form
  the ASR wrote ("774 391", "seven seven four ..."). The span leaks when its whole digit sequence,
  or any of its digit groups of 3 or more digits, appears in a number of the final (digits joined
  across spaces and ``-.,/()`` so "774 391 208" and "774-391-208" read alike);
* **words** -- every alphabetic word of the span (at least 3 letters, not a stop word, a number
  word, a TLD or a generic address word such as "street") leaks when it occurs in the final as a
  whole word (case-insensitive), inside an e-mail/URL-like token ("davidchen@gmail.com"), or, for
  words of 6+ letters, split in two adjacent words ("spring field" for "Springfield").

A span with digits is checked on both (its digits, and its remaining words: "Four twenty two Maple
Street, Springfield" checks 422, maple, springfield). A span with nothing checkable (a spelled-out
"K, I, M") is counted as ``unchecked`` and left out of the rate.

Where the finals are looked for: for a PII clip, all finals of its stream; for a call, only the
final words whose timestamps fall within the labelled turn (+-:data:`WINDOW_TOL_MS`), so that a
number in another turn of the call cannot be taken for a leak.

An unredacted pass (``baseline``, on by default) tells which labelled values the ASR actually
recognised (they are found by the same check in the unredacted finals): a value the recogniser
mangled cannot leak, so the redaction rate over recognised spans is the meaningful number.

Negative clips (``negative: true``) count as redacted when any of their finals contains ``#`` or
``[`` (a hash or an entity label).
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from ..pii.spoken import TLDS, normalize_spoken
from ..pii.vocab import ORD_TEENS, ORD_TENS, ORD_UNITS, SCALES, TEENS, TENS, UNITS
from .corpus import audio_set
from .stream import RATE, load_call_dir, read_call_pcm, terminate_and_wait

WINDOW_TOL_MS = 500  # a call's final word belongs to a labelled turn when within this of it

STOP_WORDS = frozenset(
    """
    the and for are but not you your yours our ours his her hers him she they them their theirs its
    was were has had have with from that this these those what which who whom whose where when why
    how all any can could would should will shall may might must into onto over under about above
    after before then than too very just also only own same such both each few more most other some
    out off one ones per via yes yeah okay please thank thanks hello dear mrs miss
    dot at underscore dash hyphen plus slash point double triple oh zero
    """.split()
)
# Words that name the kind of a thing, not which one: a street's name leaks, "street" does not.
GENERIC_WORDS = frozenset(
    """
    street st avenue ave road rd lane drive boulevard blvd court place way suite apartment apt unit
    floor building box route highway
    """.split()
)
NUMBER_WORDS = frozenset(UNITS) | frozenset(TEENS) | frozenset(TENS) | frozenset(SCALES) | \
    frozenset(ORD_UNITS) | frozenset(ORD_TEENS) | frozenset(ORD_TENS) | frozenset({"hundredth", "thousandth"})

_DIGIT_CLUSTER = re.compile(r"\d(?:[\s\-.,/()]*\d)*")
_DIGIT_GROUP = re.compile(r"\d+")
_ALPHA_WORD = re.compile(r"[A-Za-z]+")
_ENTITY_LABEL = re.compile(r"\[[A-Z_]+\]")
_ADDRESS_TOKEN = re.compile(r"\S*[A-Za-z0-9][@.][A-Za-z0-9]\S*")


# ---------------------------------------------------------------------------------------------
# The leak check (pure)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpanProbe:
    """What of a labelled span is looked for in the finals."""

    digits: str  # all digits of the span, spoken numbers converted ("" when none)
    groups: tuple[str, ...]  # its digit groups of >= 3 digits ("774", "391", "208")
    words: tuple[str, ...]  # checkable alphabetic words, lower case

    @property
    def checkable(self) -> bool:
        return bool(self.digits or self.words)


def probe_span(span_text: str) -> SpanProbe:
    norm = normalize_spoken(span_text).text
    digits = "".join(ch for ch in norm if ch.isdigit())
    groups = tuple(dict.fromkeys(g for g in _DIGIT_GROUP.findall(norm) if len(g) >= 3))
    words: list[str] = []
    for w in _ALPHA_WORD.findall(span_text):
        lw = w.lower()
        if len(lw) < 3 or lw in STOP_WORDS or lw in NUMBER_WORDS or lw in GENERIC_WORDS or lw in TLDS:
            continue
        if lw not in words:
            words.append(lw)
    return SpanProbe(digits, groups, tuple(words))


def digit_numbers(text: str) -> list[str]:
    """The numbers of ``text`` as digit strings, spoken forms converted ("seven seven four, 391" ->
    "774391"); digits separated only by spaces, ``-.,/()`` or the word "minus" count as one number.
    Redaction marks (``#``, ``[LABEL]``) end a number."""
    text = _ENTITY_LABEL.sub(" | ", text)
    # "5-3-9" spelled out by an unformatted rendering reads "five minus three minus nine"
    text = re.sub(r"(?i)\bminus\b", " - ", text)
    norm = normalize_spoken(text).text
    return [re.sub(r"\D", "", m) for m in _DIGIT_CLUSTER.findall(norm)]


def _has_word(text_low: str, word: str) -> bool:
    if re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text_low):
        return True
    if len(word) >= 4 and any(word in tok for tok in _ADDRESS_TOKEN.findall(text_low)):
        return True  # glued into an address: "davidchen@gmail.com", "speedtestnorthwind.net"
    if len(word) >= 6:  # split by the recogniser: "spring field" for "Springfield"
        toks = _ALPHA_WORD.findall(text_low)
        return any(a + b == word for a, b in pairwise(toks))
    return False


@dataclass
class SpanCheck:
    label: str
    text: str
    checkable: bool
    leaked: bool
    leaked_tokens: list[str] = field(default_factory=list)
    probe: dict = field(default_factory=dict)


def check_span(label: str, span_text: str, finals: Iterable[str]) -> SpanCheck:
    """Does the labelled ``span_text`` survive in any of the final ``finals`` texts? See the module
    doc for the rules. ``leaked_tokens`` names what was found (digit strings and words)."""
    probe = probe_span(span_text)
    texts = [t for t in finals if t]
    found: list[str] = []
    if probe.digits:
        numbers = [n for t in texts for n in digit_numbers(t)]
        if any(probe.digits in n for n in numbers):
            found.append(probe.digits)
        found.extend(g for g in probe.groups if g != probe.digits and any(g in n for n in numbers))
    if probe.words:
        lows = [_ENTITY_LABEL.sub(" ", t).lower() for t in texts]
        found.extend(w for w in probe.words if any(_has_word(t, w) for t in lows))
    return SpanCheck(label, span_text, probe.checkable, bool(found), found, asdict(probe))


def find_leaks(spans: Sequence[tuple[str, str]], finals: Sequence[str]) -> list[SpanCheck]:
    """``check_span`` for every (label, text) span; only the leaked ones."""
    return [c for c in (check_span(label, text, finals) for label, text in spans) if c.leaked]


def has_redaction(text: str) -> bool:
    return "#" in text or "[" in text


# ---------------------------------------------------------------------------------------------
# Labelled recordings
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A labelled stretch of a recording: a whole PII clip, or one turn of a call."""

    recording: str
    turn_index: int | None
    start_ms: int | None  # None: the whole stream
    end_ms: int | None
    text: str
    spans: tuple[tuple[str, str], ...]  # (label, text)
    negative: bool = False


@dataclass(frozen=True)
class Recording:
    id: str
    kind: str  # clip | call
    wav: Path
    labels: Path
    units: tuple[Unit, ...]


def load_pii_clips(audio_dir: Path) -> list[Recording]:
    path = Path(audio_dir) / "pii.jsonl"
    out: list[Recording] = []
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        wav = Path(audio_dir) / row.get("path", f"pii/{row['id']}.wav")
        spans = tuple((s["label"], row["text"][s["start"]:s["end"]]) for s in row.get("spans", []))
        unit = Unit(row["id"], None, None, None, row["text"], spans, bool(row.get("negative")))
        out.append(Recording(row["id"], "clip", wav, path, (unit,)))
    return out


def load_calls(audio_dir: Path) -> list[Recording]:
    out: list[Recording] = []
    calls_dir = Path(audio_dir) / "calls"
    if not calls_dir.is_dir():
        return out
    for call in load_call_dir(calls_dir):
        meta = json.loads(call.labels.read_text())
        units = []
        for i, t in enumerate(meta["turns"]):
            spans = tuple((s["label"], t["text"][s["start"]:s["end"]]) for s in t.get("spans", []))
            units.append(Unit(call.id, int(t.get("turn_index", i)), int(t["start_ms"]), int(t["end_ms"]),
                              t["text"], spans))
        out.append(Recording(call.id, "call", call.path, call.labels, tuple(units)))
    return out


def load_recordings(audio_dir: Path, *, clips: bool = True, calls: bool = True) -> list[Recording]:
    return (load_pii_clips(audio_dir) if clips else []) + (load_calls(audio_dir) if calls else [])


def unit_finals(unit: Unit, finals: Sequence[dict], tol_ms: int = WINDOW_TOL_MS) -> list[str]:
    """The texts of ``finals`` (Turn messages) that belong to ``unit``: all of them for a whole clip;
    for a call turn, per final the words within the turn's time window (+-``tol_ms``)."""
    if unit.start_ms is None or unit.end_ms is None:
        return [f.get("transcript", "") for f in finals]
    lo, hi = unit.start_ms - tol_ms, unit.end_ms + tol_ms
    out = []
    for f in finals:
        ws = [w.get("text", "") for w in f.get("words", []) if w.get("end", 0) > lo and w.get("start", 0) < hi]
        if ws:
            out.append(" ".join(ws))
    return out


# ---------------------------------------------------------------------------------------------
# The client (raw v3 protocol, as fast as the server reads)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RedactionParams:
    redact_pii: bool = True
    sub: str = "hash"
    policies: tuple[str, ...] | None = None
    format_turns: bool = True
    speech_model: str = "universal-streaming-english"
    # Turn silences (ms); None: the server's defaults. Pipecat and LiveKit send 100 / 100 with u3-rt-pro.
    min_turn_silence: int | None = None
    max_turn_silence: int | None = None

    def query(self) -> dict[str, Any]:
        """Encoded as the Python SDK encodes them (Python booleans, lists as JSON)."""
        q: dict[str, Any] = {"sample_rate": RATE, "speech_model": self.speech_model,
                             "format_turns": self.format_turns, "include_partial_turns": False,
                             "redact_pii": self.redact_pii}
        for name in ("min_turn_silence", "max_turn_silence"):
            if getattr(self, name) is not None:
                q[name] = getattr(self, name)
        if self.redact_pii:
            q["redact_pii_sub"] = self.sub
            if self.policies:
                q["redact_pii_policies"] = json.dumps(list(self.policies))
        return q


def ws_url(base: str, query: dict[str, Any]) -> str:
    base = base.rstrip("/")
    if not base.endswith("/v3/ws"):
        base += "/v3/ws"
    return base + "?" + urllib.parse.urlencode(query)


@dataclass
class StreamResult:
    recording: str
    turns: list[dict] = field(default_factory=list)  # every Turn message, in order
    errors: list[str] = field(default_factory=list)
    termination: dict | None = None
    wall_s: float = 0.0

    @property
    def finals(self) -> list[dict]:
        return [t for t in self.turns if t.get("end_of_turn")]


async def stream_pcm(url: str, key: str, pcm: bytes, query: dict[str, Any], *, recording: str = "",
                     chunk_ms: int = 100, timeout_s: float = 300.0, realtime: bool = False) -> StreamResult:
    """Send ``pcm`` (16 kHz s16le), then ``Terminate``; collect every message. Without pacing by
    default; ``realtime`` sends each chunk when its audio would exist (partials need that)."""
    res = StreamResult(recording)
    t0 = time.monotonic()
    headers = {"Authorization": key, "AssemblyAI-Version": "2025-05-12"}

    async def receive(ws) -> None:
        try:
            async for raw in ws:
                if isinstance(raw, bytes):
                    continue
                msg = json.loads(raw)
                t = msg.get("type")
                if t == "Turn":
                    res.turns.append(msg)
                elif t == "Termination":
                    res.termination = msg
                    return
                elif t == "Error" or "error" in msg:
                    res.errors.append(f"Error {msg.get('error_code')}: {msg.get('error')}")
        except ConnectionClosed as exc:
            if res.termination is None:
                res.errors.append(f"closed before Termination: {exc.rcvd.code if exc.rcvd else '?'}")

    try:
        async with connect(ws_url(url, query), additional_headers=headers, open_timeout=30,
                           max_size=None, user_agent_header="hushscribe-bench-pii") as ws:
            first = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if first.get("type") != "Begin":
                res.errors.append(f"first message {first.get('type')!r}: {first.get('error') or first}")
                return res
            receiver = asyncio.create_task(receive(ws))
            step = RATE * 2 * chunk_ms // 1000
            t_audio = time.monotonic()
            for k, i in enumerate(range(0, len(pcm), step)):
                if receiver.done():
                    break
                if realtime:
                    delay = t_audio + (k + 1) * chunk_ms / 1000 - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                try:
                    await ws.send(pcm[i : i + step])
                except ConnectionClosed:
                    res.errors.append("connection closed while sending audio")
                    break
                if not realtime and k % 10 == 9:
                    await asyncio.sleep(0)
            if not await terminate_and_wait(ws, receiver, timeout_s):
                res.errors.append(f"no Termination within {timeout_s:g} s")
    except Exception as exc:  # refused, reset, timeout
        res.errors.append(f"{type(exc).__name__}: {exc}")
    res.wall_s = time.monotonic() - t0
    return res


async def stream_all(url: str, key: str, recordings: Sequence[Recording], params: RedactionParams, *,
                     concurrency: int = 2, log=None) -> dict[str, StreamResult]:
    sem = asyncio.Semaphore(max(1, concurrency))
    out: dict[str, StreamResult] = {}

    async def one(rec: Recording) -> None:
        async with sem:
            pcm = await asyncio.to_thread(read_call_pcm, rec.wav)
            r = await stream_pcm(url, key, pcm, params.query(), recording=rec.id)
            out[rec.id] = r
            if log:
                log(f"  {rec.id}: {len(r.finals)} finals in {r.wall_s:.1f} s"
                    + (f"; errors: {'; '.join(r.errors)}" if r.errors else ""))

    await asyncio.gather(*(one(r) for r in recordings))
    return out


# ---------------------------------------------------------------------------------------------
# Scoring and report
# ---------------------------------------------------------------------------------------------


def _final_record(f: dict) -> dict:
    return {"turn_order": f.get("turn_order"), "formatted": f.get("turn_is_formatted"),
            "transcript": f.get("transcript", "")}


def score(recordings: Sequence[Recording], redacted: dict[str, StreamResult],
          baseline: dict[str, StreamResult] | None = None) -> dict:
    """Per-span results, per-policy and overall totals, negatives. Pure."""
    spans: list[dict] = []
    negatives: list[dict] = []
    for rec in recordings:
        run = redacted.get(rec.id)
        finals = run.finals if run else []
        base_finals = baseline[rec.id].finals if baseline and rec.id in baseline else None
        for unit in rec.units:
            texts = unit_finals(unit, finals)
            if unit.negative:
                negatives.append({"recording": rec.id, "redacted": any(has_redaction(t) for t in texts),
                                  "finals": texts})
            base_texts = unit_finals(unit, base_finals) if base_finals is not None else None
            for label, text in unit.spans:
                c = check_span(label, text, texts)
                row = {"recording": rec.id, "kind": rec.kind, "turn_index": unit.turn_index, "label": label,
                       "text": text, "checkable": c.checkable, "leaked": c.leaked,
                       "leaked_tokens": c.leaked_tokens, "probe": c.probe}
                if base_texts is not None:
                    b = check_span(label, text, base_texts)
                    row["recognised"] = b.leaked  # found in the unredacted finals
                    row["recognised_tokens"] = b.leaked_tokens
                if c.leaked:
                    row["finals"] = texts
                spans.append(row)

    def totals(rows: list[dict]) -> dict:
        checked = [r for r in rows if r["checkable"]]
        leaked = sum(r["leaked"] for r in checked)
        d = {"labelled": len(rows), "checked": len(checked), "unchecked": len(rows) - len(checked),
             "leaked": leaked, "redaction_rate": round(1 - leaked / len(checked), 4) if checked else None}
        if baseline is not None:
            rec = [r for r in checked if r.get("recognised")]
            rec_leaked = sum(r["leaked"] for r in rec)
            d.update(recognised=len(rec), recognised_leaked=rec_leaked,
                     recognised_rate=round(1 - rec_leaked / len(rec), 4) if rec else None)
        return d

    by_policy: dict[str, list[dict]] = defaultdict(list)
    for r in spans:
        by_policy[r["label"]].append(r)
    return {
        "per_policy": {p: totals(rows) for p, rows in sorted(by_policy.items())},
        "overall": totals(spans),
        "by_kind": {k: totals([r for r in spans if r["kind"] == k]) for k in ("clip", "call")},
        "negatives": {"clips": len(negatives), "redacted": sum(n["redacted"] for n in negatives),
                      "ids": [n["recording"] for n in negatives if n["redacted"]],
                      "details": [n for n in negatives if n["redacted"]]},
        "leaks": [r for r in spans if r["leaked"]],
        "spans": spans,
    }


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


#: Client settings the audio mode can stream with: the SDK at the server's defaults, or what Pipecat and LiveKit send
#: by default (u3-rt-pro at 100 / 100 ms silences, where a number dictated with pauses is split into turns).
SETTINGS: dict[str, dict[str, Any]] = {
    "sdk-default": {},
    "u3-100": {"speech_model": "u3-rt-pro", "min_turn_silence": 100, "max_turn_silence": 100},
}


def benchmark(url: str, key: str, audio_dir: Path, *, sub: str = "hash", baseline: bool = True,
              concurrency: int = 2, clips: bool = True, calls: bool = True, server: dict | None = None,
              settings: str = "sdk-default", log=_log) -> dict:
    recordings = load_recordings(audio_dir, clips=clips, calls=calls)
    if not recordings:
        raise ValueError(f"no PII clips (pii.jsonl) or call recordings (calls/*.json + *.wav) in {audio_dir}")
    params = RedactionParams(sub=sub, **SETTINGS[settings])
    t0 = time.monotonic()
    log(f"bench pii: {len(recordings)} recordings, redact_pii=true sub={sub} settings={settings}, against {url}")
    red = asyncio.run(stream_all(url, key, recordings, params, concurrency=concurrency, log=log))
    base = None
    if baseline:
        log("bench pii: baseline pass (redact_pii=false) to see which values the ASR recognised")
        base = asyncio.run(stream_all(url, key, recordings, replace(params, redact_pii=False),
                                      concurrency=concurrency, log=log))
    result = score(recordings, red, base)
    errors = {rid: r.errors for runs in (red, base or {}) for rid, r in runs.items() if r.errors}
    return {
        "tool": "hushscribe bench pii --audio",
        "audio_dir": str(audio_dir),
        "audio_set": audio_set(Path(audio_dir)),  # full (../shared), subset (evalset/) or custom
        "config": {"url": url, "settings": settings, **asdict(params), "baseline": baseline,
                   "concurrency": concurrency,
                   "window_tol_ms": WINDOW_TOL_MS},
        "server_process": server,
        "files": [{"id": r.id, "kind": r.kind, "wav": str(r.wav), "labels": str(r.labels),
                   "spans": sum(len(u.spans) for u in r.units)} for r in recordings],
        "wall_s": round(time.monotonic() - t0, 1),
        "stream_errors": errors,
        "finals": {rid: [_final_record(f) for f in r.finals] for rid, r in red.items()},
        **result,
    }


def _rate(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f} %"


def table(result: dict) -> str:
    has_base = result["config"].get("baseline")
    head = f"{'policy':<28}{'spans':>6}{'checked':>8}{'leaked':>7}{'redacted':>10}"
    if has_base:
        head += f"{'recognised':>11}{'leaked':>7}{'redacted':>10}"
    lines = [f"PII audio redaction: {len(result['files'])} recordings from {result['audio_dir']} "
             f"({result.get('audio_set', 'custom')} audio set) "
             f"(sub={result['config']['sub']}, settings={result['config'].get('settings', 'sdk-default')}, "
             "every final checked)", head]

    def row(name: str, d: dict) -> str:
        s = f"{name:<28}{d['labelled']:>6}{d['checked']:>8}{d['leaked']:>7}{_rate(d['redaction_rate']):>10}"
        if has_base:
            s += f"{d['recognised']:>11}{d['recognised_leaked']:>7}{_rate(d['recognised_rate']):>10}"
        return s

    for p, d in result["per_policy"].items():
        lines.append(row(p, d))
    lines.append(row("overall", result["overall"]))
    for k, d in result["by_kind"].items():
        if d["labelled"]:
            lines.append(row(f"  {'PII clips' if k == 'clip' else 'call turns'}", d))
    n = result["negatives"]
    lines.append(f"negative clips with any redaction: {n['redacted']}/{n['clips']}"
                 + (f" ({', '.join(n['ids'])})" if n["ids"] else ""))
    for lk in result["leaks"][:20]:
        where = lk["recording"] + (f" turn {lk['turn_index']}" if lk["turn_index"] is not None else "")
        lines.append(f"  LEAK {where} {lk['label']} {lk['text']!r}: {', '.join(lk['leaked_tokens'])}")
    if len(result["leaks"]) > 20:
        lines.append(f"  ... {len(result['leaks']) - 20} more in the JSON report")
    if result.get("stream_errors"):
        lines.append(f"stream errors: {result['stream_errors']}")
    return "\n".join(lines)

"""``hushscribe bench decoding``: what the server writes that nobody said, and what context across turns buys.

Every recording of ``shared/audio`` (the multi-turn calls and/or the real clips) goes through the streaming
session core in-process (:func:`~hushscribe.bench.offline.run_offline`: the turns, decodes and texts a
real-time stream of the same audio gets), under client settings that matter for issue 13:

* ``sdk-default``: the official SDK at server defaults (Universal-Streaming, 400/1280 ms silences);
* ``u3-100``: what Pipecat and LiveKit send by default (``u3-rt-pro``, ``min_turn_silence=max_turn_silence=100``),
  without their ForceEndpoint (a client VAD can only end turns *earlier* than the server's 100 ms);

each with and without ``keyterms_prompt=["Hester Prynne", "movable"]`` (terms no recording says), and each
decoded twice in the same run, A/B per recording: ``before`` (no word filter, no speech spans, no context:
the decoding of the server before issue 13) and ``after`` (the server as it is now).

Reported per setting and variant: corpus WER (Whisper-normalised, the finals joined), finals against
labelled turns, trailing inserted words (:func:`~hushscribe.bench.scoring.trailing_insertions`) per 50
finals, key terms inserted (:func:`~hushscribe.bench.scoring.term_insertions`), words repeating the previous
final (:func:`~hushscribe.bench.scoring.repeated_from_previous`: context carried over into the text), and decode
seconds.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..core.params import SessionParams
from ..core.ports import VoiceDetector
from ..core.session import SessionSettings
from ..engine.faster_whisper import reset_sampling_seed
from .corpus import load_calls, load_clips, read_pcm16
from .offline import final_turns, run_offline
from .scoring import corpus_wer, repeated_from_previous, term_insertions, trailing_insertions

KEYTERMS: tuple[str, ...] = ("Hester Prynne", "movable")

SETTINGS: dict[str, SessionParams] = {
    "sdk-default": SessionParams(format_turns=True),
    "u3-100": SessionParams(speech_model="u3-rt-pro", min_turn_silence_ms=100, max_turn_silence_ms=100),
}

#: The server before issue 13: each turn decoded alone, every word the decoder wrote kept.
BEFORE = SessionSettings(context_turns=0, speech_spans=False, left_context_ms=0)
AFTER = SessionSettings()

#: The variants a run can compare: (session settings, word filter on). ``no-left-context`` is the server with the
#: word filter but each turn decoded alone (before left audio context, core.left_context).
VARIANTS: dict[str, tuple[SessionSettings, bool]] = {
    "before": (BEFORE, False),
    "no-left-context": (replace(AFTER, left_context_ms=0), True),
    "after": (AFTER, True),
}


@dataclass(frozen=True)
class Recording:
    id: str
    path: Path
    reference: str
    turns: int  # labelled turns (1 for a clip)


def recordings(audio_dir: Path, which: str, limit: int | None = None) -> list[Recording]:
    out: list[Recording] = []
    if which in ("calls", "all"):
        out += [Recording(c.id, c.path, " ".join(t.text for t in c.turns), len(c.turns))
                for c in load_calls(audio_dir)[:limit]]
    if which in ("real", "all"):
        out += [Recording(c.id, c.path, c.text, 1) for c in load_clips(audio_dir)[:limit]]
    return out


def _finals(pcm: bytes, params: SessionParams, engine: Any, vad: VoiceDetector, settings: SessionSettings) -> list[str]:
    msgs = run_offline(pcm, params, engine, vad, settings=settings)
    formatted = True if (params.is_u3 or params.format_turns) else None
    return [f["transcript"] for f in final_turns(msgs, formatted=formatted)]


def run(engine: Any, vad: VoiceDetector, recs: Sequence[Recording], settings: Sequence[str] = tuple(SETTINGS),
        keyterms: Sequence[bool] = (False, True), variants: Sequence[str] = ("before", "after")) -> dict:
    """Decode every recording under every setting, in each of ``variants`` (names of VARIANTS) back to back.
    ``engine`` is a FasterWhisperEngine (its ``options.filter_invented_words`` is switched per variant)."""
    rows: list[dict] = []
    for name in settings:
        for with_terms in keyterms:
            params = replace(SETTINGS[name], keyterms_prompt=KEYTERMS if with_terms else ())
            acc: dict[str, dict[str, Any]] = {v: {"refs": [], "hyps": [], "finals": 0, "tails": 0, "terms": 0, "repeats": 0,
                                                  "decode_s": 0.0, "per_recording": {}} for v in variants}
            for rec in recs:
                pcm, rate = read_pcm16(rec.path)
                p = replace(params, sample_rate=rate)
                for variant in variants:
                    sess, filt = VARIANTS[variant]
                    engine.options = replace(engine.options, filter_invented_words=filt)
                    reset_sampling_seed()  # each variant samples as the others would on the same audio
                    t0 = time.perf_counter()
                    finals = _finals(pcm, p, engine, vad, sess)
                    a = acc[variant]
                    a["decode_s"] += time.perf_counter() - t0
                    text = " ".join(finals)
                    a["refs"].append(rec.reference)
                    a["hyps"].append(text)
                    a["finals"] += len(finals)
                    a["tails"] += trailing_insertions(rec.reference, finals)
                    a["terms"] += term_insertions(rec.reference, text, KEYTERMS) if with_terms else 0
                    a["repeats"] += repeated_from_previous(finals)
                    a["per_recording"][rec.id] = finals
            engine.options = replace(engine.options, filter_invented_words=True)
            for variant, a in acc.items():
                rows.append({
                    "setting": name, "keyterms": with_terms, "variant": variant,
                    "wer": round(corpus_wer(a["refs"], a["hyps"]), 4),
                    "finals": a["finals"], "labelled_turns": sum(r.turns for r in recs),
                    "trailing_insertions": a["tails"],
                    "trailing_per_50_finals": round(50 * a["tails"] / a["finals"], 2) if a["finals"] else 0.0,
                    "keyterm_insertions": a["terms"],
                    "repeated_from_previous": a["repeats"],
                    "decode_s": round(a["decode_s"], 1),
                    "finals_text": a["per_recording"],
                })
    return {"engine": getattr(engine, "name", type(engine).__name__), "recordings": [r.id for r in recs],
            "keyterms": list(KEYTERMS), "rows": rows}


def table(result: dict) -> str:
    head = ("setting", "keyterms", "variant", "WER", "finals/turns", "tail ins.", "per 50 finals", "terms ins.",
            "repeats prev.", "decode s")
    rows = [head] + [(r["setting"], "yes" if r["keyterms"] else "no", r["variant"], f"{r['wer']:.3f}",
                      f"{r['finals']}/{r['labelled_turns']}", str(r["trailing_insertions"]),
                      f"{r['trailing_per_50_finals']:.2f}", str(r["keyterm_insertions"]),
                      str(r["repeated_from_previous"]), f"{r['decode_s']:.1f}")
                     for r in result["rows"]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)

"""Speaker labels on the dev calls: turn-level accuracy after matching label names, and embedding cost.

Why: ``speaker_labels`` must put the right speaker on each final, and must never split a one-speaker
session. The calls of ``shared/audio/calls`` label each turn agent, caller or other (real clips of
various speakers); each call is streamed through the session core with the real engine, VAD and the
voice encoder, each final is matched to the labelled turn it overlaps most, and per call the labels
are mapped to agent/caller in the way that gets most turns right (label names are arbitrary). The
one-speaker check streams each real clip of ``shared/audio/real`` as its own session.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core.params import parse_session_params
from ..core.ports import DecodeRequest, DecodeResult, Engine, VoiceDetector
from ..speakers.clustering import UNKNOWN
from ..speakers.encoder import VoiceEncoder, speaker_postprocess
from .corpus import load_clips, read_pcm16
from .offline import final_turns, run_offline


@dataclass
class _TimedEncoder:
    """The encoder, recording the CPU time of each embedding."""

    inner: VoiceEncoder
    cpu_s: list[float] = field(default_factory=list)

    def embed(self, samples: np.ndarray) -> np.ndarray | None:
        t0 = time.process_time()
        out = self.inner.embed(samples)
        if out is not None:
            self.cpu_s.append(time.process_time() - t0)
        return out


@dataclass
class _SpeakerEngine:
    """An engine whose final-kind results carry the speaker embedding (as the server's worker adds it)."""

    inner: Engine
    encoder: _TimedEncoder
    name: str = "speakers"

    def transcribe(self, request: DecodeRequest) -> DecodeResult:
        post = speaker_postprocess(self.encoder)  # type: ignore[arg-type]  # duck-typed encoder
        return post(request, self.inner.transcribe(request))


def _best_mapping(pairs: list[tuple[str, str]]) -> int:
    """Most (true speaker, label) pairs made right by mapping two distinct labels to agent and caller."""
    labels = sorted({lab for _, lab in pairs}) + ["-", "--"]
    best = 0
    for a, c in itertools.permutations(labels, 2):
        best = max(best, sum(1 for spk, lab in pairs if lab == {"agent": a, "caller": c}[spk]))
    return best


def benchmark(engine: Engine, vad: VoiceDetector, encoder: VoiceEncoder, audio_dir: Path,
              limit: int | None = None) -> dict[str, Any]:
    timed = _TimedEncoder(encoder)
    wrapped = _SpeakerEngine(engine, timed)
    params = parse_session_params([("sample_rate", "16000"), ("speaker_labels", "true")])
    calls: list[dict[str, Any]] = []
    metas = sorted((audio_dir / "calls").glob("*.json"))[:limit]
    for meta_path in metas:
        meta = json.loads(meta_path.read_text())
        pcm, _ = read_pcm16(audio_dir / meta["audio"])
        finals = final_turns(run_offline(pcm + bytes(32000), params, wrapped, vad))
        turns = meta["turns"]
        pairs, mixed, unknown, rows = [], 0, 0, []
        for f in finals:
            if not f["words"]:
                continue
            a, b = f["words"][0]["start"], f["words"][-1]["end"]
            overlaps = [(min(b, t["end_ms"]) - max(a, t["start_ms"]), t) for t in turns]
            touched = {t["speaker"] for o, t in overlaps if o > 0}
            o, best = max(overlaps, key=lambda x: x[0])
            if o <= 0:
                continue
            label = f.get("speaker_label", UNKNOWN)
            mixed += len(touched) > 1
            rows.append({"turn_index": best["turn_index"], "speaker": best["speaker"], "label": label,
                         "start_ms": a, "end_ms": b})
            if best["speaker"] in ("agent", "caller"):
                if label == UNKNOWN:
                    unknown += 1
                pairs.append((best["speaker"], label))
        correct = _best_mapping(pairs)
        calls.append({"id": meta["id"], "finals": len(finals), "scored": len(pairs), "correct": correct,
                      "unknown": unknown, "mixed_finals": mixed, "rows": rows})
    one_speaker = []
    for clip in load_clips(audio_dir)[:limit]:
        pcm, _ = read_pcm16(clip.path)
        labels = [f.get("speaker_label") for f in final_turns(run_offline(pcm + bytes(32000), params, wrapped, vad))]
        one_speaker.append({"id": clip.id, "labels": labels})
    scored = sum(c["scored"] for c in calls)
    correct = sum(c["correct"] for c in calls)
    cpu_ms = 1000 * np.array(timed.cpu_s) if timed.cpu_s else np.zeros(1)
    return {
        "calls": calls,
        "turn_accuracy": round(correct / scored, 4) if scored else None,
        "turns_scored": scored, "turns_correct": correct,
        "unknown_turns": sum(c["unknown"] for c in calls),
        "mixed_finals": sum(c["mixed_finals"] for c in calls),
        "one_speaker_clips": len(one_speaker),
        "one_speaker_clips_all_a": sum(all(lab in ("A", UNKNOWN) for lab in c["labels"]) for c in one_speaker),
        "one_speaker_unknown_finals": sum(lab == UNKNOWN for c in one_speaker for lab in c["labels"]),
        "one_speaker": one_speaker,
        "embeddings": len(timed.cpu_s),
        "final_turns": sum(c["finals"] for c in calls) + sum(len(c["labels"]) for c in one_speaker),
        "cpu_ms_per_final_turn": round(1000 * sum(timed.cpu_s) / max(1, sum(c["finals"] for c in calls)
                                                                     + sum(len(c["labels"]) for c in one_speaker)), 2),
        "cpu_ms_per_embedding": {"mean": round(float(cpu_ms.mean()), 2), "p95": round(float(np.percentile(cpu_ms, 95)), 2),
                                 "max": round(float(cpu_ms.max()), 2)},
    }


def table(r: dict[str, Any]) -> str:
    cpu = r["cpu_ms_per_embedding"]
    return "\n".join([
        "| figure | value |", "|---|---|",
        f"| agent/caller finals with the right speaker (labels matched per call) | {r['turns_correct']}/{r['turns_scored']}"
        f" = {100 * (r['turn_accuracy'] or 0):.1f} % |",
        f"| of which UNKNOWN (under 1 s of speech) | {r['unknown_turns']} |",
        f"| finals overlapping two labelled speakers | {r['mixed_finals']} |",
        f"| one-speaker clips with only A (or UNKNOWN) | {r['one_speaker_clips_all_a']}/{r['one_speaker_clips']}"
        f" ({r['one_speaker_unknown_finals']} UNKNOWN finals) |",
        f"| CPU per embedding (ms) | mean {cpu['mean']}, p95 {cpu['p95']}, max {cpu['max']} ({r['embeddings']} embeddings) |",
        f"| CPU per final turn (ms), the embeddings of candidate decodes included | {r['cpu_ms_per_final_turn']}"
        f" ({r['final_turns']} finals) |",
    ])

"""``hushscribe bench models``: accuracy and cost of each speech model this install can serve.

English: every model named by ``--models`` decodes the real recordings of ``shared/audio`` (``real.jsonl``,
human speech with reference transcripts) through the streaming session core, turn by turn as a live
session would; the report gives the corpus WER (Whisper-normalised), the decode time per second of audio
(the cost that sets how many streams a core holds), load time and resident memory.

Multilingual: sentences in Spanish, French, German, Italian, Portuguese and English, spoken by espeak-ng,
are streamed as one session per language and as one session that switches language every turn; the
report gives per-language detection accuracy, mean confidence and WER against the spoken text.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.params import parse_session_params
from ..core.ports import DecodeRequest, DecodeResult, Engine, VoiceDetector
from .corpus import load_clips, read_pcm16
from .keyterms import synthesize
from .offline import final_turns, run_offline
from .scoring import corpus_wer

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Phrase:
    language: str
    voice: str  # espeak-ng voice
    text: str


#: Two everyday support-line sentences per language (none of them tuned to the model: written once,
#: read by espeak-ng's default voice for the language).
PHRASES: tuple[Phrase, ...] = (
    Phrase("es", "es", "Hola, buenos días. Quisiera cambiar la dirección de mi cuenta, por favor."),
    Phrase("es", "es", "El paquete no ha llegado todavía y necesito saber cuándo lo van a entregar."),
    Phrase("fr", "fr-fr", "Bonjour, je voudrais parler à quelqu'un de mon abonnement, s'il vous plaît."),
    Phrase("fr", "fr-fr", "Ma facture de ce mois est beaucoup plus élevée que d'habitude."),
    Phrase("de", "de", "Guten Tag, ich möchte meine Rechnung bezahlen, aber die Karte wird abgelehnt."),
    Phrase("de", "de", "Können Sie mir bitte sagen, wann der Techniker morgen vorbeikommt?"),
    Phrase("it", "it", "Buongiorno, vorrei sapere perché il mio ordine è stato annullato."),
    Phrase("it", "it", "Ho bisogno di aiuto per reimpostare la password del mio conto."),
    Phrase("pt", "pt", "Bom dia, gostaria de saber o saldo da minha conta corrente."),
    Phrase("pt", "pt", "A entrega estava marcada para ontem, mas ninguém apareceu."),
    Phrase("en", "en-us", "Hello, I would like to change the delivery address on my order, please."),
    Phrase("en", "en-us", "My internet connection keeps dropping every evening after six."),
)


def speak(phrase: Phrase) -> np.ndarray:
    return synthesize(phrase.text, voice=phrase.voice)


def to_pcm16(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def join_turns(clips: Sequence[np.ndarray], gap_s: float = 1.5) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Clips separated by ``gap_s`` of silence (and led by 0.5 s): one stream with one turn per clip, and each
    clip's (start, end) in stream milliseconds."""
    gap = np.zeros(int(gap_s * SAMPLE_RATE), dtype=np.float32)
    parts: list[np.ndarray] = [np.zeros(SAMPLE_RATE // 2, dtype=np.float32)]
    spans, at = [], SAMPLE_RATE // 2
    for c in clips:
        parts += [c.astype(np.float32), gap]
        spans.append((at * 1000 // SAMPLE_RATE, (at + len(c)) * 1000 // SAMPLE_RATE))
        at += len(c) + len(gap)
    return np.concatenate(parts), spans


def finals_by_clip(finals: Sequence[dict], spans: Sequence[tuple[int, int]]) -> list[list[dict]]:
    """Each final goes to the clip its words overlap most (Whisper's word times can start a little early)."""
    out: list[list[dict]] = [[] for _ in spans]
    for f in finals:
        words = f.get("words") or []
        if not words:
            continue
        a, b = words[0]["start"], max(words[-1]["end"], words[0]["start"] + 1)
        overlaps = [max(0, min(b, e) - max(a, s)) for s, e in spans]
        best = max(range(len(spans)), key=lambda i: (overlaps[i], -abs(spans[i][0] - a)))
        out[best].append(f)
    return out


def languages_by_clip(finals: Sequence[dict], spans: Sequence[tuple[int, int]]) -> list[list[str | None]]:
    """The ``language_code`` of the finals of each clip."""
    return [[f.get("language_code") for f in group] for group in finals_by_clip(finals, spans)]


_PUNCT = re.compile(r"[^\w\s']")


def plain_words(text: str) -> list[str]:
    """Language-neutral normalisation for WER: NFC, lower case, punctuation removed."""
    return _PUNCT.sub(" ", unicodedata.normalize("NFC", text).lower().replace("’", "'")).split()


def wer(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    import jiwer  # noqa: PLC0415  (optional: the bench/test extra, not in the runtime install)

    pairs = [(" ".join(plain_words(r)), " ".join(plain_words(h))) for r, h in zip(references, hypotheses, strict=True)]
    pairs = [(r, h) for r, h in pairs if r]
    return float(jiwer.wer([r for r, _ in pairs], [h for _, h in pairs])) if pairs else 0.0


class TimedEngine:
    """Wraps an engine to add up the time its decodes take (the model's cost, without the session core)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.name = getattr(engine, "name", "?")
        self.seconds = 0.0
        self.cpu_seconds = 0.0  # CPU time of the whole process (every decode thread): steadier than wall time
        self.decodes = 0

    def transcribe(self, request: DecodeRequest) -> DecodeResult:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return self.engine.transcribe(request)
        finally:
            self.seconds += time.perf_counter() - t0
            self.cpu_seconds += time.process_time() - c0
            self.decodes += 1


def english(engine: Engine, vad: VoiceDetector, audio_dir: Path, *, limit: int | None = None) -> dict:
    """WER and decode cost of ``engine`` as the English model, over ``shared/audio/real``."""
    clips = load_clips(audio_dir)[:limit] if limit else load_clips(audio_dir)
    timed = TimedEngine(engine)
    params = parse_session_params([("sample_rate", "16000"), ("speech_model", "universal-streaming-english")])
    refs, hyps, audio_s = [], [], 0.0
    per_clip: list[dict[str, Any]] = []
    for clip in clips:
        pcm, rate = read_pcm16(clip.path)
        if rate != SAMPLE_RATE:
            raise ValueError(f"{clip.path}: {rate} Hz, expected 16000")
        pcm += bytes(SAMPLE_RATE * 2)  # a second of silence ends the last turn as a live speaker would
        audio_s += len(pcm) / 2 / SAMPLE_RATE
        finals = final_turns(run_offline(pcm, params, timed, vad))
        refs.append(clip.text)
        hyps.append(" ".join(f["transcript"] for f in finals))
        per_clip.append({"id": clip.id, "reference": clip.text, "hypothesis": hyps[-1]})
    for c in per_clip:
        c["wer"] = round(corpus_wer([c["reference"]], [c["hypothesis"]]), 4)
    return {"clips": len(clips), "per_clip": per_clip, "audio_s": round(audio_s, 1), "wer": round(corpus_wer(refs, hyps), 4),
            "decode_s": round(timed.seconds, 2), "decode_cpu_s": round(timed.cpu_seconds, 2), "decodes": timed.decodes,
            "decode_s_per_audio_s": round(timed.seconds / audio_s, 4) if audio_s else None,
            "decode_cpu_s_per_audio_s": round(timed.cpu_seconds / audio_s, 4) if audio_s else None}


def multilingual(engine: Engine, vad: VoiceDetector, phrases: Sequence[Phrase] | None = None,
                 audio: dict[int, np.ndarray] | None = None) -> dict:
    """Language detection and WER of ``engine`` as the multilingual model, on espeak-ng speech: one session per
    language, then one session that changes language at every turn."""
    phrases = PHRASES if phrases is None else phrases
    audio = audio or {i: speak(p) for i, p in enumerate(phrases)}
    params = parse_session_params([("sample_rate", "16000"), ("speech_model", "universal-streaming-multilingual"),
                                   ("language_detection", "true")])
    timed = TimedEngine(engine)
    by_lang: dict[str, list[int]] = {}
    for i, p in enumerate(phrases):
        by_lang.setdefault(p.language, []).append(i)
    per_language: dict[str, dict] = {}
    for lang, idx in by_lang.items():
        stream, _ = join_turns([audio[i] for i in idx])
        finals = final_turns(run_offline(to_pcm16(stream), params, timed, vad))
        detected = [f.get("language_code") for f in finals]
        per_language[lang] = {
            "turns_expected": len(idx), "turns": len(finals),
            "detected": detected,
            "detection_accuracy": round(sum(d == lang for d in detected) / max(1, len(finals)), 3),
            "mean_confidence": round(float(np.mean([f.get("language_confidence") or 0 for f in finals])), 3)
            if finals else None,
            "wer": round(wer([" ".join(phrases[i].text for i in idx)], [" ".join(f["transcript"] for f in finals)]), 4),
            "transcripts": [f["transcript"] for f in finals],
        }
    # Code switching: alternate languages turn by turn in one session.
    order = [idx[0] for idx in by_lang.values()] + [idx[-1] for idx in by_lang.values() if len(idx) > 1]
    stream, spans = join_turns([audio[i] for i in order])
    finals = final_turns(run_offline(to_pcm16(stream), params, timed, vad))
    expected = [phrases[i].language for i in order]
    got = languages_by_clip(finals, spans)
    switching = {"turns_expected": len(order), "turns": len(finals), "expected": expected, "detected": got,
                 "clips_correct": sum(bool(g) and all(x == e for x in g) for e, g in zip(expected, got, strict=False))}
    return {"phrases": len(phrases), "per_language": per_language, "switching": switching,
            "decode_s": round(timed.seconds, 2), "decode_cpu_s": round(timed.cpu_seconds, 2), "decodes": timed.decodes,
            "audio_s": round(sum(len(a) for a in audio.values()) / SAMPLE_RATE, 1)}


def table(result: dict) -> str:
    lines = [f"English WER on the {result.get('audio_set', 'custom')} audio set ({result.get('audio_dir', '?')})",
             "model            load s  RSS +MB  clips  WER      decode s / audio s  CPU s / audio s",
             "---------------  ------  -------  -----  -------  ------------------  ---------------"]
    for name, r in result.get("english", {}).items():
        e = r["english"]
        lines.append(f"{name:<15}  {r['load_s']:>6.1f}  {r['rss_added_mb']:>7.0f}  {e['clips']:>5}  "
                     f"{100 * e['wer']:>6.1f}%  {e['decode_s_per_audio_s']:>18.3f}  {e['decode_cpu_s_per_audio_s']:>15.3f}")
    ml = result.get("multilingual")
    if ml:
        lines += ["", f"multilingual ({ml['model']}, espeak-ng speech)",
                  "language  turns (expected)  detected right  mean confidence  WER",
                  "--------  ----------------  --------------  ---------------  ------"]
        for lang, r in ml["per_language"].items():
            ok = sum(d == lang for d in r["detected"])
            conf = f"{r['mean_confidence']:.3f}" if r["mean_confidence"] is not None else "-"
            lines.append(f"{lang:<8}  {r['turns']:>5} ({r['turns_expected']})       {ok:>7}/{r['turns']:<6}  {conf:>15}  "
                         f"{100 * r['wer']:>5.1f}%")
        sw = ml["switching"]
        lines.append(f"one session switching language every turn: {sw['clips_correct']}/{sw['turns_expected']} turns "
                     f"with the right language_code ({sw['turns']} finals)")
        lines.append(f"decode {ml['decode_s']} s wall, {ml['decode_cpu_s']} s CPU, {ml['decodes']} decodes, "
                     f"for {ml['audio_s']} s of speech")
    elif "multilingual_skipped" in result:
        lines += ["", f"multilingual: skipped ({result['multilingual_skipped']})"]
    return "\n".join(lines)

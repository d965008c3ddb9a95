"""``keyterms_prompt`` effect, measured: term recall with and without the key terms, and terms that
appear where nobody said them.

The audio is synthetic: Debian's ``espeak-ng`` speaks sentences that each contain rare names or drug
names (positives) and sentences that contain none of them (negatives); each WAV is resampled to
16 kHz mono. Every sentence is decoded as one turn by the engine the server uses
(:class:`~hushscribe.engine.faster_whisper.FasterWhisperEngine`, same decode options), once without
and once with all key terms in the request. A term counts as recalled when its words appear, in
order, in the transcript (case and punctuation ignored). A term counts as hallucinated when it
appears in a sentence whose text does not contain it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from ..core.ports import DecodeRequest

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Sentence:
    id: str
    text: str
    terms: tuple[str, ...]  # key terms spoken in it; () for a negative


POSITIVES: tuple[Sentence, ...] = (
    Sentence("p01", "Please refill the Xarelto prescription for Mr. Okonkwo.", ("Xarelto", "Okonkwo")),
    Sentence("p02", "Doctor Szymanski increased the dose of Eliquis last week.", ("Szymanski", "Eliquis")),
    Sentence("p03", "The patient reported dizziness after starting Brilinta.", ("Brilinta",)),
    Sentence("p04", "Ms. Nakagawa will call back about her Ozempic refill.", ("Nakagawa", "Ozempic")),
    Sentence("p05", "We switched him from metoprolol to Entresto on Monday.", ("Entresto",)),
    Sentence("p06", "Please send the lab results to Doctor Adebayo by Friday.", ("Adebayo",)),
    Sentence("p07", "Her insurance does not cover Jardiance at this pharmacy.", ("Jardiance",)),
    Sentence("p08", "Mr. Vukovic asked whether Keytruda has any side effects.", ("Vukovic", "Keytruda")),
    Sentence("p09", "The nurse from Quetzaltenango clinic confirmed the appointment.", ("Quetzaltenango",)),
    Sentence("p10", "Take one tablet of Tresiba every evening, said Doctor Oyelaran.", ("Tresiba", "Oyelaran")),
)

NEGATIVES: tuple[Sentence, ...] = (
    Sentence("n01", "Please refill the prescription for the patient in room four.", ()),
    Sentence("n02", "The doctor increased the dose last week after the visit.", ()),
    Sentence("n03", "She will call back tomorrow morning about the refill.", ()),
    Sentence("n04", "We switched him to a different medication on Monday.", ()),
    Sentence("n05", "Please send the lab results to the clinic by Friday.", ()),
    Sentence("n06", "His insurance covers most of the cost at this pharmacy.", ()),
    Sentence("n07", "The patient asked whether the new pills have any side effects.", ()),
    Sentence("n08", "The nurse confirmed the appointment for next Tuesday afternoon.", ()),
    Sentence("n09", "Take one tablet every evening with a glass of water.", ()),
    Sentence("n10", "Thank you for calling, have a nice day.", ()),
)

SENTENCES: tuple[Sentence, ...] = POSITIVES + NEGATIVES


def all_keyterms(sentences: tuple[Sentence, ...] = SENTENCES) -> tuple[str, ...]:
    out: list[str] = []
    for s in sentences:
        out.extend(t for t in s.terms if t not in out)
    return tuple(out)


# -- TTS -------------------------------------------------------------------------------------------------

def espeak_binary() -> str | None:
    return shutil.which("espeak-ng")


def synthesize(text: str, *, voice: str = "en-us", speed: int = 150) -> np.ndarray:
    """``text`` spoken by espeak-ng, as 16 kHz mono float32."""
    exe = espeak_binary()
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (scripts/install-tts installs it)")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "tts.wav"
        subprocess.run([exe, "-v", voice, "-s", str(speed), "-w", str(path), text], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return read_wav_16k(path)


def read_wav_16k(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise ValueError(f"{path}: expected 16-bit PCM, got {8 * width}-bit")
    audio = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        audio = audio.reshape(-1, channels).mean(axis=1)
    if rate != SAMPLE_RATE:
        audio = soxr.resample(audio, rate, SAMPLE_RATE)
    return np.ascontiguousarray(audio, dtype=np.float32)


def write_wav_16k(path: Path, audio: np.ndarray) -> None:
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())


def make_corpus(out_dir: Path, sentences: tuple[Sentence, ...] = SENTENCES, voice: str = "en-us") -> list[Path]:
    """Write ``<id>.wav`` (16 kHz mono) for every sentence, with 0.3 s of silence either side."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pad = np.zeros(int(0.3 * SAMPLE_RATE), dtype=np.float32)
    paths = []
    for s in sentences:
        p = out_dir / f"{s.id}.wav"
        if not p.exists():
            write_wav_16k(p, np.concatenate([pad, synthesize(s.text, voice=voice), pad]))
        paths.append(p)
    return paths


# -- scoring ---------------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9']+")


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def contains_term(text: str, term: str) -> bool:
    """The term's words, in order and adjacent, among the text's words (case and punctuation ignored)."""
    words, want = _tokens(text), _tokens(term)
    if not want:
        return False
    n = len(want)
    return any(words[i:i + n] == want for i in range(len(words) - n + 1))


def score(sentences: tuple[Sentence, ...], transcripts: dict[str, str], keyterms: tuple[str, ...]) -> dict:
    spoken = recalled = 0
    missed: list[dict] = []
    hallucinated: list[dict] = []
    for s in sentences:
        text = transcripts[s.id]
        for t in s.terms:
            spoken += 1
            if contains_term(text, t):
                recalled += 1
            else:
                missed.append({"id": s.id, "term": t})
        for t in keyterms:
            if contains_term(text, t) and not contains_term(s.text, t):
                hallucinated.append({"id": s.id, "term": t, "negative": not s.terms})
    return {
        "terms_spoken": spoken,
        "terms_recalled": recalled,
        "recall": round(recalled / spoken, 4) if spoken else None,
        "missed": missed,
        "hallucinated": hallucinated,
        "hallucinated_in_negatives": sum(1 for h in hallucinated if h["negative"]),
        "hallucinated_in_positives": sum(1 for h in hallucinated if not h["negative"]),
    }


# -- the benchmark ---------------------------------------------------------------------------------------

def benchmark(engine, audio_dir: Path, sentences: tuple[Sentence, ...] = SENTENCES,
              keyterms: tuple[str, ...] | None = None) -> dict:
    """Decode every sentence without and with ``keyterms`` (default: every term of the set)."""
    keyterms = all_keyterms(sentences) if keyterms is None else keyterms
    audio = {s.id: read_wav_16k(audio_dir / f"{s.id}.wav") for s in sentences}
    runs: dict[str, dict] = {}
    for label, terms in (("without", ()), ("with", keyterms)):
        transcripts: dict[str, str] = {}
        t0 = time.perf_counter()
        for i, s in enumerate(sentences):
            result = engine.transcribe(DecodeRequest(job_id=i, kind="final", audio=audio[s.id], offset_ms=0,
                                                     keyterms=tuple(terms)))
            transcripts[s.id] = " ".join(w.text for w in result.words)
        runs[label] = {"decode_s": round(time.perf_counter() - t0, 2), "transcripts": transcripts,
                       **score(sentences, transcripts, keyterms)}
    return {
        "engine": getattr(engine, "name", type(engine).__name__),
        "keyterms": list(keyterms),
        "sentences": [{"id": s.id, "text": s.text, "terms": list(s.terms)} for s in sentences],
        "positives": sum(1 for s in sentences if s.terms),
        "negatives": sum(1 for s in sentences if not s.terms),
        "without": runs["without"],
        "with": runs["with"],
    }


def table(result: dict) -> str:
    rows = [("", "recall", "recalled/spoken", "hallucinated (negatives)", "hallucinated (other positives)",
             "decode s")]
    for label in ("without", "with"):
        r = result[label]
        rows.append((f"{label} keyterms", f"{r['recall']:.2f}", f"{r['terms_recalled']}/{r['terms_spoken']}",
                     str(r["hallucinated_in_negatives"]), str(r["hallucinated_in_positives"]), f"{r['decode_s']:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)

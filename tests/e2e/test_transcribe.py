"""``hushscribe transcribe`` with the real model on the dev audio: WER bound, redaction in every
format, valid subtitle timing, FLAC/MP3/OGG decoding, and the same turns as a streaming session."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from assemblyai.streaming.v3 import TurnEvent

from hushscribe.bench.scoring import corpus_wer
from hushscribe.cli.main import main
from tests.cli.test_transcribe_formats import check_srt, check_vtt

from .conftest import run_sdk

pytestmark = pytest.mark.slow

# 25 s of read speech, in both audio sets (the repository's evalset/ and the full ../shared).
WER_CLIPS = ("austen_0880", "austen_0890", "ls_6930-75918-0000", "lj001-0004", "goforward")
PII_CLIP = "pii/pii_s01_utility_bill_02.wav"  # "Hi Kevin, my name is Maria Gonzalez and I think my last bill is wrong."
PII_VALUES = ("Maria", "Gonzalez")


def refs(audio_dir: Path) -> dict[str, tuple[Path, str]]:
    out = {}
    for line in (audio_dir / "refs.tsv").read_text().splitlines():
        cols = line.split("\t")
        out[cols[0]] = (audio_dir / cols[1], cols[2])
    return out


def transcribe(*argv: str) -> None:
    assert main(["transcribe", "--no-progress", *argv]) == 0


def test_wer_on_real_clips_and_json_turns_are_api_turns(audio_dir, tmp_path, capsys):
    table = refs(audio_dir)
    transcribe(*(str(table[c][0]) for c in WER_CLIPS), "--format", "json", "--out", str(tmp_path))
    hyps = []
    for clip in WER_CLIPS:
        doc = json.loads((tmp_path / f"{Path(table[clip][0]).stem}.json").read_text())
        assert doc["audio_duration_seconds"] > 1 and doc["turns"], clip
        for t in doc["turns"]:
            TurnEvent.model_validate(t)  # the official SDK's own model of a Turn message
            assert t["type"] == "Turn" and t["end_of_turn"] and t["turn_is_formatted"]
            assert {"text", "start", "end", "confidence", "word_is_final"} <= set(t["words"][0])
        hyps.append(" ".join(t["transcript"] for t in doc["turns"]))
    wer = corpus_wer([table[c][1] for c in WER_CLIPS], hyps)
    with capsys.disabled():
        print(f"\ntranscribe WER on {len(WER_CLIPS)} real clips: {wer:.3f}")
    assert wer < 0.1, list(zip(WER_CLIPS, hyps, strict=True))  # measured 0.042 (2026-12-04)
    assert "-> " in capsys.readouterr().err  # one line per written file


@pytest.mark.parametrize("fmt", ["txt", "json", "srt", "vtt"])
def test_redaction_applies_in_every_format(fmt, audio_dir, tmp_path):
    multi_turn = [str(audio_dir / "real/jfk.wav")] if fmt in ("srt", "vtt") else []  # several cues
    transcribe(str(audio_dir / PII_CLIP), *multi_turn, "--redact-pii", "--sub", "entity_name",
               "--format", fmt, "--out", str(tmp_path))
    text = (tmp_path / f"{Path(PII_CLIP).stem}.{fmt}").read_text()
    for value in PII_VALUES:
        assert value not in text, (value, text)
    assert "[PERSON_NAME]" in text and "bill" in text, text
    if fmt in ("srt", "vtt"):  # timing: well-formed, monotonic, inside the audio
        check = check_srt if fmt == "srt" else check_vtt
        for name, seconds in ((Path(PII_CLIP).stem, 5.3), ("jfk", 11.0)):
            cues = check((tmp_path / f"{name}.{fmt}").read_text())
            assert cues and cues[-1][1] <= seconds * 1000 + 500, cues
        assert len(check((tmp_path / f"jfk.{fmt}").read_text())) >= 2  # several turns, several cues


def test_hash_substitution_and_policies(audio_dir, tmp_path, capsys):
    transcribe(str(audio_dir / PII_CLIP), "--redact-pii", "--policies", "person_name")
    out = capsys.readouterr().out
    assert "#####" in out and "Maria" not in out and "[PERSON_NAME]" not in out, out


def _encode(src: Path, dst: Path, codec: str) -> None:
    with wave.open(str(src)) as w:
        x, rate = np.frombuffer(w.readframes(w.getnframes()), "<i2"), w.getframerate()
    with av.open(str(dst), "w") as out:
        stream: av.audio.stream.AudioStream = out.add_stream(codec, rate=rate, layout="mono")  # type: ignore[assignment]
        frame = av.AudioFrame.from_ndarray(x[None, :].copy(), format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)


def test_flac_mp3_and_ogg_made_with_pyav_decode(audio_dir, tmp_path, capsys):
    src = audio_dir / "real/lj001-0002.wav"  # "in being comparatively modern."
    files = []
    for ext, codec in (("flac", "flac"), ("mp3", "libmp3lame"), ("ogg", "libopus")):
        files.append(tmp_path / f"modern.{ext}")
        _encode(src, files[-1], codec)
    transcribe(*map(str, files), "--no-format-turns")
    out = capsys.readouterr().out
    assert out.count("comparatively modern") == 3, out
    for f in files:
        assert f"# {f}\n" in out


def test_same_turns_and_redaction_as_a_streaming_session(real_server, audio_dir, tmp_path):
    """One pipeline: a file transcribed in-process gives the finals a WebSocket session sends."""
    clip = audio_dir / "real/jfk.wav"
    transcribe(str(clip), "--redact-pii", "--format", "json", "--out", str(tmp_path))
    offline = json.loads((tmp_path / "jfk.json").read_text())["turns"]
    with wave.open(str(clip)) as w:
        pcm = w.readframes(w.getnframes())
    run = run_sdk(real_server, pcm, format_turns=True, redact_pii=True)
    streamed = run.finals(formatted=True)
    assert [t.transcript for t in streamed] == [t["transcript"] for t in offline]
    assert [t.turn_order for t in streamed] == [t["turn_order"] for t in offline]
    # Same turn boundaries. Word times agree to a Whisper frame or two: two decodes of the same audio
    # (here in two processes) do not always align word timestamps identically.
    times = [(w.start, w.end, o["start"], o["end"]) for t, u in zip(streamed, offline, strict=False)
             for w, o in zip(t.words, u["words"], strict=False)]
    assert len(times) == sum(len(t["words"]) for t in offline)
    assert all(abs(a - c) <= 100 and abs(b - d) <= 100 for a, b, c, d in times), times

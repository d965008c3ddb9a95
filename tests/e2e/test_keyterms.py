"""``keyterms_prompt`` effect with the real model, on espeak-ng speech (``hushscribe bench keyterms``):
10 sentences with rare names and drug names (15 terms), 10 with none of them.

espeak-ng comes from ``scripts/install-tts`` (``scripts/test`` runs it first); without it the tests
skip, or fail under CI=true.

Measured on the 2-core dev box (bundled tiny.en int8, voice en-us): recall 0/15 without the key
terms, 8/15 with them; no term in any negative sentence, nor in a positive sentence that did not
say it, either way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hushscribe.bench import keyterms as bk
from hushscribe.core.ports import DecodeRequest
from hushscribe.engine.faster_whisper import (
    PUNCTUATION_PROMPT,
    WHISPER_MAX_LENGTH,
    FasterWhisperEngine,
    WhisperOptions,
)

from .conftest import ensure_espeak, run_sdk

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tts_audio(tmp_path_factory) -> Path:
    ensure_espeak()
    d = tmp_path_factory.mktemp("keyterms-audio")
    bk.make_corpus(d)
    return d


@pytest.fixture(scope="module")
def result(tts_audio) -> dict:
    return bk.benchmark(FasterWhisperEngine(WhisperOptions()), tts_audio)


def test_corpus_is_16k_mono_speech(tts_audio):
    audio = bk.read_wav_16k(tts_audio / "p01.wav")
    assert 2.0 < len(audio) / bk.SAMPLE_RATE < 8.0
    assert float(abs(audio).max()) > 0.1


def test_keyterms_raise_recall(result):
    without, with_ = result["without"], result["with"]
    assert with_["terms_spoken"] == without["terms_spoken"] == 15
    detail = f"recall without {without['terms_recalled']}/15, with {with_['terms_recalled']}/15"
    assert with_["recall"] >= without["recall"], detail
    assert with_["terms_recalled"] > without["terms_recalled"], detail


def test_no_hallucinated_keyterms(result):
    for label in ("without", "with"):
        r = result[label]
        assert r["hallucinated_in_negatives"] == 0, (label, r["hallucinated"], r["transcripts"])
    # A term said nowhere in a positive sentence does not turn up there either.
    assert result["with"]["hallucinated_in_positives"] == 0, result["with"]["hallucinated"]


def test_keyterms_prompt_reaches_the_engine_through_the_server(real_server, tts_audio):
    """The same effect over the wire: keyterms_prompt on the connection, SDK client, real server."""
    audio = bk.read_wav_16k(tts_audio / "p03.wav")  # "... after starting Brilinta."
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes() + bytes(16000 * 2)
    run = run_sdk(real_server, pcm, keyterms_prompt=list(bk.all_keyterms()))
    assert not run.errors
    text = " ".join(t.transcript for t in run.finals())
    assert bk.contains_term(text, "Brilinta"), text


def test_longest_keyterms_prompt_with_a_long_turn_decodes(tts_audio):
    """100 terms of 50 characters fill faster-whisper's hotword share of the context (223 tokens); with a
    26 s turn, prompt + max_new_tokens went past Whisper's 448 tokens and faster-whisper raised ValueError.
    The engine now caps the new tokens."""

    engine = FasterWhisperEngine(WhisperOptions())
    audio = np.concatenate([bk.read_wav_16k(tts_audio / f"p{i:02d}.wav") for i in range(1, 11)])[: 16000 * 26]
    terms = tuple(f"Quetzaltenango Okonkwo Xarelto Szymanski Adebayo {i:03d}"[:50] for i in range(100))
    assert all(len(t) == 50 for t in terms)
    assert engine._prompt_tokens(PUNCTUATION_PROMPT, " ".join(terms)) + 220 > WHISPER_MAX_LENGTH  # the case that raised
    engine.transcribe(DecodeRequest(job_id=1, kind="final", audio=audio, offset_ms=0, keyterms=terms))

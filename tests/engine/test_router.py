"""Routing decodes to the session's model, and per-turn language detection limited to the session's languages
(the faster-whisper language tap, with a fake CTranslate2 model: no model load)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest

from hushscribe.core.ports import DecodeRequest, DecodeResult
from hushscribe.engine.faster_whisper import FasterWhisperEngine, WhisperOptions, _LanguageTap, pick_language
from hushscribe.engine.router import ModelRouter, model_unavailable


class Named:
    def __init__(self, name):
        self.name = name
        self.calls = []

    def transcribe(self, request):
        self.calls.append(request.model)
        return DecodeResult(())


def req(model="english", languages=()):
    return DecodeRequest(1, "final", np.zeros(16000, np.float32), 0, model=model, languages=languages)


def test_router_sends_each_request_to_its_model():
    en, ml = Named("en"), Named("ml")
    r = ModelRouter({"english": en, "multilingual": ml})
    r.transcribe(req("english"))
    r.transcribe(req("multilingual"))
    assert en.calls == ["english"] and ml.calls == ["multilingual"]
    assert r.has("multilingual") and model_unavailable(r, "multilingual") is None


def test_router_without_a_model_says_why():
    r = ModelRouter({"english": Named("en")}, unavailable={"multilingual": "install it with X"})
    assert not r.has("multilingual")
    assert model_unavailable(r, "multilingual") == "install it with X"
    with pytest.raises(LookupError):
        r.transcribe(req("multilingual"))
    with pytest.raises(ValueError):
        ModelRouter({"multilingual": Named("ml")})


def test_a_plain_engine_serves_english_only():
    assert model_unavailable(Named("x"), "english") is None
    assert "multilingual" in model_unavailable(Named("x"), "multilingual")
    assert model_unavailable(None, "multilingual") is None  # not loaded yet: nothing to say


def test_pick_language_limits_and_renormalises():
    probs = [("gl", 0.5), ("es", 0.3), ("pt", 0.1), ("en", 0.1)]
    assert pick_language(probs, ("es", "pt", "en")) == ("es", pytest.approx(0.6))
    assert pick_language(probs) == ("gl", pytest.approx(0.5))
    assert pick_language(probs, ("ja",)) == ("gl", pytest.approx(0.5))  # nothing allowed was heard: best overall


class FakeCt2:
    is_multilingual = True

    def __init__(self, results):
        self.results = results

    def detect_language(self, encoder_output):
        return self.results

    def encode(self, features):
        return "encoded"


def test_language_tap_reorders_detection_and_records_it_per_thread():
    tap = _LanguageTap(FakeCt2([[("<|gl|>", 0.5), ("<|es|>", 0.3), ("<|en|>", 0.2)]]))
    assert tap.is_multilingual and tap.encode(None) == "encoded"  # everything else passes through
    tap.begin(("es", "en"))
    out = tap.detect_language("enc")
    assert out[0][0] == ("<|es|>", pytest.approx(0.6))  # what faster-whisper then decodes with
    assert tap.result() == ("es", pytest.approx(0.6))
    seen = []
    t = threading.Thread(target=lambda: seen.append(tap.result()))
    t.start()
    t.join()
    assert seen == [(None, None)]


class FakeWhisper:
    """faster-whisper's WhisperModel as the engine sees it: transcribe() detects through model.detect_language."""

    def __init__(self, ct2):
        self.model = ct2
        self.hf_tokenizer = SimpleNamespace(encode=lambda text, add_special_tokens=False: SimpleNamespace(ids=text.split()))
        self.calls = []

    def transcribe(self, audio, **kw):
        self.calls.append(kw)
        lang = kw["language"]
        if kw["multilingual"]:
            lang = self.model.detect_language("enc")[0][0][0][2:-2]
        w = SimpleNamespace(word=f" {lang}-word", start=0.1, end=0.4, probability=0.9)
        return iter([SimpleNamespace(words=[w], compression_ratio=1.1, no_speech_prob=0.1, avg_logprob=-0.2)]), None


def _engine(ct2) -> tuple[FasterWhisperEngine, FakeWhisper]:
    """An engine on a fake multilingual model (the engine puts its language tap around ``ct2``)."""
    fake = FakeWhisper(ct2)
    engine = FasterWhisperEngine(WhisperOptions(), model=fake)
    assert engine.multilingual
    return engine, fake


def test_engine_detects_on_the_decode_pass_for_multilingual_requests():
    e, fake = _engine(FakeCt2([[("<|gl|>", 0.6), ("<|pt|>", 0.3), ("<|es|>", 0.1)]]))
    r = e.transcribe(req("multilingual", ("es", "pt")))
    (kw,) = fake.calls
    assert kw["multilingual"] is True and kw["initial_prompt"] is None  # no English punctuation prompt
    assert (r.language, round(r.language_confidence, 2), r.text) == ("pt", 0.75, "pt-word")


def test_engine_decodes_english_requests_as_english_on_a_multilingual_model():
    e, fake = _engine(FakeCt2([[("<|de|>", 0.9)]]))
    r = e.transcribe(req("english"))
    (kw,) = fake.calls
    assert kw["language"] == "en" and kw["multilingual"] is False and kw["initial_prompt"]
    assert r.language is None and r.text == "en-word"

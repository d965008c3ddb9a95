"""The engine's keyterm safety nets, with a fake faster-whisper model (no model load)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from hushscribe.core.formatting import TimedWord
from hushscribe.core.ports import DecodeRequest
from hushscribe.engine.faster_whisper import WHISPER_MAX_LENGTH, FasterWhisperEngine, WhisperOptions, _merge_retry


def _seg(text: str, start: float, ratio: float = 1.2):
    words = [SimpleNamespace(word=" " + w, start=start + i * 0.3, end=start + i * 0.3 + 0.25, probability=0.9)
             for i, w in enumerate(text.split())]
    return SimpleNamespace(words=words, compression_ratio=ratio, no_speech_prob=0.1, avg_logprob=-0.3)


class FakeTokenizer:
    def encode(self, text, add_special_tokens=False):
        return SimpleNamespace(ids=text.split())  # one token per word


class FakeModel:
    """faster-whisper's WhisperModel as the engine sees it, English-only."""

    hf_tokenizer = FakeTokenizer()
    model = SimpleNamespace(is_multilingual=False)

    def __init__(self, with_hotwords, without_hotwords):
        self.outputs = {True: with_hotwords, False: without_hotwords}
        self.calls = []

    def transcribe(self, audio, **kw):
        self.calls.append(kw)
        return iter(self.outputs[bool(kw["hotwords"])]), None


def _engine(model) -> FasterWhisperEngine:
    return FasterWhisperEngine(WhisperOptions(), model=model)


def _request(keyterms=("Xarelto",), seconds=3.0):
    return DecodeRequest(job_id=1, kind="final", audio=np.zeros(int(16000 * seconds), np.float32), offset_ms=0,
                         keyterms=keyterms)


def test_a_turn_lost_to_a_loop_with_keyterms_is_decoded_again_without_them():
    model = FakeModel([_seg("I'm fine. " * 20, 0.0, ratio=8.3)], [_seg("she will call back", 0.0)])
    words = _engine(model).transcribe(_request()).words
    assert [w.text for w in words] == ["she", "will", "call", "back"]
    assert [bool(c["hotwords"]) for c in model.calls] == [True, False]


def test_no_retry_without_a_loop_or_without_keyterms():
    model = FakeModel([_seg("take Xarelto", 0.0)], [_seg("take the rel toe", 0.0)])
    assert [w.text for w in _engine(model).transcribe(_request()).words] == ["take", "Xarelto"]
    assert len(model.calls) == 1
    model = FakeModel([], [_seg("loop " * 30, 0.0, ratio=9.0)])
    assert _engine(model).transcribe(_request(keyterms=())).words == ()
    assert len(model.calls) == 1


def test_merge_keeps_biased_words_and_fills_lost_stretches():
    biased = [TimedWord("Xarelto", 0, 400, 0.9), TimedWord("refill", 500, 800, 0.9)]
    retry = [TimedWord("the", 10, 300, 0.9), TimedWord("rel", 520, 700, 0.9), TimedWord("tomorrow", 2000, 2400, 0.9)]
    assert [w.text for w in _merge_retry(biased, retry)] == ["Xarelto", "refill", "tomorrow"]
    assert _merge_retry([], retry) == retry


def test_new_tokens_are_capped_so_a_full_hotword_prompt_fits():
    model = FakeModel([_seg("hello", 0.0)], [])
    terms = tuple(f"term{i}" for i in range(300))  # 300 "tokens": cut to 223 by faster-whisper
    _engine(model).transcribe(_request(keyterms=terms, seconds=30.0))
    kw = model.calls[0]
    prompt_tokens = len(kw["initial_prompt"].split()) + 223 + 6
    assert kw["max_new_tokens"] == WHISPER_MAX_LENGTH - prompt_tokens < 220
    model = FakeModel([_seg("hello", 0.0)], [])
    _engine(model).transcribe(_request(keyterms=("Xarelto",), seconds=30.0))
    assert model.calls[0]["max_new_tokens"] == 220


def test_keyterm_decodes_are_greedy_only():
    """A biased decode that fails Whisper's quality checks is kept greedy: sampling at temperature 0.4 with the
    terms as hotwords wrote terms into a sentence that did not say them ("Mr. Yukonbicak Tresiba Quetzaltenango
    Tresiba" for "Mr. Vukovic asked whether Keytruda has any side effects", 2 of 8 seeds)."""
    model = FakeModel([_seg("take Xarelto", 0.0)], [_seg("take the rel toe", 0.0)])
    _engine(model).transcribe(_request())
    assert model.calls[0]["temperature"] == (0.0,)
    _engine(model).transcribe(_request(keyterms=()))
    assert model.calls[1]["temperature"] == (0.0, 0.4)  # without terms the sampled fallback still catches loops

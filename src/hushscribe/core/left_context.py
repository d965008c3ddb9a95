"""Left audio context: decode a turn together with the end of the turn before it, keep only its own words.

Why: at the short silences voice-agent frameworks ask for (``u3-rt-pro`` at ``min_turn_silence =
max_turn_silence = 100`` ms, Pipecat's and LiveKit's defaults) every breath ends a turn, and a fragment of
one to three words decoded alone is where Whisper errs most: "771." / "9-0." / "5 5 1.", "His past power
number is Z." (issue 13). Whisper reads the audio, not the previous text, best: a decoder prompt with the
previous final raised WER and invented tails (docs/performance.md). So the turn's decode starts a few
seconds earlier, at a word of the previous final, and the words Whisper places before the turn's own
audio are dropped again: what the client sees of the turn is only its own words, now heard in context.

Where the cut falls: Whisper's word times are off by tens of milliseconds, so the cut is the middle of
the gap between the previous final's last word and the VAD onset of this turn; a word belongs to the turn
when its middle lies after the cut. Pure and deterministic: the session picks the window
(:func:`context_window`); the worker (before rendering) and the session apply the cut
(:func:`without_left_context`); the engine only avoids joining word pieces across it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from .formatting import TimedWord
from .ports import DecodeResult

__all__ = ["LeftContext", "context_window", "words_of_turn", "without_left_context"]


@dataclass(frozen=True)
class LeftContext:
    """Where a turn's decode starts (``start_ms``, session time) and where its own words begin (``cut_ms``)."""

    start_ms: int
    cut_ms: int


def context_window(previous: Sequence[TimedWord], turn_audio_start_ms: int, onset_ms: int, *,
                   max_ms: int, max_gap_ms: int, available_from_ms: int) -> LeftContext | None:
    """The left context of a turn whose decodes start at ``turn_audio_start_ms`` (its pre-roll included) and whose
    speech began at ``onset_ms`` (the VAD's), after the previous final's ``previous`` words (session times).

    None when there is no previous final, when it ended more than ``max_gap_ms`` before the onset (a new
    utterance, not a fragment of the last one), or when none of its words starts within ``max_ms`` of the turn's
    audio and after ``available_from_ms`` (the oldest audio the session still holds). The window starts at a
    word boundary of the previous final: a word cut in half would be misheard, and it is context only."""
    if max_ms <= 0 or not previous:
        return None
    last_end = previous[-1].end_ms
    if onset_ms - last_end > max_gap_ms:
        return None
    earliest = max(available_from_ms, turn_audio_start_ms - max_ms)
    starts = [w.start_ms for w in previous if w.start_ms >= earliest and w.start_ms < turn_audio_start_ms]
    if not starts:
        return None
    cut = (last_end + max(last_end, onset_ms)) // 2
    return LeftContext(start_ms=min(starts), cut_ms=max(cut, min(starts)))


def words_of_turn(words: Sequence[TimedWord], cut_ms: int) -> list[TimedWord]:
    """The words whose middle lies at or after ``cut_ms`` (times of ``words`` and ``cut_ms`` on one clock)."""
    return [w for w in words if (w.start_ms + w.end_ms) / 2 >= cut_ms]


def without_left_context(result: DecodeResult, context_ms: int) -> DecodeResult:
    """``result`` (times from its request's audio start) without the words of its left context; the same result
    when there are none. Idempotent: the worker applies it before rendering, the session again on arrival.

    Whisper writes the first word after the context as it goes on mid-sentence ("and your date of birth."); a turn
    starts with a capital, as every other turn does (formatted finals are sentence-cased)."""
    if context_ms <= 0:
        return result
    kept = words_of_turn(result.words, context_ms)
    if len(kept) == len(result.words):
        return result
    if kept and kept[0].text[:1].islower():
        first = kept[0]
        kept[0] = replace(first, text=first.text[:1].upper() + first.text[1:])
    return result.with_words(kept, None, ())

"""End-of-turn confidence from a Whisper hypothesis.

Why: AssemblyAI's Universal-Streaming ends a turn early when its model is confident the speaker has
finished (protocol §6.5). Whisper has no such head, but its text carries the signal: it writes terminal
punctuation for a finished sentence and leaves a trailing conjunction, article or comma when the
speaker stopped mid-phrase. The scores are on AssemblyAI's 0-1 scale so that the client's
``end_of_turn_confidence_threshold`` (default 0.4) keeps its meaning: finished > 0.4 > unfinished.
"""

from __future__ import annotations

# Words after which a speaker almost never stops for good.
CONTINUATION_WORDS = frozenset(
    """a an the and or but so because if that which who whose to of for from with without in on at by
    as than then my your his her our their its this these those is are was were be been am i we you
    they he she it um uh er like just very really also not no nor into onto about over under""".split()
)

FINISHED = 0.9
TRAILING_OFF = 0.3
UNFINISHED_PUNCT = 0.15
CONTINUATION = 0.1
NEUTRAL = 0.3


def end_of_turn_confidence(text: str) -> float:
    t = text.strip()
    if not t:
        return 0.0
    if t.endswith(("...", "\u2026")):
        return TRAILING_OFF
    if t[-1] in ".?!":
        return FINISHED
    if t[-1] in ",;:-\u2014\u2013":
        return UNFINISHED_PUNCT
    last = t.split()[-1].strip("\"')]").lower()
    if last in CONTINUATION_WORDS:
        return CONTINUATION
    return NEUTRAL

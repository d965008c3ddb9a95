"""speaker_labels in the session: each final carries the speaker_label of its clustered embedding (and its
words the speaker), partials none; requests ask the worker for embeddings only when labels are on."""

from __future__ import annotations

import numpy as np
from assemblyai.streaming.v3 import models as sdk

from hushscribe.core.ports import DecodeResult
from hushscribe.engine.fake import spread_words

from .conftest import Driver, make_session, pattern

THREE_TURNS = pattern(("s", 16), ("v", 80), ("s", 60), ("v", 80), ("s", 60), ("v", 80), ("s", 60))  # 2.6 s turns
VOICES = {0: np.array([1.0, 0.1, 0.0]), 1: np.array([0.0, 1.0, 0.1]), 2: np.array([1.0, 0.0, 0.1])}


class VoiceDriver(Driver):
    """Every final-kind decode of turn k carries voice ``voices[k]`` (None: too short to embed)."""

    def __init__(self, session, voices):
        super().__init__(session)
        self.voices = voices
        self.turn_of_offset: dict[int, int] = {}

    def result_for(self, req, text=None):
        turn = self.turn_of_offset.setdefault(req.offset_ms, len(self.turn_of_offset))
        emb = self.voices[turn] if req.embed_speaker else None
        return DecodeResult(tuple(spread_words("Hello world.", req.duration_ms)), speaker_embedding=emb)


def run(voices, **kw) -> VoiceDriver:
    d = VoiceDriver(make_session(THREE_TURNS, include_partial_turns="true", **kw), voices)
    d.frames(len(THREE_TURNS))
    d.text('{"type":"Terminate"}')
    return d


def test_finals_carry_the_clustered_speaker_and_partials_none():
    d = run([VOICES[0], VOICES[1], VOICES[2]], speaker_labels="true", format_turns="true")
    finals = d.finals()
    assert [(f["turn_order"], f["speaker_label"]) for f in finals] == [(0, "A"), (0, "A"), (1, "B"), (1, "B"),
                                                                      (2, "A"), (2, "A")]
    for f in finals:
        ev = sdk.TurnEvent.model_validate(f)
        assert ev.words and all(w.speaker == ev.speaker_label for w in ev.words)
    assert d.partials() and all("speaker_label" not in p for p in d.partials())
    assert all(not r.embed_speaker for r in d.requests if r.kind == "partial")
    assert any(r.embed_speaker for r in d.requests if r.kind == "final")


def test_max_speakers_one_gives_everyone_a():
    d = run([VOICES[0], VOICES[1], VOICES[2]], speaker_labels="true", max_speakers="1")
    assert [f["speaker_label"] for f in d.finals()] == ["A", "A", "A"]


def test_short_turns_are_unknown():
    d = run([VOICES[0], None, VOICES[0]], speaker_labels="true")
    assert [f["speaker_label"] for f in d.finals()] == ["A", "UNKNOWN", "A"]


def test_no_labels_and_no_embeddings_unless_asked():
    d = run([VOICES[0], VOICES[1], VOICES[2]])
    assert d.finals() and all("speaker_label" not in f for f in d.finals())
    assert not any(r.embed_speaker for r in d.requests)

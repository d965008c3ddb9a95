"""Audit records and redacted audio from the sans-I/O session (extension ``hushscribe_redact_audio``).

The engine is the conftest's scripted one (words spread evenly over the decoded audio); the
redactor is a fake that hides chosen words and says which detection did, like ``PiiRedactor``.
"""

from __future__ import annotations

import json

import numpy as np
from assemblyai.streaming.v3._base import _BaseStreamingClient

from hushscribe.core import messages as m
from hushscribe.core.formatting import TimedWord
from hushscribe.core.ports import DecodeResult
from hushscribe.core.rendering import RedactionHit, RedactionSpec, final_renderings_audited, redact_word
from hushscribe.core.session import SessionSettings

from .conftest import FRAME, Driver, index_value, make_session, pattern, ramp_bytes

ONE_TURN = pattern(("s", 16), ("v", 32), ("s", 60))
TWO_TURNS = pattern(("s", 16), ("v", 32), ("s", 40), ("v", 32), ("s", 60))
AUDIT_KEYS = {"turn_order", "turn_is_formatted", "word_indices", "start_ms", "end_ms", "policy", "detector", "score"}


class HidesWords:
    """Hides the given words (case-insensitive, punctuation ignored) as ``policy``; adjacent hidden
    words count as one detection (one span), like a two-word name."""

    def __init__(self, *texts: str, policy: str = "person_name"):
        self.texts = {t.lower() for t in texts}
        self.policy = policy
        self.calls = 0

    def _hit(self, w: TimedWord) -> bool:
        return w.text.lower().strip(".,") in self.texts

    def redact_detailed(self, words, policies, sub):
        self.calls += 1
        out, hits = [], []
        for w in words:
            if self._hit(w):
                out.append(redact_word(w, "[" + self.policy.upper() + "]", sub))
                hits.append(RedactionHit(self.policy, "fake:words", 0.85, (0, 0)))
            else:
                out.append(w)
                hits.append(None)
        return out, hits

    def redact(self, words, policies, sub):
        return self.redact_detailed(words, policies, sub)[0]


def words(text: str) -> list[TimedWord]:
    return [TimedWord(t, i * 100, i * 100 + 90, 0.9) for i, t in enumerate(text.split())]


# ---------------------------------------------------------------------------------------------
# Renderings
# ---------------------------------------------------------------------------------------------


def test_runs_group_adjacent_words_of_one_detection_per_rendering():
    r, runs = final_renderings_audited(words("I am Maria Gonzalez, hello Maria."), formatted_only=False,
                                       redaction=RedactionSpec(("person_name",), "entity_name"),
                                       redactor=HidesWords("maria", "gonzalez"))
    assert [w.text for w in r["formatted"]] == ["I", "am", "[PERSON_NAME]", "[PERSON_NAME],", "hello", "[PERSON_NAME]."]
    fmt = [x for x in runs if x.rendering == "formatted"]
    assert [(x.word_indices, x.start_ms, x.end_ms) for x in fmt] == [((2, 3), 200, 390), ((5,), 500, 590)]
    assert {(x.policy, x.detector, x.score) for x in runs} == {("person_name", "fake:words", 0.85)}
    raw = [x for x in runs if x.rendering == "unformatted"]
    assert [x.word_indices for x in raw] == [(2, 3), (5,)]


def test_a_word_hidden_only_for_consistency_is_credited_to_the_detection_that_found_its_counterpart():
    # the fake finds "415-555-0192" only in the formatted text; its ten spelled digits follow
    _, runs = final_renderings_audited(words("Call 415-555-0192. Thanks."), formatted_only=False,
                                       redaction=RedactionSpec(("phone_number",), "hash"),
                                       redactor=HidesWords("415-555-0192", policy="phone_number"))
    (raw,) = [x for x in runs if x.rendering == "unformatted"]
    assert raw.word_indices == tuple(range(1, 11)) and raw.policy == "phone_number" and raw.detector == "fake:words"
    assert (raw.start_ms, raw.end_ms) == (100, 190)


def test_a_plain_redactor_gives_runs_credited_to_an_unknown_detector():
    class Plain:
        def redact(self, ws, policies, sub):
            return [redact_word(w, "[X]", sub) if w.text == "b" else w for w in ws]

    _, runs = final_renderings_audited(words("a b c"), formatted_only=True,
                                       redaction=RedactionSpec(("person_name",), "hash"), redactor=Plain())
    assert [(x.word_indices, x.policy, x.detector, x.score) for x in runs] == [((1,), "unknown", "unknown", None)]


def test_no_redaction_no_runs():
    assert final_renderings_audited(words("a b"), formatted_only=False, redaction=None, redactor=None)[1] == ()


# ---------------------------------------------------------------------------------------------
# Session: audit records
# ---------------------------------------------------------------------------------------------


def test_each_final_reports_its_redactions_without_values():
    red = HidesWords("world")
    s = make_session(ONE_TURN, redactor=red, redact_pii="true", format_turns="true")
    d = Driver(s).frames(len(ONE_TURN))
    raw, fmt = d.finals()
    records = s.redactions_to_report()
    assert s.redactions_to_report() == []  # drained
    (rec,) = records  # one per run of the turn's first final (the unformatted one here)
    assert set(rec) == AUDIT_KEYS
    world = raw["words"][1]
    assert rec == {"turn_order": 0, "turn_is_formatted": False, "word_indices": [1], "start_ms": world["start"],
                   "end_ms": world["end"], "policy": "person_name", "detector": "fake:words", "score": 0.85}
    assert fmt["words"][1]["text"] == "#####." and raw["words"][1]["text"] == "#####"
    assert "world" not in json.dumps(records).lower()
    assert s.redacted_spans_ms == [(world["start"], world["end"])] * 2  # both renderings


def test_u3_records_index_the_formatted_final_and_turn_order_counts_up():
    s = make_session(TWO_TURNS, redactor=HidesWords("hello"), redact_pii="true", speech_model="u3-rt-pro")
    d = Driver(s).frames(len(TWO_TURNS))
    assert len(d.finals()) == 2
    records = s.redactions_to_report()
    assert [(r["turn_order"], r["turn_is_formatted"], r["word_indices"]) for r in records] == [(0, True, [0]), (1, True, [0])]
    for r, final in zip(records, d.finals(), strict=True):
        assert (r["start_ms"], r["end_ms"]) == (final["words"][0]["start"], final["words"][0]["end"])


def test_worker_rendered_finals_give_the_same_records_in_stream_time():
    """The server renders finals in the worker thread (times relative to the decoded audio); the
    session shifts them to stream time like the words."""

    class WorkerDriver(Driver):
        def result_for(self, req, text=None):
            base = super().result_for(req, text)
            if req.kind != "final":
                return base
            renderings, runs = final_renderings_audited(base.words, formatted_only=req.formatted_only,
                                                        redaction=req.redaction, redactor=HidesWords("world"))
            return DecodeResult(base.words, renderings, runs)

    inline = make_session(TWO_TURNS, redactor=HidesWords("world"), redact_pii="true")
    Driver(inline).frames(len(TWO_TURNS))
    worker_red = HidesWords("world")
    worker = make_session(TWO_TURNS, redactor=worker_red, redact_pii="true")
    WorkerDriver(worker).frames(len(TWO_TURNS))
    assert worker_red.calls == 0  # the session did not render again
    a, b = inline.redactions_to_report(), worker.redactions_to_report()
    assert len(a) == 2 and a == b and a[1]["start_ms"] > 1500
    assert inline.redacted_spans_ms == worker.redacted_spans_ms


# ---------------------------------------------------------------------------------------------
# Session: redacted audio
# ---------------------------------------------------------------------------------------------


def test_redacted_audio_changes_only_the_padded_word_spans_of_the_client_audio():
    s = make_session(ONE_TURN, redactor=HidesWords("world"), redact_pii="true", hushscribe_redact_audio="true")
    n = len(ONE_TURN) * FRAME
    d = Driver(s).audio(ramp_bytes(n), 2 * FRAME * 2)
    d.text('{"type":"Terminate"}')
    assert d.types()[-1] == "Termination"
    (a_ms, b_ms), = set(s.redacted_spans_ms)
    out = s.redacted_audio(pad_ms=40, fill="silence")
    original = index_value(np.arange(n)).astype(np.int16)
    assert out.dtype == np.int16 and len(out) == n
    a, b = (a_ms - 40) * 16, (b_ms + 40) * 16
    assert np.all(out[a:b] == 0)
    assert np.array_equal(out[:a], original[:a]) and np.array_equal(out[b:], original[b:])


def test_without_the_extension_nothing_is_recorded():
    s = make_session(ONE_TURN, redactor=HidesWords("world"), redact_pii="true")
    Driver(s).frames(len(ONE_TURN))
    assert s.recorder is None and s.redacted_audio(pad_ms=0, fill="tone") is None
    assert s.redactions_to_report()  # the audit trail does not need the recording


def test_recording_past_the_bound_is_dropped_with_one_warning_and_the_session_goes_on():
    s = make_session(TWO_TURNS, redactor=HidesWords("world"), redact_pii="true", hushscribe_redact_audio="true",
                     settings=SessionSettings(vad_hangover_ms=0, redacted_audio_max_s=2))
    d = Driver(s).frames(len(TWO_TURNS))  # 5.5 s of audio
    warnings = [x for x in d.messages if x["type"] == "Warning"]
    assert warnings == [m.warning(m.WARNING_REDACTED_AUDIO_DROPPED, warnings[0]["warning"])]
    assert "2 s" in warnings[0]["warning"]
    assert s.recorder is None and s.redacted_audio(pad_ms=0, fill="tone") is None
    assert len(d.finals()) == 2 and s.close is None
    assert _BaseStreamingClient._parse_message(json.loads(m.to_json(warnings[0]))) is not None

"""Redaction across adjacent turns (issue 13): a number dictated with short pauses is split into finals
("My number is 771." / "90 551."); the second is redacted with the end of the first as detection context."""

from __future__ import annotations

import re

from hushscribe.core.formatting import TimedWord
from hushscribe.core.rendering import RedactionSpec, final_renderings_audited, is_number_word, redact_word

from .conftest import Driver, make_session, pattern

TWO_TURNS = pattern(("s", 16), ("v", 32), ("s", 32), ("v", 32), ("s", 60))


class DigitRunDetector:
    """Finds runs of adjacent number words holding >= 7 digits in total (a phone number), nothing shorter."""

    def redact(self, ws, policies, sub):
        out = list(ws)
        i = 0
        while i < len(ws):
            j = i
            while j < len(ws) and re.search(r"\d", ws[j].text):
                j += 1
            if sum(len(re.sub(r"\D", "", w.text)) for w in ws[i:j]) >= 7:
                for k in range(i, j):
                    out[k] = redact_word(ws[k], "[PHONE_NUMBER]", sub)
            i = max(j, i + 1)
        return out


def _words(text: str, start: int = 0) -> list[TimedWord]:
    return [TimedWord(t, start + i * 100, start + i * 100 + 90, 0.9) for i, t in enumerate(text.split())]


def test_a_number_continued_from_the_previous_final_is_redacted_and_the_context_is_not_rendered():
    spec = RedactionSpec(("phone_number",), "entity_name")
    alone, _ = final_renderings_audited(_words("90 551."), formatted_only=False, redaction=spec,
                                        redactor=DigitRunDetector())
    assert [w.text for w in alone["formatted"]] == ["90", "551."]  # 5 digits alone: not a phone number
    ctx = RedactionSpec(spec.policies, spec.sub, context=tuple(_words("My number is 771.", 5000)))
    out, runs = final_renderings_audited(_words("90 551. Thanks."), formatted_only=False, redaction=ctx,
                                         redactor=DigitRunDetector())
    assert [w.text for w in out["formatted"]] == ["[PHONE_NUMBER]", "[PHONE_NUMBER].", "Thanks."]
    assert [w.start_ms for w in out["formatted"]] == [0, 100, 200]  # this turn's words, its own times
    assert out["unformatted"][-1].text == "thanks" and "my" not in [w.text for w in out["unformatted"]]
    assert all(w.text == "[PHONE_NUMBER]" for w in out["unformatted"][:-1])
    formatted_runs = [r for r in runs if r.rendering == "formatted"]
    assert [r.word_indices for r in formatted_runs] == [(0, 1)]
    assert formatted_runs[0].start_ms == 0 and formatted_runs[0].end_ms == 190
    assert all(i < len(out["unformatted"]) for r in runs if r.rendering == "unformatted" for i in r.word_indices)


def test_is_number_word():
    assert is_number_word("771.") and is_number_word("9-0") and is_number_word("five,")
    assert not is_number_word("number") and not is_number_word("...")


def test_session_passes_the_end_of_a_final_ending_in_a_number_as_redaction_context():
    texts = iter(["My number is 771.", "90 551."])
    s = make_session(TWO_TURNS, include_partial_turns="false", redact_pii="true", redactor=DigitRunDetector(),
                     speech_model="u3-rt-pro")
    d = Driver(s, script=lambda req: next(texts))
    d.frames(len(TWO_TURNS))
    first, second = [r for r in d.requests if r.kind == "final"][:2]
    assert first.redaction.context == ()
    assert [w.text for w in second.redaction.context] == ["My", "number", "is", "771."]
    assert [f["transcript"] for f in d.finals()] == ["My number is 771.", "## ###."]  # redact_pii_sub=hash


def test_no_redaction_context_after_a_final_that_ends_in_words_or_after_a_long_gap():
    s = make_session(TWO_TURNS, include_partial_turns="false", redact_pii="true", redactor=DigitRunDetector())
    d = Driver(s, script=lambda req: "Thank you.")
    d.frames(len(TWO_TURNS))
    assert all(r.redaction.context == () for r in d.requests)
    long_gap = pattern(("s", 16), ("v", 32), ("s", 100), ("v", 32), ("s", 60))  # 3.2 s apart
    texts = iter(["It is 771.", "90 551."])
    s = make_session(long_gap, include_partial_turns="false", redact_pii="true", redactor=DigitRunDetector())
    d = Driver(s, script=lambda req: next(texts))
    d.frames(len(long_gap))
    assert all(r.redaction.context == () for r in d.requests)

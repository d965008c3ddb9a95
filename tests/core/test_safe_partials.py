"""Safe partials (extension ``redact_pii_partials``): partials are redacted like finals, and every
number-like word is hidden because a partial may show digits before the detector can see the whole
number."""

from __future__ import annotations

from hushscribe.core.formatting import TimedWord
from hushscribe.core.rendering import mask_numbers

from .conftest import Driver, make_session
from .test_session import LONG_TURN, MaskingRedactor


def tw(text: str) -> TimedWord:
    return TimedWord(text, 0, 100, 0.9)


def test_mask_numbers_hash_and_entity_name():
    words = [tw("call"), tw("four"), tw("415-555,"), tw("oh"), tw("[PHONE_NUMBER]"), tw("Friday.")]
    assert [w.text for w in mask_numbers(words, "hash")] == ["call", "####", "###-###,", "##", "[PHONE_NUMBER]", "Friday."]
    assert [w.text for w in mask_numbers(words, "entity_name")] == [
        "call", "[NUMBER_SEQUENCE]", "[NUMBER_SEQUENCE],", "[NUMBER_SEQUENCE]", "[PHONE_NUMBER]", "Friday."]


def _card_script(r) -> str:
    return "my card is 4111 and world peace" if r.kind == "partial" else "my card is 4111 and world peace."


def test_partials_are_redacted_with_the_extension():
    script = _card_script
    s = make_session(LONG_TURN, redact_pii="true", include_partial_turns="true", redact_pii_partials="true",
                     redactor=MaskingRedactor())
    d = Driver(s, script=script).frames(len(LONG_TURN))
    partials = [t for t in d.turns() if not t["end_of_turn"]]
    assert partials
    for p in partials:
        texts = [w["text"] for w in p["words"]]
        assert not any(ch.isdigit() for t in texts for ch in t)
        assert "four" not in texts and "world" not in texts  # number word masked; redactor's entity masked
    finals = [t for t in d.turns() if t["end_of_turn"]]
    assert finals and "world" not in finals[0]["transcript"]


def test_without_the_extension_partials_stay_unredacted():
    script = _card_script
    s = make_session(LONG_TURN, redact_pii="true", include_partial_turns="true", redactor=MaskingRedactor())
    d = Driver(s, script=script).frames(len(LONG_TURN))
    partials = [t for t in d.turns() if not t["end_of_turn"]]
    assert partials and any("world" in [w["text"] for w in p["words"]] for p in partials)

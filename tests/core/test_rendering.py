"""Final renderings: both finals are redacted consistently, whichever text the detector caught."""

from __future__ import annotations

from hushscribe.core.formatting import TimedWord
from hushscribe.core.rendering import RedactionSpec, final_renderings, redact_word


def words(text: str) -> list[TimedWord]:
    return [TimedWord(t, i * 100, i * 100 + 90, 0.9) for i, t in enumerate(text.split())]


class OnlyCatches:
    """A detector that finds only the given (exact) word texts."""

    def __init__(self, *texts: str):
        self.texts = set(texts)

    def redact(self, ws, policies, sub):
        return [redact_word(w, "[PHONE_NUMBER]", sub) if w.text.strip(".,") in self.texts else w for w in ws]


def test_a_number_found_only_in_the_formatted_text_is_hidden_in_the_unformatted_one():
    r = final_renderings(words("Call 415-555-0192. Thanks."), formatted_only=False,
                         redaction=RedactionSpec(("phone_number",), "entity_name"), redactor=OnlyCatches("415-555-0192"))
    assert [w.text for w in r["formatted"]] == ["Call", "[PHONE_NUMBER].", "Thanks."]
    raw = [w.text for w in r["unformatted"]]
    assert raw[0] == "call" and raw[-1] == "thanks"
    assert raw[1:-1] == ["[PHONE_NUMBER]"] * 10  # every spelled digit, timestamps kept


def test_a_word_found_only_in_the_unformatted_text_is_hidden_in_the_formatted_one():
    r = final_renderings(words("Greenfield Fire, hello."), formatted_only=False,
                         redaction=RedactionSpec(("organization",), "hash"), redactor=OnlyCatches("greenfield"))
    assert [w.text for w in r["formatted"]] == ["##########", "Fire,", "hello."]
    assert [w.text for w in r["unformatted"]] == ["##########", "fire", "hello"]


def test_without_redaction_renderings_are_plain():
    r = final_renderings(words("Hi, 25."), formatted_only=False, redaction=None, redactor=None)
    assert [w.text for w in r["unformatted"]] == ["hi", "twenty", "five"]
    assert [w.text for w in r["formatted"]] == ["Hi,", "25."]

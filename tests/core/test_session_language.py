"""Multilingual sessions in the core: which model each decode asks for, and the language fields of finals
(protocol §3 ``language_detection``, §5.3: ``language_code``/``language_confidence`` on finals only)."""

from __future__ import annotations

from hushscribe.core.params import MULTILINGUAL_LANGUAGES
from hushscribe.core.ports import DecodeResult
from hushscribe.engine.fake import spread_words

from .conftest import Driver, make_session, pattern

TWO_TURNS = pattern(("s", 16), ("v", 40), ("s", 60), ("v", 40), ("s", 60))


class LanguageDriver(Driver):
    """Answers every decode as if a multilingual model heard ``languages[turn]``."""

    def __init__(self, session, languages):
        super().__init__(session, script=lambda req: "Hola amigo.")
        self.languages = list(languages)
        self.turn_of_offset: dict[int, int] = {}

    def result_for(self, req, text=None):
        turn = self.turn_of_offset.setdefault(req.offset_ms, len(self.turn_of_offset))
        lang = self.languages[min(turn, len(self.languages) - 1)]
        return DecodeResult(tuple(spread_words("Hola amigo.", req.duration_ms)), language=lang,
                            language_confidence=0.91234567)


def run(languages=("es", "de"), **kw):
    s = make_session(TWO_TURNS, include_partial_turns="true", **kw)
    d = LanguageDriver(s, languages)
    d.frames(len(TWO_TURNS))
    d.text('{"type":"Terminate"}')
    return d


def test_multilingual_session_asks_for_the_multilingual_model_with_the_default_languages():
    d = run(speech_model="universal-streaming-multilingual")
    assert d.requests and all(r.model == "multilingual" for r in d.requests)
    assert all(r.languages == MULTILINGUAL_LANGUAGES for r in d.requests)


def test_language_codes_narrow_detection():
    d = run(speech_model="universal-streaming-multilingual", language_codes='["es","fr"]')
    assert all(r.languages == ("es", "fr") for r in d.requests)
    d = run(speech_model="universal-streaming-multilingual", language_codes='["multi"]')
    assert all(r.languages == MULTILINGUAL_LANGUAGES for r in d.requests)


def test_english_models_ask_for_the_english_model():
    for model in ("universal-streaming-english", "u3-rt-pro", "whisper-rt"):
        d = run(speech_model=model)
        assert all(r.model == "english" and r.languages == () for r in d.requests), model


def test_finals_carry_each_turns_language_with_detection():
    d = run(speech_model="universal-streaming-multilingual", language_detection="true", format_turns="true")
    finals = d.finals()
    assert [f["turn_order"] for f in finals] == [0, 0, 1, 1]  # unformatted + formatted per turn
    assert [f["language_code"] for f in finals] == ["es", "es", "de", "de"]
    assert all(f["language_confidence"] == 0.9123 for f in finals)
    partials = [msg for msg in d.messages if msg.get("type") == "Turn" and not msg["end_of_turn"]]
    assert partials, "the test must see partials"
    assert all("language_code" not in p and "language_confidence" not in p for p in partials)


def test_no_language_fields_without_detection():
    d = run(speech_model="universal-streaming-multilingual")
    assert d.finals()
    assert all("language_code" not in f for f in d.finals())

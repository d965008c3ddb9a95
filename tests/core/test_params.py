"""Tests for hushscribe.core.params: query parsing, validation text, updates.

The exact error strings matter: clients (and our conformance tests) compare
them with production's 3006 messages (protocol §3.2).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hushscribe.core.params import (
    ENCODINGS,
    KNOWN_PARAMS,
    LANGUAGE_CODES,
    PII_POLICIES,
    SPEECH_MODELS,
    U3_MODELS,
    ParamError,
    SessionParams,
    apply_update,
    parse_session_params,
)


def parse(**kw: str) -> SessionParams:
    return parse_session_params(list(kw.items()))


def error_of(items) -> ParamError:
    with pytest.raises(ParamError) as ei:
        parse_session_params(items)
    return ei.value


# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------


def test_constants():
    assert len(PII_POLICIES) == 65 == len(set(PII_POLICIES))
    assert PII_POLICIES[0] == "account_number" and PII_POLICIES[-1] == "zodiac_sign"
    assert len(LANGUAGE_CODES) == 33
    assert ENCODINGS == ("pcm_s16le", "pcm_mulaw", "opus", "ogg_opus", "aac")
    assert SPEECH_MODELS[0] == "universal-streaming-english"
    assert SPEECH_MODELS[-1] == "_universal-3-5-notetaker"
    assert len(SPEECH_MODELS) == 11 and "u3-pro" not in SPEECH_MODELS
    assert U3_MODELS < set(SPEECH_MODELS)
    assert "whisper-rt" not in U3_MODELS and "u3-rt-agent" in U3_MODELS
    assert len(U3_MODELS) == 8


# ---------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------

DEFAULTS = [
    ("sample_rate", 16000),
    ("encoding", "pcm_s16le"),
    ("speech_model", "universal-streaming-english"),
    ("format_turns", False),
    ("end_of_turn_confidence_threshold", 0.4),
    ("min_turn_silence_ms", 400),
    ("max_turn_silence_ms", 1280),
    ("vad_threshold", 0.4),
    ("keyterms_prompt", ()),
    ("prompt", None),
    ("agent_context", None),
    ("language_detection", False),
    ("language_code", None),
    ("language_codes", ()),
    ("language", None),
    ("inactivity_timeout_s", None),
    ("speaker_labels", False),
    ("max_speakers", None),
    ("speaker_labels_revision_interval_ms", 0),
    ("mode", None),
    ("interruption_delay_ms", 500),
    ("turn_left_pad_ms", None),
    ("continuous_partials", False),
    ("filter_profanity", False),
    ("session_heartbeat", False),
    ("acknowledge_silence", False),
    ("domain", None),
    ("voice_focus", None),
    ("voice_focus_threshold", None),
    ("webhook_url", None),
    ("webhook_auth_header_name", None),
    ("webhook_auth_header_value", None),
    ("llm_gateway", None),
    ("customer_support_audio_capture", False),
    ("include_partial_turns", True),
    ("redact_pii", False),
    ("redact_pii_policies", PII_POLICIES),
    ("redact_pii_sub", "hash"),
    ("redact_pii_partials", False),
    ("hushscribe_redact_audio", False),
    ("token", None),
    ("unknown", ()),
]


@pytest.mark.parametrize("field,expected", DEFAULTS)
def test_defaults_from_parse(field, expected):
    assert getattr(parse_session_params([]), field) == expected


@pytest.mark.parametrize("field,expected", DEFAULTS)
def test_defaults_from_constructor(field, expected):
    assert getattr(SessionParams(), field) == expected


def test_default_speech_model_is_configurable():
    assert parse_session_params([], default_speech_model="u3-rt-pro").speech_model == "u3-rt-pro"
    assert parse_session_params([], default_speech_model="u3-pro").speech_model == "u3-rt-pro"
    # An explicit client value beats the server default.
    p = parse_session_params([("speech_model", "whisper-rt")], default_speech_model="u3-rt-pro")
    assert p.speech_model == "whisper-rt"
    with pytest.raises(ValueError):
        parse_session_params([], default_speech_model="bogus")


def test_constructor_accepts_lists_and_is_hashable():
    p = SessionParams(keyterms_prompt=["a"], language_codes=["en"], llm_gateway={"model": "x"})
    assert p.keyterms_prompt == ("a",) and p.language_codes == ("en",)
    hash(p)


# ---------------------------------------------------------------------------
# Valid values, one or more per parameter
# ---------------------------------------------------------------------------

VALID = [
    ("sample_rate", "8000", "sample_rate", 8000),
    ("sample_rate", "48000", "sample_rate", 48000),
    ("sample_rate", "16000.0", "sample_rate", 16000),
    ("sample_rate", " 22050 ", "sample_rate", 22050),
    ("encoding", "pcm_mulaw", "encoding", "pcm_mulaw"),
    ("encoding", "pcm_s16le", "encoding", "pcm_s16le"),
    ("speech_model", "u3-rt-pro", "speech_model", "u3-rt-pro"),
    ("speech_model", "u3-pro", "speech_model", "u3-rt-pro"),
    ("speech_model", "_universal-3-5-notetaker", "speech_model", "_universal-3-5-notetaker"),
    ("format_turns", "true", "format_turns", True),
    ("end_of_turn_confidence_threshold", "0.7", "end_of_turn_confidence_threshold", 0.7),
    ("end_of_turn_confidence_threshold", "1", "end_of_turn_confidence_threshold", 1.0),
    ("end_of_turn_confidence_threshold", "0", "end_of_turn_confidence_threshold", 0.0),
    ("min_turn_silence", "160", "min_turn_silence_ms", 160),
    ("min_turn_silence", "0", "min_turn_silence_ms", 0),
    ("min_end_of_turn_silence_when_confident", "200", "min_turn_silence_ms", 200),
    ("max_turn_silence", "2400", "max_turn_silence_ms", 2400),
    ("vad_threshold", "0.55", "vad_threshold", 0.55),
    ("keyterms_prompt", '["foo bar", "baz"]', "keyterms_prompt", ("foo bar", "baz")),
    ("prompt", "Transcribe verbatim.", "prompt", "Transcribe verbatim."),
    ("prompt", "", "prompt", ""),
    ("prompt", "x" * 1750, "prompt", "x" * 1750),
    ("agent_context", "How can I help?", "agent_context", "How can I help?"),
    ("agent_context", "", "agent_context", ""),
    ("language_detection", "True", "language_detection", True),
    ("language_code", "en_us", "language_code", "en_us"),
    ("language_codes", '["en","es"]', "language_codes", ("en", "es")),
    ("language", "multi", "language", "multi"),
    ("inactivity_timeout", "5", "inactivity_timeout_s", 5),
    ("inactivity_timeout", "3600", "inactivity_timeout_s", 3600),
    ("speaker_labels", "true", "speaker_labels", True),
    ("max_speakers", "1", "max_speakers", 1),
    ("max_speakers", "10", "max_speakers", 10),
    ("speaker_labels_revision_interval_ms", "0", "speaker_labels_revision_interval_ms", 0),
    ("speaker_labels_revision_interval_ms", "1000", "speaker_labels_revision_interval_ms", 120_000),
    ("speaker_labels_revision_interval_ms", "150000", "speaker_labels_revision_interval_ms", 150_000),
    ("speaker_labels_revision_interval_ms", "86400000", "speaker_labels_revision_interval_ms", 300_000),
    ("mode", "min_latency", "mode", "min_latency"),
    ("mode", "max_accuracy", "mode", "max_accuracy"),
    ("mode", "balanced", "mode", "balanced"),
    ("interruption_delay", "0", "interruption_delay_ms", 0),
    ("interruption_delay", "1000", "interruption_delay_ms", 1000),
    ("turn_left_pad_ms", "120", "turn_left_pad_ms", 120),
    ("continuous_partials", "yes", "continuous_partials", True),
    ("filter_profanity", "on", "filter_profanity", True),
    ("session_heartbeat", "1", "session_heartbeat", True),
    ("acknowledge_silence", "TRUE", "acknowledge_silence", True),
    ("domain", "medical-v1", "domain", "medical-v1"),
    ("voice_focus", "near-field", "voice_focus", "near-field"),
    ("noise_suppression_model", "far-field", "voice_focus", "far-field"),
    ("voice_focus_threshold", "0.5", "voice_focus_threshold", 0.5),
    ("noise_suppression_threshold", "0.25", "voice_focus_threshold", 0.25),
    ("webhook_url", "https://example.com/hook", "webhook_url", "https://example.com/hook"),
    ("webhook_auth_header_name", "X-Auth", "webhook_auth_header_name", "X-Auth"),
    ("webhook_auth_header_value", "secret", "webhook_auth_header_value", "secret"),
    (
        "llm_gateway",
        '{"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 10}',
        "llm_gateway",
        {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 10},
    ),
    ("customer_support_audio_capture", "True", "customer_support_audio_capture", True),
    ("_customer_support_audio_capture", "true", "customer_support_audio_capture", True),
    ("include_partial_turns", "false", "include_partial_turns", False),
    ("redact_pii", "true", "redact_pii", True),
    ("redact_pii_policies", "person_name,phone_number", "redact_pii_policies", ("person_name", "phone_number")),
    ("redact_pii_sub", "entity_name", "redact_pii_sub", "entity_name"),
    ("redact_pii_partials", "true", "redact_pii_partials", True),
    ("hushscribe_redact_audio", "false", "hushscribe_redact_audio", False),  # true needs redact_pii: below
    ("token", "tok_123", "token", "tok_123"),
]


@pytest.mark.parametrize("name,value,field,expected", VALID)
def test_valid_values(name, value, field, expected):
    assert getattr(parse_session_params([(name, value)]), field) == expected


def test_every_known_param_has_a_valid_case():
    assert {case[0] for case in VALID} == set(KNOWN_PARAMS)


def test_redact_audio_extension_needs_redact_pii():
    assert parse_session_params([("redact_pii", "True"), ("hushscribe_redact_audio", "True")]).hushscribe_redact_audio
    e = error_of([("hushscribe_redact_audio", "true")])
    assert e.message == ("User Input Validation Error: Invalid 'hushscribe_redact_audio': "
                         "Value error, hushscribe_redact_audio requires redact_pii=true")
    e = error_of([("redact_pii", "false"), ("hushscribe_redact_audio", "1")])
    assert e.param == "hushscribe_redact_audio"
    assert error_of([("redact_pii", "true"), ("hushscribe_redact_audio", "maybe")]).detail.startswith(
        "Input should be a valid boolean")


# ---------------------------------------------------------------------------
# Errors: one or more per parameter, exact text where production's is known
# ---------------------------------------------------------------------------

_SPEECH_MODEL_ERR = (
    "Input should be 'universal-streaming-english', 'universal-streaming-multilingual', "
    "'whisper-rt', 'u3-rt-pro', 'u3-rt-pro-beta-1', 'u3-rt-agent', 'universal-3-5-pro', "
    "'universal-3-6-pro', 'universal-3-6', 'universal-3-7-preview' or '_universal-3-5-notetaker'"
)
_BOOL = "Input should be a valid boolean, unable to interpret input"
_INT = "Input should be a valid integer, unable to parse string as an integer"
_NUM = "Input should be a valid number, unable to parse string as a number"
_POLICY_ERR = "Input should be " + ", ".join(f"'{p}'" for p in PII_POLICIES[:-1]) + " or 'zodiac_sign'"

ERRORS = [
    # (items, param, detail)
    ([("sample_rate", "7000")], "sample_rate", "Value error, sample_rate must be at least 8,000 Hz"),
    ([("sample_rate", "96000")], "sample_rate", "Value error, sample_rate must be at most 48,000 Hz"),
    ([("sample_rate", "16000.5")], "sample_rate", _INT),
    ([("sample_rate", "abc")], "sample_rate", _INT),
    ([("sample_rate", "1_6000")], "sample_rate", _INT),
    ([("encoding", "flac")], "encoding", "'flac' is not a valid Encoding"),
    ([("encoding", "ogg_opus"), ("redact_pii", "true"), ("hushscribe_redact_audio", "true")],
     "hushscribe_redact_audio", "Value error, hushscribe_redact_audio requires encoding pcm_s16le or pcm_mulaw"),
    ([("speech_model", "bogus")], "speech_model", _SPEECH_MODEL_ERR),
    ([("format_turns", "maybe")], "format_turns", _BOOL),
    ([("end_of_turn_confidence_threshold", "1.5")], "end_of_turn_confidence_threshold",
     "Input should be less than or equal to 1"),
    ([("end_of_turn_confidence_threshold", "-0.1")], "end_of_turn_confidence_threshold",
     "Input should be greater than or equal to 0"),
    ([("end_of_turn_confidence_threshold", "x")], "end_of_turn_confidence_threshold", _NUM),
    ([("end_of_turn_confidence_threshold", "nan")], "end_of_turn_confidence_threshold",
     "Input should be a finite number"),
    ([("min_turn_silence", "-1")], "min_turn_silence", "Input should be greater than or equal to 0"),
    ([("min_end_of_turn_silence_when_confident", "abc")], "min_end_of_turn_silence_when_confident", _INT),
    ([("max_turn_silence", "-5")], "max_turn_silence", "Input should be greater than or equal to 0"),
    ([("vad_threshold", "2")], "vad_threshold", "Input should be less than or equal to 1"),
    ([("keyterms_prompt", json.dumps([f"t{i}" for i in range(101)]))], "keyterms_prompt",
     "Value error, Max 100 items"),
    ([("keyterms_prompt", '["a", ')], "keyterms_prompt", "Invalid JSON: Expecting value"),
    ([("keyterms_prompt", "[1, 2]")], "keyterms_prompt.0", "Input should be a valid string"),
    ([("prompt", "p" * 1751)], "prompt",
     "Value error, prompt exceeds maximum length of 1750 characters (got 1751)"),
    ([("agent_context", "a" * 1800)], "agent_context",
     "Value error, agent_context exceeds maximum length of 1750 characters (got 1800)"),
    ([("language_detection", "2")], "language_detection", _BOOL),
    ([("language_codes", "en,xx")], "language_codes.1",
     "Input should be " + ", ".join(f"'{c}'" for c in LANGUAGE_CODES[:-1]) + " or 'multi'"),
    ([("language", "de")], "language", "Input should be 'en' or 'multi'"),
    ([("inactivity_timeout", "4")], "inactivity_timeout", "Input should be greater than or equal to 5"),
    ([("inactivity_timeout", "3601")], "inactivity_timeout", "Input should be less than or equal to 3600"),
    ([("speaker_labels", "nope")], "speaker_labels", _BOOL),
    ([("max_speakers", "0")], "max_speakers", "Input should be greater than or equal to 1"),
    ([("max_speakers", "11")], "max_speakers", "Input should be less than or equal to 10"),
    ([("speaker_labels_revision_interval_ms", "-1")], "speaker_labels_revision_interval_ms",
     "Input should be greater than or equal to 0"),
    ([("speaker_labels_revision_interval_ms", "86400001")], "speaker_labels_revision_interval_ms",
     "Input should be less than or equal to 86400000"),
    ([("mode", "fast")], "mode", "Input should be 'max_accuracy', 'min_latency' or 'balanced'"),
    ([("interruption_delay", "1001")], "interruption_delay", "Input should be less than or equal to 1000"),
    ([("turn_left_pad_ms", "-1")], "turn_left_pad_ms", "Input should be greater than or equal to 0"),
    ([("continuous_partials", "x")], "continuous_partials", _BOOL),
    ([("filter_profanity", "x")], "filter_profanity", _BOOL),
    ([("session_heartbeat", "x")], "session_heartbeat", _BOOL),
    ([("acknowledge_silence", "x")], "acknowledge_silence", _BOOL),
    ([("domain", "legal")], "domain", "Input should be 'medical-v1'"),
    ([("voice_focus", "mid-field")], "voice_focus", "Input should be 'near-field' or 'far-field'"),
    ([("noise_suppression_model", "x")], "noise_suppression_model", "Input should be 'near-field' or 'far-field'"),
    ([("voice_focus_threshold", "1.1")], "voice_focus_threshold", "Input should be less than or equal to 1"),
    ([("noise_suppression_threshold", "abc")], "noise_suppression_threshold", _NUM),
    ([("llm_gateway", "[1]")], "llm_gateway", "Input should be a valid dictionary"),
    ([("llm_gateway", "{bad")], "llm_gateway",
     "Invalid JSON: Expecting property name enclosed in double quotes"),
    ([("customer_support_audio_capture", "x")], "customer_support_audio_capture", _BOOL),
    ([("_customer_support_audio_capture", "x")], "_customer_support_audio_capture", _BOOL),
    ([("include_partial_turns", "x")], "include_partial_turns", _BOOL),
    ([("redact_pii", "x")], "redact_pii", _BOOL),
    ([("redact_pii_policies", '["person_name", "bogus"]')], "redact_pii_policies.1", _POLICY_ERR),
    ([("redact_pii_sub", "mask")], "redact_pii_sub", "Input should be 'hash' or 'entity_name'"),
    ([("redact_pii_partials", "maybe")], "redact_pii_partials", "Input should be a valid boolean, unable to interpret input"),
    ([("hushscribe_redact_audio", "maybe")], "hushscribe_redact_audio", "Input should be a valid boolean, unable to interpret input"),
]


@pytest.mark.parametrize("items,param,detail", ERRORS)
def test_errors(items, param, detail):
    err = error_of(items)
    assert (err.param, err.detail) == (param, detail)
    assert err.message == f"User Input Validation Error: Invalid '{param}': {detail}"
    assert str(err) == err.message


@pytest.mark.parametrize(
    "items,message",
    [
        ([("sample_rate", "7000")],
         "User Input Validation Error: Invalid 'sample_rate': Value error, sample_rate must be at least 8,000 Hz"),
        ([("speech_model", "bogus")],
         "User Input Validation Error: Invalid 'speech_model': " + _SPEECH_MODEL_ERR),
        ([("keyterms_prompt", json.dumps(["k"] * 101))],
         "User Input Validation Error: Invalid 'keyterms_prompt': Value error, Max 100 items"),
        ([("agent_context", "a" * 1800)],
         "User Input Validation Error: Invalid 'agent_context': Value error, agent_context exceeds "
         "maximum length of 1750 characters (got 1800)"),
        ([("encoding", "flac")], "User Input Validation Error: Invalid 'encoding': 'flac' is not a valid Encoding"),
        ([("redact_pii_policies", "person_name,bogus")],
         "User Input Validation Error: Invalid 'redact_pii_policies.1': " + _POLICY_ERR),
        ([("inactivity_timeout", "4")],
         "User Input Validation Error: Invalid 'inactivity_timeout': Input should be greater than or equal to 5"),
    ],
)
def test_exact_production_messages(items, message):
    assert error_of(items).message == message


def test_every_known_param_that_can_fail_has_an_error_case():
    covered = {items[0][0] for items, _, _ in ERRORS}
    # Free-form strings cannot fail validation.
    free = {"language_code", "webhook_url", "webhook_auth_header_name", "webhook_auth_header_value", "token"}
    assert covered | free == set(KNOWN_PARAMS)


def test_param_error_attributes():
    e = ParamError("x", "why")
    assert e.param == "x" and e.detail == "why"
    assert e.message == "User Input Validation Error: Invalid 'x': why"
    assert isinstance(e, Exception)


# ---------------------------------------------------------------------------
# Wire encodings
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("True", True), ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True),
        ("False", False), ("false", False), ("FALSE", False), ("0", False), ("no", False), ("off", False),
    ],
)
def test_booleans(value, expected):
    assert parse(format_turns=value).format_turns is expected


LIST_FORMS = [
    [("keyterms_prompt", json.dumps(["foo bar", "baz"]))],  # Python: ", " separators
    [("keyterms_prompt", '["foo bar","baz"]')],  # JS: compact
    [("keyterms_prompt", "foo bar, baz")],  # comma list
    [("keyterms_prompt", "foo bar"), ("keyterms_prompt", "baz")],  # repeated
    [("keyterms_prompt", '["foo bar"]'), ("keyterms_prompt", "baz")],  # repeated, mixed forms
]


@pytest.mark.parametrize("items", LIST_FORMS)
def test_keyterms_list_forms(items):
    assert parse_session_params(items).keyterms_prompt == ("foo bar", "baz")


@pytest.mark.parametrize(
    "items",
    [
        [("redact_pii_policies", json.dumps(["person_name", "phone_number"]))],
        [("redact_pii_policies", '["person_name","phone_number"]')],
        [("redact_pii_policies", "person_name,phone_number")],
        [("redact_pii_policies", "person_name"), ("redact_pii_policies", "phone_number")],
    ],
)
def test_policy_list_forms(items):
    assert parse_session_params(items).redact_pii_policies == ("person_name", "phone_number")


@pytest.mark.parametrize(
    "items",
    [
        [("language_codes", json.dumps(["en", "es"]))],
        [("language_codes", '["en","es"]')],
        [("language_codes", "en,es")],
        [("language_codes", "en"), ("language_codes", "es")],
    ],
)
def test_language_codes_list_forms(items):
    assert parse_session_params(items).language_codes == ("en", "es")


def test_keyterms_json_array_is_not_split_on_commas():
    assert parse(keyterms_prompt='["Smith, John", "x"]').keyterms_prompt == ("Smith, John", "x")


def test_keyterms_comma_list_strips_and_drops_empty():
    assert parse(keyterms_prompt=" a , ,b,, ").keyterms_prompt == ("a", "b")


def test_keyterms_long_terms_dropped_silently():
    long = "x" * 51
    ok = "y" * 50
    assert parse(keyterms_prompt=json.dumps([long, ok, "z"])).keyterms_prompt == (ok, "z")


def test_keyterms_exactly_100_is_fine_and_limit_counts_repeats():
    assert len(parse(keyterms_prompt=json.dumps([f"k{i}" for i in range(100)])).keyterms_prompt) == 100
    items = [("keyterms_prompt", json.dumps([f"k{i}" for i in range(60)]))] * 2
    assert error_of(items).detail == "Value error, Max 100 items"


def test_explicit_empty_policy_list_means_all_policies():
    assert parse(redact_pii_policies="[]").redact_pii_policies == PII_POLICIES


def test_repeated_scalar_last_wins():
    p = parse_session_params([("sample_rate", "8000"), ("sample_rate", "24000")])
    assert p.sample_rate == 24000
    # Earlier (overridden) values are not validated.
    assert parse_session_params([("sample_rate", "bad"), ("sample_rate", "8000")]).sample_rate == 8000


@pytest.mark.parametrize("name", ["sample_rate", "speech_model", "inactivity_timeout", "mode", "token",
                                  "keyterms_prompt", "redact_pii_policies", "llm_gateway", "format_turns"])
def test_empty_value_is_absent(name):
    assert parse_session_params([(name, "")]) == parse_session_params([])


def test_empty_value_does_not_override_earlier_value():
    assert parse_session_params([("sample_rate", "8000"), ("sample_rate", "")]).sample_rate == 8000


# ---------------------------------------------------------------------------
# Aliases
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "alias,canonical,field,alias_value,canonical_value,expected_alias,expected_both",
    [
        ("min_end_of_turn_silence_when_confident", "min_turn_silence", "min_turn_silence_ms", "200", "300", 200, 300),
        ("noise_suppression_model", "voice_focus", "voice_focus", "far-field", "near-field", "far-field", "near-field"),
        ("noise_suppression_threshold", "voice_focus_threshold", "voice_focus_threshold", "0.2", "0.6", 0.2, 0.6),
        ("_customer_support_audio_capture", "customer_support_audio_capture", "customer_support_audio_capture",
         "true", "false", True, False),
    ],
)
def test_aliases(alias, canonical, field, alias_value, canonical_value, expected_alias, expected_both):
    assert getattr(parse_session_params([(alias, alias_value)]), field) == expected_alias
    both = [(alias, alias_value), (canonical, canonical_value)]
    assert getattr(parse_session_params(both), field) == expected_both
    assert getattr(parse_session_params(both[::-1]), field) == expected_both


def test_canonical_wins_even_if_alias_invalid():
    p = parse_session_params([("min_end_of_turn_silence_when_confident", "x"), ("min_turn_silence", "50")])
    assert p.min_turn_silence_ms == 50


def test_u3_pro_alias_is_u3():
    p = parse(speech_model="u3-pro")
    assert p.speech_model == "u3-rt-pro" and p.is_u3


# ---------------------------------------------------------------------------
# Resolved defaults
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model,min_s,max_s,vad",
    [
        ("universal-streaming-english", 400, 1280, 0.4),
        ("universal-streaming-multilingual", 400, 1280, 0.4),
        ("u3-rt-pro", 100, 1000, 0.3),
        ("universal-3-5-pro", 100, 1000, 0.3),
    ],
)
def test_model_dependent_defaults(model, min_s, max_s, vad):
    p = parse(speech_model=model)
    assert (p.min_turn_silence_ms, p.max_turn_silence_ms, p.vad_threshold) == (min_s, max_s, vad)
    assert SessionParams(speech_model=model).min_turn_silence_ms == min_s


def test_model_defaults_follow_default_speech_model():
    p = parse_session_params([], default_speech_model="u3-rt-pro")
    assert (p.min_turn_silence_ms, p.max_turn_silence_ms, p.vad_threshold) == (100, 1000, 0.3)


def test_explicit_values_beat_model_defaults():
    p = parse_session_params(
        [("min_turn_silence", "500"), ("max_turn_silence", "3000"), ("vad_threshold", "0.6"),
         ("speech_model", "u3-rt-pro")]
    )
    assert (p.min_turn_silence_ms, p.max_turn_silence_ms, p.vad_threshold) == (500, 3000, 0.6)


@pytest.mark.parametrize(
    "items,expected",
    [
        ([], True),
        ([("redact_pii", "true")], False),
        ([("redact_pii", "false")], True),
        ([("redact_pii", "true"), ("include_partial_turns", "true")], True),
        ([("redact_pii", "false"), ("include_partial_turns", "false")], False),
    ],
)
def test_include_partial_turns_default(items, expected):
    assert parse_session_params(items).include_partial_turns is expected


@pytest.mark.parametrize("model", sorted(U3_MODELS))
def test_is_u3(model):
    assert parse(speech_model=model).is_u3


@pytest.mark.parametrize("model", ["universal-streaming-english", "universal-streaming-multilingual", "whisper-rt"])
def test_is_not_u3(model):
    assert not parse(speech_model=model).is_u3


def test_unknown_params_collected_in_order_without_duplicates():
    p = parse_session_params([("speechModel", "x"), ("foo", "1"), ("speechModel", "y"), ("sample_rate", "8000")])
    assert p.unknown == ("speechModel", "foo")
    assert p.speech_model == "universal-streaming-english"
    assert p.sample_rate == 8000


# ---------------------------------------------------------------------------
# Begin.configuration and effective()
# ---------------------------------------------------------------------------


def test_begin_configuration_universal_streaming():
    cfg = parse_session_params([("mode", "min_latency")]).begin_configuration()
    assert cfg == {
        "model": "universal-streaming-english",
        "mode": None,
        "api_version": "2025-05-12",
        "speaker_labels": False,
        "redact_pii": False,
        "filter_profanity": False,
        "domain": None,
        "voice_focus": None,
    }


def test_begin_configuration_u3():
    cfg = parse(speech_model="universal-3-5-pro").begin_configuration()
    assert list(cfg) == ["model", "mode", "api_version", "speaker_labels", "redact_pii",
                         "filter_profanity", "domain", "voice_focus"]
    assert cfg["model"] == "universal-3-5-pro" and cfg["mode"] == "balanced"
    cfg = parse_session_params(
        [("speech_model", "u3-pro"), ("mode", "max_accuracy"), ("speaker_labels", "true"),
         ("redact_pii", "true"), ("filter_profanity", "true"), ("domain", "medical-v1"),
         ("voice_focus", "far-field")]
    ).begin_configuration()
    assert cfg == {
        "model": "u3-rt-pro",
        "mode": "max_accuracy",
        "api_version": "2025-05-12",
        "speaker_labels": True,
        "redact_pii": True,
        "filter_profanity": True,
        "domain": "medical-v1",
        "voice_focus": "far-field",
    }


def test_effective_is_json_and_has_no_secrets():
    p = parse_session_params(
        [("token", "tok"), ("webhook_auth_header_value", "sekret"), ("keyterms_prompt", "a,b"),
         ("llm_gateway", '{"model": "m"}'), ("zzz", "1")]
    )
    eff = p.effective()
    assert "token" not in eff and "webhook_auth_header_value" not in eff
    assert "tok" not in json.dumps(eff) and "sekret" not in json.dumps(eff)
    assert json.loads(json.dumps(eff, allow_nan=False)) == eff
    assert eff["keyterms_prompt"] == ["a", "b"]
    assert eff["redact_pii_policies"] == list(PII_POLICIES)
    assert eff["min_turn_silence_ms"] == 400 and eff["include_partial_turns"] is True
    assert eff["llm_gateway"] == {"model": "m"}
    eff["llm_gateway"]["model"] = "changed"
    assert p.llm_gateway == {"model": "m"}


# ---------------------------------------------------------------------------
# apply_update (UpdateConfiguration)
# ---------------------------------------------------------------------------

BASE = parse_session_params([("keyterms_prompt", "a,b"), ("language_codes", "en"), ("prompt", "p")])

UPDATES = [
    ("end_of_turn_confidence_threshold", 0.8, "end_of_turn_confidence_threshold", 0.8),
    ("end_of_turn_confidence_threshold", 1, "end_of_turn_confidence_threshold", 1.0),
    ("min_turn_silence", 250, "min_turn_silence_ms", 250),
    ("min_end_of_turn_silence_when_confident", 260, "min_turn_silence_ms", 260),
    ("max_turn_silence", 2000, "max_turn_silence_ms", 2000),
    ("max_turn_silence", 2000.0, "max_turn_silence_ms", 2000),
    ("max_turn_silence", "2100", "max_turn_silence_ms", 2100),
    ("vad_threshold", 0.5, "vad_threshold", 0.5),
    ("format_turns", True, "format_turns", True),
    ("format_turns", "true", "format_turns", True),
    ("keyterms_prompt", ["account number", "routing number"], "keyterms_prompt",
     ("account number", "routing number")),
    ("keyterms_prompt", '["x", "y"]', "keyterms_prompt", ("x", "y")),
    ("keyterms_prompt", [], "keyterms_prompt", ()),
    ("filter_profanity", True, "filter_profanity", True),
    ("prompt", "new prompt", "prompt", "new prompt"),
    ("prompt", "", "prompt", ""),
    ("agent_context", "Your balance is ten dollars.", "agent_context", "Your balance is ten dollars."),
    ("interruption_delay", 200, "interruption_delay_ms", 200),
    ("turn_left_pad_ms", 80, "turn_left_pad_ms", 80),
    ("language_codes", ["es", "fr"], "language_codes", ("es", "fr")),
    ("language_codes", [], "language_codes", ()),
    ("session_heartbeat", True, "session_heartbeat", True),
    ("acknowledge_silence", True, "acknowledge_silence", True),
    ("mode", "min_latency", "mode", "min_latency"),
    ("continuous_partials", True, "continuous_partials", True),
]


@pytest.mark.parametrize("name,value,field,expected", UPDATES)
def test_apply_update(name, value, field, expected):
    new = apply_update(BASE, {name: value})
    assert getattr(new, field) == expected
    # Other fields untouched, original unchanged (immutable).
    assert new.sample_rate == BASE.sample_rate
    assert BASE.keyterms_prompt == ("a", "b") and BASE.language_codes == ("en",)


def test_apply_update_several_fields_at_once():
    new = apply_update(BASE, {"type": "UpdateConfiguration", "max_turn_silence": 2000,
                              "keyterms_prompt": ["account number"], "format_turns": False})
    assert (new.max_turn_silence_ms, new.keyterms_prompt, new.format_turns) == (2000, ("account number",), False)


def test_apply_update_canonical_beats_alias():
    new = apply_update(BASE, {"min_end_of_turn_silence_when_confident": 1, "min_turn_silence": 2})
    assert new.min_turn_silence_ms == 2


UPDATE_ERRORS = [
    ({"end_of_turn_confidence_threshold": 1.5}, "end_of_turn_confidence_threshold",
     "Input should be less than or equal to 1"),
    ({"end_of_turn_confidence_threshold": True}, "end_of_turn_confidence_threshold", "Input should be a valid number"),
    ({"min_turn_silence": -1}, "min_turn_silence", "Input should be greater than or equal to 0"),
    ({"min_end_of_turn_silence_when_confident": "x"}, "min_end_of_turn_silence_when_confident", _INT),
    ({"max_turn_silence": 1.5}, "max_turn_silence",
     "Input should be a valid integer, got a number with a fractional part"),
    ({"vad_threshold": "high"}, "vad_threshold", _NUM),
    ({"format_turns": "maybe"}, "format_turns", _BOOL),
    ({"format_turns": 2}, "format_turns", _BOOL),
    ({"keyterms_prompt": [f"k{i}" for i in range(101)]}, "keyterms_prompt", "Value error, Max 100 items"),
    ({"keyterms_prompt": ["ok", 5]}, "keyterms_prompt.1", "Input should be a valid string"),
    ({"keyterms_prompt": 5}, "keyterms_prompt", "Input should be a valid list"),
    ({"filter_profanity": "x"}, "filter_profanity", _BOOL),
    ({"prompt": 5}, "prompt", "Input should be a valid string"),
    ({"agent_context": "a" * 1800}, "agent_context",
     "Value error, agent_context exceeds maximum length of 1750 characters (got 1800)"),
    ({"interruption_delay": 2000}, "interruption_delay", "Input should be less than or equal to 1000"),
    ({"turn_left_pad_ms": -3}, "turn_left_pad_ms", "Input should be greater than or equal to 0"),
    ({"language_codes": ["en", "klingon"]}, "language_codes.1",
     "Input should be " + ", ".join(f"'{c}'" for c in LANGUAGE_CODES[:-1]) + " or 'multi'"),
    ({"session_heartbeat": "x"}, "session_heartbeat", _BOOL),
    ({"acknowledge_silence": [True]}, "acknowledge_silence", _BOOL),
    ({"mode": "turbo"}, "mode", "Input should be 'max_accuracy', 'min_latency' or 'balanced'"),
    ({"continuous_partials": {}}, "continuous_partials", _BOOL),
]


@pytest.mark.parametrize("update,param,detail", UPDATE_ERRORS)
def test_apply_update_errors(update, param, detail):
    with pytest.raises(ParamError) as ei:
        apply_update(BASE, update)
    assert (ei.value.param, ei.value.detail) == (param, detail)


def test_apply_update_ignores_unknown_connect_only_and_null():
    update = {
        "type": "UpdateConfiguration",
        "sample_rate": 8000,
        "encoding": "flac",
        "speech_model": "bogus",
        "redact_pii": True,
        "token": "x",
        "frobnicate": 1,
        "max_turn_silence": None,
        "prompt": None,
    }
    assert apply_update(BASE, update) == BASE


def test_apply_update_blank_scalar_ignored_blank_list_clears():
    new = apply_update(BASE, {"mode": "", "max_turn_silence": " ", "keyterms_prompt": ""})
    assert new.mode is None and new.max_turn_silence_ms == BASE.max_turn_silence_ms
    assert new.keyterms_prompt == ()


def test_apply_update_long_keyterms_dropped():
    assert apply_update(BASE, {"keyterms_prompt": ["x" * 51, "ok"]}).keyterms_prompt == ("ok",)


# ---------------------------------------------------------------------------
# Robustness
# ---------------------------------------------------------------------------

_interesting_values = st.sampled_from(
    ["", " ", "true", "False", "0", "1", "-1", "16000", "16000.0", "1e400", "nan", "inf", "[", "[]",
     '["a"]', "[1]", "[[", "[" * 5000, "{", "{}", '{"a": NaN}', "a,b", "person_name", "u3-pro",
     "pcm_mulaw", "opus", "9" * 5000, "\u0661\u0662", "1_000", "x" * 1800]
)
_keys = st.one_of(st.sampled_from(sorted(KNOWN_PARAMS)), st.text(max_size=12))
_values = st.one_of(_interesting_values, st.text(max_size=40))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_keys, _values), max_size=8))
def test_parse_never_raises_anything_but_param_error(items):
    try:
        p = parse_session_params(items)
    except ParamError as e:
        assert e.message.startswith("User Input Validation Error: Invalid '")
        return
    assert isinstance(p, SessionParams)
    json.dumps(p.effective(), allow_nan=False)
    p.begin_configuration()


_update_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(st.sampled_from(sorted(KNOWN_PARAMS)), st.text(max_size=8)), _update_values,
                       max_size=6))
def test_apply_update_never_raises_anything_but_param_error(update):
    try:
        p = apply_update(BASE, update)
    except ParamError:
        return
    assert isinstance(p, SessionParams)
    json.dumps(p.effective(), allow_nan=False)

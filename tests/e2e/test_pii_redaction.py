"""Streaming PII redaction end to end: the official SDK (and, where the SDK cannot express it, a raw
WebSocket client) against the live server with the real model and the real detector.

What is checked (protocol §6.6, §7): with ``redact_pii`` no partials arrive by default; every final is
redacted consistently in ``transcript``, ``utterance`` and ``words[].text`` with word count and
timestamps unchanged; ``hash`` keeps punctuation and puts one ``#`` per alphanumeric character;
``entity_name`` puts one ``[POLICY]`` per word; both finals of ``format_turns`` are redacted;
``redact_pii_policies`` limits what is redacted; ``include_partial_turns`` partials are unredacted
(AssemblyAI's documented behaviour) unless the ``redact_pii_partials`` extension is set; labelled
PII of a whole call does not survive in its finals; negative clips are left alone.

Leaks are judged by :func:`hushscribe.bench.pii_audio.check_span`, the same check the
``hushscribe bench pii --audio`` benchmark uses (spoken and written numbers compared digit by
digit, name words as whole words). Runs are cached per module so each (clip, parameters) pair is
streamed once.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from functools import cache
from typing import Any

import pytest
from assemblyai.streaming.v3 import StreamingClient, StreamingClientOptions, StreamingEvents, StreamingParameters

from hushscribe.bench.corpus import default_audio_dir, read_pcm16
from hushscribe.bench.pii_audio import check_span, has_redaction, load_calls, stream_pcm, unit_finals
from hushscribe.core.params import PII_POLICIES
from hushscribe.pii.render import word_core

from .conftest import E2E_KEY, SdkRun, run_sdk

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

AUDIO = default_audio_dir()
SILENCE_1S = b"\x00\x00" * 16000

# A handful of PII clips covering the policies the brief names (pii.jsonl ids).
CLIPS = {
    "person_name": "pii_s01_utility_bill_02",  # "Hi Kevin, my name is Maria Gonzalez and ..."
    "phone_number": "pii_s01_utility_bill_08",  # "... call me back at four one five, five five five, ..."
    "credit_card_number": "pii_s02_card_payment_02",  # "The card number is four five three two, ..."
    "email_address": "pii_s04_isp_support_06",  # "My email for the ticket is david dot chen at gmail dot com."
    "us_social_security_number": "pii_s03_bank_verification_02",  # "... five three nine, two two, one zero four eight."
    "account_number": "pii_s01_utility_bill_04",  # "Sure, it's seven seven four, three nine one, two zero eight."
    "location": "pii_s01_utility_bill_06",  # "Four twenty two Maple Street, Springfield, Illinois."
}
NEGATIVE_CLIPS = ("pii_s01_utility_bill_07", "pii_s02_card_payment_06", "pii_s05_travel_passport_04")
CALL_ID = "call_dev_01"  # names, an account number, an address and a phone number in 48 s


@cache
def _pii_rows() -> dict[str, dict]:
    rows = {}
    for line in (AUDIO / "pii.jsonl").read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            rows[r["id"]] = r
    return rows


def clip_spans(clip_id: str) -> list[tuple[str, str]]:
    row = _pii_rows()[clip_id]
    return [(s["label"], row["text"][s["start"]:s["end"]]) for s in row["spans"]]


@cache
def clip_pcm(clip_id: str) -> bytes:
    pcm, rate = read_pcm16(AUDIO / _pii_rows()[clip_id]["path"])
    assert rate == 16000
    return pcm


# ---------------------------------------------------------------------------------------------
# Runs (cached per module: the real model takes ~0.5 s per turn)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdk(real_server):
    """``sdk(clip_id, **params)`` -> SdkRun through the official SDK, streamed as fast as it sends."""
    cache: dict[Any, SdkRun] = {}

    def get(clip_id: str, **params: Any) -> SdkRun:
        key = (clip_id, tuple(sorted((k, json.dumps(v)) for k, v in params.items())))
        if key not in cache:
            run = run_sdk(real_server, clip_pcm(clip_id), **params)
            assert not run.errors, (clip_id, params, run.errors)
            assert run.termination is not None, (clip_id, params)
            cache[key] = run
        return cache[key]

    return get


def run_sdk_paced(server, pcm: bytes, *, chunk_ms: int = 100, **params: Any) -> SdkRun:
    """Like conftest's ``run_sdk``, but audio goes out at real-time pace, as from a microphone, so
    the server has time to send partials (fed as fast as possible, a short turn ends before any)."""

    run = SdkRun()
    client = StreamingClient(StreamingClientOptions(api_key=E2E_KEY, api_host=server.host, terminate_timeout=120))
    client.on(StreamingEvents.Begin, lambda c, e: setattr(run, "begin", e))
    client.on(StreamingEvents.Turn, lambda c, e: run.turns.append(e))
    client.on(StreamingEvents.Termination, lambda c, e: setattr(run, "termination", e))
    client.on(StreamingEvents.Error, lambda c, e: run.errors.append(e))
    params.setdefault("sample_rate", 16000)
    client.connect(StreamingParameters(**params))
    step = 16000 * 2 * chunk_ms // 1000

    def paced():
        t0 = time.monotonic()
        for k, i in enumerate(range(0, len(pcm), step)):
            delay = t0 + (k + 1) * chunk_ms / 1000 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            yield pcm[i : i + step]

    client.stream(paced())
    client.disconnect(terminate=True)
    return run


def raw_run(server, pcm: bytes, query: dict[str, Any], *, realtime: bool = False):
    """The v3 protocol over a raw WebSocket (full JSON messages, any query parameter)."""
    q = {"sample_rate": 16000, **query}
    res = asyncio.run(stream_pcm(server.ws_url, E2E_KEY, pcm, q, realtime=realtime, timeout_s=120))
    assert not res.errors, res.errors
    assert res.termination is not None
    return res


def texts(run: SdkRun, formatted: bool | None = None) -> list[str]:
    return [t.transcript for t in run.finals(formatted)]


def leaks(spans: list[tuple[str, str]], finals: list[str]) -> list[str]:
    out = []
    for label, text in spans:
        c = check_span(label, text, finals)
        if c.leaked:
            out.append(f"{label} {text!r} -> found {c.leaked_tokens} in {finals}")
    return out


def hashed(text: str, *, keep_possessive: bool = False) -> str:
    """``text`` rendered by protocol §7.4 ``hash``: the word core's alphanumerics become ``#``."""
    a, b = word_core(text)
    if keep_possessive and b - a > 2 and text[b - 2] in "'\u2019" and text[b - 1] in "sS":
        b -= 2
    return text[:a] + "".join("#" if c.isalnum() else c for c in text[a:b]) + text[b:]


ENTITY = re.compile(r"\[([A-Z_]+)\]")


# ---------------------------------------------------------------------------------------------
# Default parameters: redact_pii=True only
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", list(CLIPS))
def test_redacted_finals_consistent_and_hash_rendered(sdk, policy):
    clip = CLIPS[policy]
    red = sdk(clip, redact_pii=True)
    plain = sdk(clip, include_partial_turns=False)
    # include_partial_turns defaults to false with redact_pii (protocol §6.6): nothing but finals
    assert red.turns and all(t.end_of_turn for t in red.turns), [(t.end_of_turn, t.transcript) for t in red.turns]
    assert not any(t.turn_is_formatted for t in red.turns)  # format_turns defaults to false
    rf, pf = red.finals(), plain.finals()
    assert len(rf) == len(pf), ([t.transcript for t in rf], [t.transcript for t in pf])
    for r, p in zip(rf, pf, strict=False):
        assert r.transcript == " ".join(w.text for w in r.words)
        assert len(r.words) == len(p.words), (r.transcript, p.transcript)
        assert [(w.start, w.end) for w in r.words] == [(w.start, w.end) for w in p.words]
        assert [w.confidence for w in r.words] == [w.confidence for w in p.words]
        for rw, pw in zip(r.words, p.words, strict=False):
            if rw.text != pw.text:
                # one '#' per alphanumeric character, punctuation kept (possessive 's may stay)
                assert rw.text in (hashed(pw.text), hashed(pw.text, keep_possessive=True)), (rw.text, pw.text)
            else:
                assert "#" not in rw.text
    # (whether anything was redacted at all is test_labelled_pii_absent_from_finals' business)


@pytest.mark.parametrize("policy", list(CLIPS))
def test_labelled_pii_absent_from_finals(sdk, policy):
    clip = CLIPS[policy]
    red = sdk(clip, redact_pii=True)
    found = leaks(clip_spans(clip), texts(red))
    assert not found, f"{clip}: labelled PII survives redaction: {found}"


def test_utterance_redacted_like_transcript(real_server):
    """The SDK's TurnEvent drops ``utterance``, so this one reads the raw JSON."""
    for clip in (CLIPS["person_name"], CLIPS["credit_card_number"], CLIPS["location"]):
        res = raw_run(real_server, clip_pcm(clip), {"redact_pii": True, "format_turns": True})
        finals = res.finals
        assert finals and all(t["end_of_turn"] for t in res.turns)
        for t in finals:
            assert t["transcript"] == " ".join(w["text"] for w in t["words"])
            if not t["turn_is_formatted"]:
                assert t["utterance"] == t["transcript"], t
            else:
                assert t["utterance"] in ("", t["transcript"]), t
        assert any("#" in t["utterance"] for t in finals), finals
        assert not leaks(clip_spans(clip), [t["utterance"] for t in finals] + [t["transcript"] for t in finals])


@pytest.mark.parametrize("policy", list(CLIPS))
def test_entity_name_one_label_per_word(sdk, policy):
    clip = CLIPS[policy]
    ent = sdk(clip, redact_pii=True, redact_pii_sub="entity_name")
    hsh = sdk(clip, redact_pii=True)
    plain = sdk(clip, include_partial_turns=False)
    assert ent.turns and all(t.end_of_turn for t in ent.turns)
    labels = 0
    for e, h, p in zip(ent.finals(), hsh.finals(), plain.finals(), strict=True):
        assert e.transcript == " ".join(w.text for w in e.words)
        assert [(w.start, w.end) for w in e.words] == [(w.start, w.end) for w in p.words]
        for ew, hw, pw in zip(e.words, h.words, p.words, strict=True):
            # the same words are redacted whatever the substitution
            assert (ew.text != pw.text) == (hw.text != pw.text), (ew.text, hw.text, pw.text)
            if ew.text == pw.text:
                continue
            m = ENTITY.search(ew.text)
            assert m and m.group(1).lower() in PII_POLICIES, ew.text
            labels += 1
            # the whole core is one label; leading/trailing punctuation is kept
            a, b = word_core(pw.text)
            assert ew.text in (pw.text[:a] + m.group(0) + pw.text[b:],
                               pw.text[:a] + m.group(0) + pw.text[b - 2 :]), (ew.text, pw.text)
        assert "#" not in e.transcript
    # Whether the labelled value is redacted at all is test_labelled_pii_absent_from_finals' business;
    # here: every word the hash run redacts carries a label (checked above, word by word).
    assert labels == sum(w.text != pw.text for h, p in zip(hsh.finals(), plain.finals(), strict=False)
                         for w, pw in zip(h.words, p.words, strict=False))


# ---------------------------------------------------------------------------------------------
# format_turns, policies, partials
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["person_name", "credit_card_number", "us_social_security_number", "location"])
def test_format_turns_both_finals_redacted(sdk, policy):
    clip = CLIPS[policy]
    run = sdk(clip, redact_pii=True, format_turns=True)
    assert all(t.end_of_turn for t in run.turns)
    by_order: dict[int, dict[bool, Any]] = {}
    for t in run.finals():
        by_order.setdefault(t.turn_order, {})[t.turn_is_formatted] = t
    assert by_order
    for order, pair in by_order.items():
        assert set(pair) == {False, True}, f"turn {order}: both finals expected, got {list(pair)}"
        for formatted, t in pair.items():
            assert t.transcript == " ".join(w.text for w in t.words)
            assert has_redaction(t.transcript), f"{'formatted' if formatted else 'unformatted'} final: {t.transcript!r}"
    for formatted in (False, True):
        found = leaks(clip_spans(clip), texts(run, formatted))
        assert not found, f"{clip} {'formatted' if formatted else 'unformatted'} final: {found}"


def test_policies_limit_redaction_to_person_name(real_server):
    """A name and a number in one stream; only person_name requested: the name goes, the number stays."""
    name_clip, number_clip = CLIPS["person_name"], CLIPS["account_number"]
    pcm = clip_pcm(name_clip) + SILENCE_1S + clip_pcm(number_clip)
    run = run_sdk(real_server, pcm, redact_pii=True, redact_pii_policies=["person_name"], format_turns=True)
    assert not run.errors and run.termination is not None
    finals = texts(run)
    assert not leaks(clip_spans(name_clip), finals)
    assert any("#" in t for t in finals), finals
    (label, number), = clip_spans(number_clip)
    c = check_span(label, number, finals)
    assert c.leaked and c.probe["digits"] in c.leaked_tokens, f"the account number must stay: {finals}"
    # the finals that carry the number have nothing redacted in them (the name is in another turn)
    number_finals = [t for t in finals if check_span(label, number, [t]).leaked]
    assert number_finals and not any(has_redaction(t) for t in number_finals), finals


def test_partials_with_redact_pii_are_unredacted(real_server):
    """include_partial_turns=true with redact_pii: partials arrive unredacted, finals are redacted
    (AssemblyAI's documented behaviour, protocol §7.5)."""
    clip = CLIPS["person_name"]
    run = run_sdk_paced(real_server, clip_pcm(clip) + SILENCE_1S, redact_pii=True, include_partial_turns=True)
    assert not run.errors and run.termination is not None
    partials = [t for t in run.turns if not t.end_of_turn]
    assert partials, "real-time audio with include_partial_turns=true must give partials"
    partial_texts = [" ".join(w.text for w in t.words) for t in partials]
    assert not any(has_redaction(t) for t in partial_texts), partial_texts
    assert leaks(clip_spans(clip), partial_texts), f"partials should carry the name unredacted: {partial_texts}"
    assert not leaks(clip_spans(clip), texts(run))
    assert any("#" in t for t in texts(run))


@pytest.mark.parametrize("policy", ["person_name", "credit_card_number"])
def test_redact_pii_partials_extension(real_server, policy):
    """hushscribe extension ``redact_pii_partials=true``: partials are redacted too. The SDK's
    StreamingParameters silently drops unknown fields, so this goes over a raw WebSocket."""
    clip = CLIPS[policy]
    res = raw_run(real_server, clip_pcm(clip) + SILENCE_1S,
                  {"redact_pii": True, "include_partial_turns": True, "redact_pii_partials": True}, realtime=True)
    partials = [t for t in res.turns if not t["end_of_turn"]]
    assert partials, "real-time audio with include_partial_turns=true must give partials"
    found = []
    for t in partials:
        for text in (t["transcript"], " ".join(w["text"] for w in t["words"])):
            found += leaks(clip_spans(clip), [text])
    assert not found, f"{clip}: partials leak: {found}"
    assert any(has_redaction(" ".join(w["text"] for w in t["words"])) for t in partials)
    assert not leaks(clip_spans(clip), [t["transcript"] for t in res.finals])


# ---------------------------------------------------------------------------------------------
# A whole call; negatives
# ---------------------------------------------------------------------------------------------


def _as_dicts(run: SdkRun) -> list[dict]:
    return [{"transcript": t.transcript, "turn_is_formatted": t.turn_is_formatted,
             "words": [{"text": w.text, "start": w.start, "end": w.end} for w in t.words]} for t in run.finals()]


def test_call_recording_no_labelled_pii_survives(real_server):
    (call,) = [c for c in load_calls(AUDIO) if c.id == CALL_ID]
    pcm, rate = read_pcm16(call.wav)
    assert rate == 16000
    red = run_sdk(real_server, pcm, redact_pii=True, format_turns=True)
    plain = run_sdk(real_server, pcm, format_turns=True, include_partial_turns=False)
    assert not red.errors and not plain.errors
    assert all(t.end_of_turn for t in red.turns)
    red_f, plain_f = _as_dicts(red), _as_dicts(plain)
    problems, recognised, total = [], 0, 0
    for unit in call.units:
        mine = unit_finals(unit, red_f)
        base = unit_finals(unit, plain_f)
        for label, text in unit.spans:
            total += 1
            seen = check_span(label, text, base)  # did the ASR get the value at all?
            recognised += seen.leaked
            c = check_span(label, text, mine)
            if c.leaked:
                problems.append(f"turn {unit.turn_index} {label} {text!r}: {c.leaked_tokens} in {mine}")
    # the check is only meaningful when the recogniser got most values right
    assert recognised >= total // 2, f"only {recognised}/{total} labelled values recognised: {[t['transcript'] for t in plain_f]}"
    assert not problems, f"{CALL_ID}: labelled PII survives in the finals:\n" + "\n".join(problems)


@pytest.mark.parametrize("clip", NEGATIVE_CLIPS)
def test_negative_clip_not_redacted(sdk, clip):
    assert _pii_rows()[clip]["negative"]
    run = sdk(clip, redact_pii=True, format_turns=True)
    finals = texts(run)
    assert finals
    assert not any(has_redaction(t) for t in finals), f"{clip}: redaction in a turn without PII: {finals}"

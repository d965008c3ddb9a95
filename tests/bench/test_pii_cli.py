"""``hushscribe bench pii``: text mode on a small labelled jsonl (real detector), the audio leak check
(pure), and audio mode end to end against a server with a scripted engine."""

from __future__ import annotations

import argparse
import json
import os

import pytest

import hushscribe.pii.bench as pb
from hushscribe.bench.corpus import default_audio_dir
from hushscribe.bench.pii_audio import (
    SETTINGS,
    Recording,
    RedactionParams,
    StreamResult,
    Unit,
    check_span,
    digit_numbers,
    probe_span,
    score,
    unit_finals,
)
from hushscribe.cli.bench import add_bench_parser
from hushscribe.engine.fake import FakeEngine
from hushscribe.server.app import create_app
from hushscribe.settings import ServerConfig
from hushscribe.vad.energy import EnergyVoiceDetector
from tests.server.conftest import serve

AUDIO = default_audio_dir()

pytestmark = pytest.mark.timeout(120)


def bench(*argv: str) -> int:
    p = argparse.ArgumentParser(prog="hushscribe")
    sub = p.add_subparsers(dest="command", required=True)
    add_bench_parser(sub)
    args = p.parse_args(["bench", "pii", *argv])
    return args.func(args)


def _row(i: int, form: str, text: str, *spans: tuple[str, str]) -> str:
    out = []
    for label, frag in spans:
        a = text.index(frag)
        out.append({"start": a, "end": a + len(frag), "label": label, "text": frag})
    return json.dumps({"id": i, "form": form, "text": text, "spans": out})


# ---------------------------------------------------------------------------------------------
# Text mode
# ---------------------------------------------------------------------------------------------


def test_text_mode_prints_table_and_writes_json(tmp_path, capsys):
    data = tmp_path / "eval.jsonl"
    data.write_text("\n".join([
        _row(0, "formatted", "Hi, my name is John Smith and I'm calling about my bill.", ("person_name", "John Smith")),
        _row(1, "spoken", "you can reach me at five five five one two three four five six seven",
             ("phone_number", "five five five one two three four five six seven")),
        _row(2, "formatted", "My number is 555-123-4567, ask for Maria.",
             ("phone_number", "555-123-4567"), ("person_name", "Maria")),
        _row(3, "negative", "I have two kids and the bill was forty dollars on Monday."),
    ]) + "\n")
    out = tmp_path / "report" / "pii.json"
    assert bench("--data", str(data), "--repeats", "1", "--json", str(out)) == 0
    printed = capsys.readouterr().out
    assert "PII text benchmark: 4 turns (eval.jsonl)" in printed
    assert "person_name" in printed and "phone_number" in printed and "recall formatted" in printed
    assert str(data) in printed and str(out) in printed
    report = json.loads(out.read_text())
    assert report["files"] == [str(data)] and report["turns"] == 4
    pp = report["per_policy"]
    assert pp["person_name"]["gold"] == 2 and pp["phone_number"]["gold"] == 2
    for label in ("person_name", "phone_number"):
        m = pp[label]
        assert set(m) >= {"gold", "found", "pred", "recall", "precision", "f1"}
        assert 0 <= m["found"] <= m["gold"] and m["recall"] == m["found"] / m["gold"]
    assert report["formatted"]["gold"] == 3 and report["spoken"]["gold"] == 1
    assert report["negatives"]["turns"] == 1
    assert report["latency_ms"]["samples"] == 4


def test_text_mode_errors(tmp_path, capsys):
    assert bench("--data", str(tmp_path / "missing.jsonl")) == 2
    assert bench("--url", "ws://127.0.0.1:1/v3/ws") == 2  # --url needs --audio
    assert bench("--audio", str(tmp_path / "nope")) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "need --audio" in err and "no such directory" in err


def test_default_data_path(monkeypatch):
    seen = {}
    def fake(path, **kw):
        seen["path"] = path
        return {"turns": 0, "files": [str(path)], "formatted": {"recall": None, "found": 0, "gold": 0},
                "spoken": {"recall": None, "found": 0, "gold": 0}, "precision": None, "tp": 0, "fp": 0,
                "char_share": None, "negatives": {"redacted": 0, "turns": 0},
                "latency_ms": {"p50": 0, "p95": 0, "max": 0, "samples": 0, "cpu_p50": 0, "cpu_p95": 0},
                "per_policy": {}}

    monkeypatch.setattr(pb, "run_text_benchmark", fake)
    expected = AUDIO.parent / "pii" / "eval.jsonl"
    rc = bench()
    if expected.is_file():
        assert rc == 0 and seen["path"] == expected
    else:
        assert rc == 2


# ---------------------------------------------------------------------------------------------
# The audio leak check (pure)
# ---------------------------------------------------------------------------------------------

PHONE = "four one five, five five five, zero one nine two"


def test_probe_converts_spoken_numbers_and_keeps_name_words():
    p = probe_span(PHONE)
    assert p.digits == "4155550192" and p.groups == ("415", "555", "0192") and p.words == ()
    p = probe_span("Four twenty two Maple Street, Springfield, Illinois")
    assert p.digits == "422" and p.words == ("maple", "springfield", "illinois")  # "street" is generic
    assert probe_span("david dot chen at gmail dot com").words == ("david", "chen", "gmail")
    assert not probe_span("K, I, M").checkable


def test_digits_compared_whatever_form_the_asr_wrote():
    assert check_span("phone_number", PHONE, ["call me at 415-555-0192."]).leaked
    assert check_span("phone_number", PHONE, ["call me at four one five five five five zero one nine two"]).leaked
    assert check_span("phone_number", PHONE, ["call me at 415 555 0192"]).leaked
    partly = check_span("phone_number", PHONE, ["call me at ###-###-0192."])
    assert partly.leaked and partly.leaked_tokens == ["0192"]
    assert not check_span("phone_number", PHONE, ["call me at ###-###-####."]).leaked
    assert not check_span("phone_number", PHONE, ["[PHONE_NUMBER] [PHONE_NUMBER] 7"]).leaked
    # the unformatted rendering of "415-555-0192" spells the hyphens
    assert check_span("phone_number", PHONE, ["at four hundred fifteen minus five hundred fifty five minus "
                                              "zero one nine two"]).leaked_tokens == ["4155550192", "415", "555", "0192"]
    # a redaction mark ends a number: 415 and 0192 around a hashed middle do not join
    assert digit_numbers("415 ### 0192") == ["415", "0192"]


def test_words_whole_word_case_insensitive():
    span = ("person_name", "Maria Gonzalez")
    assert check_span(*span, ["My name is MARIA ########."]).leaked_tokens == ["maria"]
    assert not check_span(*span, ["My name is ##### ########.", "Mariachi band"]).leaked
    assert not check_span(*span, ["My name is [PERSON_NAME] [PERSON_NAME]."]).leaked
    assert check_span("email_address", "david dot chen at gmail dot com", ["davidchen@gmail.com"]).leaked
    assert check_span("location", "Springfield", ["spring field illinois"]).leaked


def test_call_turn_window_and_score():
    finals = [{"transcript": "hi i am kevin", "turn_is_formatted": False, "end_of_turn": True,
               "words": [{"text": "hi", "start": 0, "end": 100}, {"text": "i", "start": 100, "end": 200},
                         {"text": "am", "start": 200, "end": 300}, {"text": "kevin", "start": 300, "end": 400}]},
              {"transcript": "my number is 415-555-####", "turn_is_formatted": True, "end_of_turn": True,
               "words": [{"text": "my", "start": 5000, "end": 5100}, {"text": "number", "start": 5100, "end": 5200},
                         {"text": "is", "start": 5200, "end": 5300},
                         {"text": "415-555-####", "start": 5300, "end": 6000}]}]
    t0 = Unit("call", 0, 0, 400, "Hi, I am Kevin.", (("person_name", "Kevin"),))
    t1 = Unit("call", 1, 5000, 6000, "My number is ...", (("phone_number", PHONE),))
    assert unit_finals(t0, finals) == ["hi i am kevin"]
    assert unit_finals(t1, finals) == ["my number is 415-555-####"]
    neg = Unit("neg", None, None, None, "I have two kids.", (), negative=True)
    recs = [Recording("call", "call", AUDIO / "x.wav", AUDIO / "x.json", (t0, t1)),
            Recording("neg", "clip", AUDIO / "n.wav", AUDIO / "pii.jsonl", (neg,))]
    red = {"call": StreamResult("call", turns=finals),
           "neg": StreamResult("neg", turns=[{"transcript": "i have ### kids", "end_of_turn": True, "words": []}])}
    res = score(recs, red)
    assert res["per_policy"]["person_name"] == {"labelled": 1, "checked": 1, "unchecked": 0, "leaked": 1,
                                                "redaction_rate": 0.0}
    assert res["per_policy"]["phone_number"]["leaked"] == 1
    assert res["leaks"][1]["leaked_tokens"] == ["415", "555"]
    assert res["overall"]["checked"] == 2 and res["overall"]["redaction_rate"] == 0.0
    assert res["negatives"] == {"clips": 1, "redacted": 1, "ids": ["neg"], "details": res["negatives"]["details"]}


# ---------------------------------------------------------------------------------------------
# Audio mode end to end: scripted engine, real detector
# ---------------------------------------------------------------------------------------------

PII_WAVS = AUDIO / "pii"


@pytest.mark.skipif(not (PII_WAVS / "pii_s01_utility_bill_02.wav").exists(), reason="test audio not available")
def test_audio_mode_against_a_server(tmp_path, capsys):
    d = tmp_path / "audio"
    (d / "pii").mkdir(parents=True)
    rows = [
        ("named", "pii_s01_utility_bill_02", "My name is John Smith.", [("person_name", "John Smith")], False),
        ("phone", "pii_s01_utility_bill_08", f"Call me at {PHONE}.", [("phone_number", PHONE)], False),
        ("neg", "pii_s01_utility_bill_07", "I have two kids.", [], True),
    ]
    with open(d / "pii.jsonl", "w") as fh:
        for rid, wav, text, spans, neg in rows:
            os.symlink(PII_WAVS / (wav + ".wav"), d / "pii" / (rid + ".wav"))
            sp = [{"start": text.index(t), "end": text.index(t) + len(t), "label": lab, "text": t} for lab, t in spans]
            fh.write(json.dumps({"id": rid, "path": f"pii/{rid}.wav", "text": text, "spans": sp,
                                 "written": text, "written_spans": sp, "negative": neg}) + "\n")
    key = "pii-bench-key"
    # the "recogniser" always says the name, never the phone number
    app = create_app(ServerConfig(vad="energy"), engine=FakeEngine(lambda req: "my name is John Smith."),
                     vad=EnergyVoiceDetector(), api_keys=(key,))
    out = tmp_path / "audio.json"
    with serve(app) as s:
        rc = bench("--audio", str(d), "--url", s.ws_url, "--key", key, "--json", str(out))
    assert rc == 0
    report = json.loads(out.read_text())
    assert not report["stream_errors"]
    assert [f["id"] for f in report["files"]] == ["named", "phone", "neg"]
    assert report["config"]["format_turns"] is True and report["config"]["redact_pii"] is True
    name = report["per_policy"]["person_name"]
    assert name == {"labelled": 1, "checked": 1, "unchecked": 0, "leaked": 0, "redaction_rate": 1.0,
                    "recognised": 1, "recognised_leaked": 0, "recognised_rate": 1.0}
    phone = report["per_policy"]["phone_number"]
    assert phone["leaked"] == 0 and phone["recognised"] == 0  # never said, so it cannot leak
    # both finals of every turn were checked, and they are redacted
    fin = report["finals"]["named"]
    assert {f["formatted"] for f in fin} == {False, True} and all("#" in f["transcript"] for f in fin)
    assert report["negatives"] == {"clips": 1, "redacted": 1, "ids": ["neg"],
                                   "details": report["negatives"]["details"]}
    printed = capsys.readouterr().out
    assert "person_name" in printed and "negative clips with any redaction: 1/1 (neg)" in printed
    assert "files: " in printed and str(d / "pii" / "named.wav") in printed


def test_the_u3_100_settings_send_what_pipecat_and_livekit_send():
    q = RedactionParams(**SETTINGS["u3-100"]).query()
    assert (q["speech_model"], q["min_turn_silence"], q["max_turn_silence"]) == ("u3-rt-pro", 100, 100)
    assert q["redact_pii"] is True
    default = RedactionParams(**SETTINGS["sdk-default"]).query()
    assert "min_turn_silence" not in default and default["format_turns"] is True

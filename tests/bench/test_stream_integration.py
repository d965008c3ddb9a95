"""``hushscribe bench stream --streams 2 --fast`` against a real uvicorn server (fake engine,
energy VAD) running in a thread, over two call recordings."""

from __future__ import annotations

import argparse
import json
import os

import pytest

from hushscribe.cli.bench import add_bench_parser
from hushscribe.engine.fake import FakeEngine
from hushscribe.server.app import create_app
from hushscribe.settings import ServerConfig
from hushscribe.vad.energy import EnergyVoiceDetector
from tests.bench.call_copies import copy_call
from tests.server.conftest import serve

KEY = "bench-test-key"
CALLS = ("call_a", "call_b")

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def server():
    app = create_app(ServerConfig(vad="energy"), engine=FakeEngine(lambda req: "thank you for calling"),
                     vad=EnergyVoiceDetector(), api_keys=(KEY,))
    with serve(app) as s:
        yield s


@pytest.fixture
def clips(tmp_path):
    d = tmp_path / "calls"
    d.mkdir()
    for name in CALLS:
        copy_call(d, name)
    return d


def bench(*argv: str) -> int:
    p = argparse.ArgumentParser(prog="hushscribe")
    sub = p.add_subparsers(dest="command", required=True)
    add_bench_parser(sub)
    args = p.parse_args(["bench", "stream", *argv])
    return args.func(args)


def test_two_fast_streams_measure_every_turn(server, clips, tmp_path, capsys):
    out = tmp_path / "report.json"
    rc = bench("--url", server.ws_url, "--key", KEY, "--clips", str(clips), "--streams", "2", "--fast",
               "--partials", "--stagger-s", "0.2", "--server-pid", str(os.getpid()), "--json", str(out))
    assert rc == 0
    report = json.loads(out.read_text())
    s = report["summary"]
    assert s["streams"] == 2 and s["refused"] == 0 and s["streams_with_errors"] == 0
    assert s["fell_behind"] == 0
    # round-robin: one call per stream, every labelled turn accounted for
    assert sorted(st["calls"][0] for st in report["streams"]) == sorted(CALLS)
    assert sorted(f["id"] for f in report["files"]) == sorted(CALLS)
    labelled = sum(len(json.loads((clips / (c + ".json")).read_text())["turns"]) for c in CALLS)
    assert s["ref_turns"] == labelled == len(report["turns"])
    assert s["ttfs_ms"]["n"] >= labelled - 2  # the energy VAD may merge a turn or two
    assert s["ttfs_ms"]["n"] == sum(1 for r in report["turns"] if r["ttfs_ms"] is not None)
    for k in ("p50", "p95", "p99", "max"):
        assert s["ttfs_ms"][k] is not None and s["ttfs_ms"][k] < 5000
    assert s["first_partial_ms"]["n"] > 0
    assert 0 < s["wer"] <= 1.5  # the fake engine says the same words every turn
    for st in report["streams"]:
        assert st["termination_ok"] and st["termination"]["audio_duration_seconds"] > 0
        assert st["late_chunks"] is None  # fast mode: no real-time deadlines
        assert st["session_id"]
    srv = s["server"]
    assert srv["pid"] == os.getpid() and srv["cpu_seconds"] > 0 and srv["peak_rss_mb"] > 0
    cfg = report["config"]
    assert cfg["streams"] == 2 and cfg["realtime"] is False and "key" not in cfg
    assert "include_partial_turns=True" in cfg["ws_url"]
    assert report["machine"]["nproc"] >= 1 and report["machine"]["python"]
    printed = capsys.readouterr().out
    assert "TTFS (ms)" in printed and "P95" in printed and "call_a" in printed


def test_wrong_key_is_refused(server, clips, tmp_path):
    out = tmp_path / "report.json"
    rc = bench("--url", server.ws_url, "--key", "wrong", "--clips", str(clips), "--limit", "1", "--fast",
               "--stagger-s", "0", "--json", str(out))
    assert rc == 1  # every stream refused
    report = json.loads(out.read_text())
    assert report["summary"]["refused"] == 1
    st = report["streams"][0]
    assert st["refused"] and st["refusal"] and not st["fell_behind"]
    assert report["summary"]["server"] is None


def test_realtime_short_stream_counts_send_lag(server, clips, tmp_path):
    out = tmp_path / "report.json"
    rc = bench("--url", server.ws_url, "--key", KEY, "--clips", str(clips), "--limit", "1",
               "--duration-s", "5", "--stagger-s", "0", "--json", str(out))
    assert rc == 0
    report = json.loads(out.read_text())
    st = report["streams"][0]
    assert st["segments"][0]["cut"] and st["audio_s"] < 10
    assert st["late_chunks"] == 0 and st["max_send_lag_ms"] is not None
    assert report["summary"]["ttfs_ms"]["n"] >= 1
    # real time: TTFS counts from the true end of speech, so it cannot be negative
    assert all(r["ttfs_ms"] > 0 for r in report["turns"] if r["ttfs_ms"] is not None)


def test_find_capacity_ramps_the_stream_count(server, clips, tmp_path, capsys):
    out = tmp_path / "capacity.json"
    rc = bench("--url", server.ws_url, "--key", KEY, "--clips", str(clips), "--fast", "--find-capacity",
               "--max-streams", "2", "--duration-s", "5", "--gate-ms", "5000", "--stagger-s", "0.1",
               "--json", str(out))
    assert rc == 0
    report = json.loads(out.read_text())
    cap = report["capacity"]
    assert [st["streams"] for st in cap["steps"]] == [1, 2]
    assert all(st["passed"] for st in cap["steps"]) and cap["max_streams_passing"] == 2
    assert report["steps"][1]["summary"]["ttfs_ms"]["n"] >= 2
    assert "capacity: 2 concurrent stream(s)" in capsys.readouterr().out

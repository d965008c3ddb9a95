"""``hushscribe bench stream --spawn`` in its short CI mode: the real server process, the real model,
two streams over two labelled calls with redact_pii on. Checks that the report has every field the
capacity work relies on (figures themselves belong to benchmark runs, not to tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hushscribe.cli.main import main
from tests.server.conftest import require_lb

pytestmark = pytest.mark.slow

SUMMARY_FIELDS = {
    "streams", "refused", "fell_behind", "streams_with_errors", "late_chunks", "max_send_lag_ms",
    "max_send_block_ms", "audio_s", "wall_s", "ref_turns", "found", "split", "merged", "missed",
    "spurious_finals", "ttfs_ms", "first_partial_ms", "partial_cadence_ms", "wer", "server",
}


def test_spawned_two_stream_run_reports_every_field(audio_dir, tmp_path, capsys):
    out = tmp_path / "bench.json"
    rc = main(["bench", "stream", "--spawn", "--clips", str(audio_dir / "calls"), "--limit", "2",
               "--streams", "2", "--fast", "--partials", "--redact-pii", "--json", str(out)])
    assert rc == 0
    report = json.loads(out.read_text())
    s = report["summary"]
    assert SUMMARY_FIELDS <= set(s), SUMMARY_FIELDS - set(s)
    assert s["streams"] == 2 and s["refused"] == 0 and s["streams_with_errors"] == 0
    assert s["ref_turns"] > 0 and s["found"] >= 0.8 * s["ref_turns"]
    for key in ("n", "p50", "p95", "p99", "max", "mean"):
        assert s["ttfs_ms"][key] is not None, key
    assert s["first_partial_ms"]["n"] > 0 and s["partial_cadence_ms"]["n"] >= 0
    assert 0 <= s["wer"] < 0.6  # redactions count as errors here
    srv = s["server"]
    assert srv["cpu_seconds"] > 0 and srv["peak_rss_mb"] > 100
    assert report["server_process"]["spawned"] is True and report["server_process"]["exit_code"] == 0
    assert report["config"]["redact_pii"] is True and len(report["files"]) == 2
    # Fast mode sends minutes of audio in seconds: Termination comes when the decodes are done
    # (termination_ok, "within 10 s of the last chunk", is a real-time criterion).
    assert all(st["termination"] is not None for st in report["streams"])
    printed = capsys.readouterr().out
    assert "TTFS (ms)" in printed and "first partial" in printed


def test_spawned_client_vad_run_reports_pipecat_ttfs(audio_dir, tmp_path, capsys):
    """``--client-vad``, 2 streams in real time (about 12 s each, twice: first without ForceEndpoint):
    each client's Silero VAD sends ForceEndpoint at VAD stop, and the report carries Pipecat's TTFS,
    ForceEndpoint -> final, and the natural end-of-turn TTFS beside them, with server CPU and RSS."""
    out = tmp_path / "bench.json"
    rc = main(["bench", "stream", "--spawn", "--clips", str(audio_dir / "calls"), "--limit", "2", "--streams", "2",
               "--client-vad", "--speech-model", "u3-rt-pro", "--redact-pii", "--duration-s", "12",
               "--stagger-s", "0.5", "--json", str(out)])
    assert rc == 0
    report = json.loads(out.read_text())
    s = report["summary"]
    assert s["streams"] == 2 and s["refused"] == 0 and s["streams_with_errors"] == 0
    assert report["config"]["client_vad"] is True and report["config"]["vad_stop_secs"] == 0.2
    cv = s["client_vad"]
    assert cv["stop_secs"] == 0.2 and cv["forced_segments"] >= 2
    assert cv["answered"] >= 0.8 * cv["forced_segments"]
    for name in ("ttfs_ms", "force_to_final_ms"):
        assert cv[name]["n"] == cv["answered"] and cv[name]["p50"] is not None, name
    # Pipecat's TTFS counts from VAD stop - 0.2 s, so it is ForceEndpoint -> final plus 200 ms.
    rows = [r for st in report["streams"] for r in st["client_vad"] if r["ttfs_ms"] is not None]
    assert rows and all(abs(r["ttfs_ms"] - r["force_to_final_ms"] - 200) < 1 for r in rows)
    natural = report["natural"]
    assert natural["streams"] == 2 and natural["ttfs_ms"]["n"] > 0 and "client_vad" not in natural
    assert s["server"]["cpu_seconds"] > 0 and s["server"]["peak_rss_mb"] > 100
    assert natural["server"]["cpu_seconds"] > 0
    printed = capsys.readouterr().out
    assert "TTFS Pipecat 0.2 s" in printed and "ForceEndpoint->final" in printed and "TTFS natural" in printed


def test_spawned_replicas_behind_nginx(audio_dir, tmp_path, capsys):
    """``--spawn --replicas 2``: Redis, two replicas and nginx (deploy/nginx.conf); the streams go
    through nginx, the report sums both replicas' CPU and RSS, and both drain and exit 0."""
    require_lb()
    out = tmp_path / "bench.json"
    rc = main(["bench", "stream", "--spawn", "--replicas", "2", "--clips", str(audio_dir / "calls"), "--limit", "2",
               "--streams", "2", "--fast", "--json", str(out)])
    assert rc == 0
    report = json.loads(out.read_text())
    proc = report["server_process"]
    assert proc["replicas"] == 2 and len(proc["pid"]) == 2 and proc["exit_codes"] == [0, 0]
    s = report["summary"]
    assert s["streams"] == 2 and s["refused"] == 0 and s["streams_with_errors"] == 0
    assert s["found"] >= 0.8 * s["ref_turns"] > 0
    assert s["server"]["pid"] == proc["pid"] and s["server"]["cpu_seconds"] > 0
    # The streams went through nginx (its access log has both upgrades, without the query strings).
    access = (Path(proc["workdir"]) / "access.log").read_text()
    assert access.count("GET /v3/ws") == 2


def test_replicas_need_spawn(capsys):
    assert main(["bench", "stream", "--replicas", "2"]) == 2
    assert "--replicas needs --spawn" in capsys.readouterr().err

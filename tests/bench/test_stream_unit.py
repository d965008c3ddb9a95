"""Pure parts of ``hushscribe bench stream``: turn matching, percentiles, lag accounting, plans."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosedOK

from hushscribe.bench import stream as bs
from hushscribe.bench.corpus import Call, CallTurn
from hushscribe.cli.bench import add_bench_parser
from tests.bench.call_copies import copy_call


def ref(i: int, start: int, end: int, text: str = "x") -> bs.LabelledTurn:
    return bs.LabelledTurn("c", i, start, end, text)


REFS = [ref(0, 1000, 3000, "one two"), ref(1, 4000, 6000, "three four"), ref(2, 8000, 9000, "five")]


def turn(order: int, final_at: float | None, words, partials=(), text: str = "w") -> bs.TurnObs:
    return bs.TurnObs(order, list(partials), final_at, text, list(words))


# ---------------------------------------------------------------------------------------------
# percentiles
# ---------------------------------------------------------------------------------------------


def test_percentile_matches_numpy():
    rng = random.Random(1)
    for n in (1, 2, 3, 10, 101):
        xs = [rng.uniform(0, 1000) for _ in range(n)]
        for q in (0, 50, 95, 99, 100):
            assert bs.percentile(xs, q) == pytest.approx(float(np.percentile(xs, q)))


def test_percentile_empty_and_summary():
    assert bs.percentile([], 50) is None
    s = bs.summarize([None, 100.0, 200.0, 300.0])
    assert s == {"n": 3, "p50": 200.0, "p95": 290.0, "p99": 298.0, "max": 300.0, "mean": 200.0}
    assert bs.summarize([]) == {"n": 0, "p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    assert set(bs.summarize([1.0], qs=(50, 95))) == {"n", "p50", "p95", "max", "mean"}


# ---------------------------------------------------------------------------------------------
# turn matching
# ---------------------------------------------------------------------------------------------


def test_match_turn_picks_largest_overlap():
    assert bs.match_turn([(900, 1500), (1600, 2900)], REFS) == 0
    # straddles turns 0 and 1: 500 ms in turn 0, 1500 ms in turn 1
    assert bs.match_turn([(2500, 3000), (4000, 5500)], REFS) == 1
    assert bs.match_turn([(8100, 8200)], REFS) == 2


def test_match_turn_without_overlap_uses_nearest_within_a_second():
    assert bs.match_turn([(3100, 3300)], REFS) == 0  # 100 ms after turn 0, 700 ms before turn 1
    assert bs.match_turn([(6500, 6600)], REFS) == 1
    assert bs.match_turn([(20000, 20100)], REFS) is None  # far from everything: spurious
    assert bs.match_turn([], REFS) is None
    assert bs.match_turn([(1000, 2000)], []) is None


def test_zero_length_words_count_inside_a_turn():
    assert bs.turn_overlaps([(5000, 5000)], REFS) == [0, 1, 0]
    assert bs.match_turn([(5000, 5000)], REFS) == 1


def test_collect_turns_first_final_only_and_partials_before_it():
    events = [
        (1.0, {"type": "Turn", "turn_order": 0, "end_of_turn": False, "transcript": "", "words": [{"start": 1000, "end": 1200}]}),
        (2.0, {"type": "Turn", "turn_order": 0, "end_of_turn": False, "transcript": "a", "words": []}),
        (3.0, {"type": "Turn", "turn_order": 0, "end_of_turn": True, "transcript": "one two",
               "words": [{"start": 1000, "end": 1500}, {"start": 1600, "end": 2900}]}),
        (3.1, {"type": "Turn", "turn_order": 0, "end_of_turn": True, "transcript": "One, two.", "words": []}),
        (3.2, {"type": "Begin"}),
        (4.0, {"type": "Turn", "turn_order": 1, "end_of_turn": False, "transcript": "", "words": []}),
    ]
    obs = bs.collect_turns(events)
    assert [o.turn_order for o in obs] == [0, 1]
    assert obs[0].final_arrival == 3.0 and obs[0].transcript == "one two"
    assert obs[0].partial_arrivals == [1.0, 2.0]
    assert obs[0].words == [(1000, 1500), (1600, 2900)]
    assert obs[1].final_arrival is None and obs[1].partial_arrivals == [4.0]


def test_turn_rows_ttfs_from_true_end_of_speech():
    t0 = 100.0
    clock = bs.Clock(t0, realtime=True, chunk_ms=50, sent_at=[])
    obs = [
        # turn 0: final 400 ms after its end (t0 + 3.0 s), partials at +1.5 s, +2.5 s (from start 1.0 s)
        turn(0, t0 + 3.4, [(1000, 2900)], partials=[t0 + 1.5, t0 + 2.5]),
        # turn 1 split in two finals: TTFS from the last one
        turn(1, t0 + 5.2, [(4000, 4900)]),
        turn(2, t0 + 6.9, [(5100, 6000)]),
        # a final far from every labelled turn: spurious
        turn(3, t0 + 12.0, [(11000, 11500)]),
    ]
    rows, spurious = bs.turn_rows(obs, REFS, clock)
    assert [r["status"] for r in rows] == ["found", "split", "missed"]
    assert rows[0]["ttfs_ms"] == pytest.approx(400.0)
    assert rows[0]["first_partial_ms"] == pytest.approx(500.0)
    assert rows[0]["partial_intervals_ms"] == [pytest.approx(1000.0)]
    assert rows[0]["partial_cadence_ms"] == pytest.approx(1000.0)
    assert rows[1]["ttfs_ms"] == pytest.approx(900.0)
    assert rows[1]["turn_orders"] == [1, 2]
    assert rows[2]["ttfs_ms"] is None and rows[2]["turn_orders"] == []
    assert [o.turn_order for o in spurious] == [3]


def test_turn_rows_merged_turn_gets_latency_of_the_covering_final():
    t0 = 0.0
    clock = bs.Clock(t0, realtime=True, chunk_ms=50, sent_at=[])
    # one final covering turns 0 (1000-3000: 1600 ms of words) and 1 (4000-6000: 2000 ms)
    obs = [turn(0, 6.5, [(1400, 3000), (4000, 6000)])]
    rows, spurious = bs.turn_rows(obs, REFS, clock)
    assert [r["status"] for r in rows] == ["merged", "found", "missed"]
    assert rows[0]["ttfs_ms"] == pytest.approx(3500.0)  # waited for the next turn to end
    assert rows[1]["ttfs_ms"] == pytest.approx(500.0)
    assert not spurious


def test_fast_mode_clock_uses_send_time_of_the_chunk_holding_the_instant():
    sent = [10.0 + 0.001 * k for k in range(200)]  # 200 chunks of 50 ms = 10 s of audio
    clock = bs.Clock(0.0, realtime=False, chunk_ms=50, sent_at=sent)
    assert clock.at(0) == sent[0]
    assert clock.at(3000) == sent[60]
    assert clock.at(3049) == sent[60]
    assert clock.at(99999) == sent[-1]
    assert bs.Clock(0.0, realtime=False, chunk_ms=50, sent_at=[]).at(100) is None
    rows, _ = bs.turn_rows([turn(0, sent[60] + 0.25, [(1000, 2900)])], REFS[:1], clock)
    assert rows[0]["ttfs_ms"] == pytest.approx(250.0)


def test_stream_wer_texts():
    rows = [{"ref_text": "one two"}, {"ref_text": "three"}]
    obs = [turn(0, 1.0, [], text="one two"), turn(1, None, [], text="ignored"), turn(2, 2.0, [], text="tree")]
    assert bs.stream_wer(rows, obs) == ("one two three", "one two tree")
    assert bs.corpus_wer_or_none(["the cat sat"], ["the cat sad"]) == pytest.approx(1 / 3, abs=1e-4)
    assert bs.corpus_wer_or_none([""], ["x"]) is None


# ---------------------------------------------------------------------------------------------
# send lag / falling behind
# ---------------------------------------------------------------------------------------------


def test_lag_stats_counts_chunks_later_than_the_threshold():
    lags = [1.0, 5.0, 199.9, 200.0, 200.1, 450.0, 12.0]
    s = bs.lag_stats(lags, 200.0)
    assert s["late_chunks"] == 2
    assert s["max_send_lag_ms"] == 450.0
    assert s["blocked_chunks"] == 0 and s["max_send_block_ms"] is None
    s = bs.lag_stats([300.0, 20.0], 200.0, [250.0, 1.0])
    assert s["late_chunks"] == 1 and s["blocked_chunks"] == 1 and s["max_send_block_ms"] == 250.0
    assert bs.lag_stats([], 200.0) == {"late_chunks": 0, "max_send_lag_ms": None, "p99_send_lag_ms": None,
                                       "blocked_chunks": 0, "max_send_block_ms": None}


def test_fell_behind_rules():
    assert not bs.fell_behind(0, 0.8, 10.0)
    assert bs.fell_behind(1, 0.8, 10.0)  # a late chunk
    assert bs.fell_behind(0, 10.5, 10.0)  # Termination too late
    assert bs.fell_behind(0, None, 10.0)  # no Termination at all
    assert not bs.fell_behind(None, 2.0, 10.0)  # fast mode: no deadlines, only Termination counts


def _run(lags, term_after, refused=False) -> bs.StreamRun:
    plan = bs.StreamPlan(0, (), (), b"")
    r = bs.StreamRun(plan, 0.0, refused=refused)
    r.lags_ms = list(lags)
    if term_after is not None:
        r.last_chunk_at, r.termination_at = 50.0, 50.0 + term_after
    r.t0 = None if refused else 0.0
    return r


def test_stream_report_and_summary_account_late_streams():
    cfg = bs.BenchConfig(url="ws://x", key="k")
    infos = [bs.stream_report(_run([10, 20], 0.5), cfg)[0],
             bs.stream_report(_run([10, 250, 300], 0.5), cfg)[0],
             bs.stream_report(_run([10], 12.0), cfg)[0],
             bs.stream_report(_run([], None, refused=True), cfg)[0]]
    assert [i["fell_behind"] for i in infos] == [False, True, True, False]
    assert [i["late_chunks"] for i in infos] == [0, 2, 0, 0]
    assert [i["termination_ok"] for i in infos] == [True, True, False, False]
    s = bs.summary(infos, [], None, 60.0)
    assert s["fell_behind"] == 2 and s["refused"] == 1 and s["late_chunks"] == 2
    assert s["max_send_lag_ms"] == 300.0
    assert s["ttfs_ms"]["n"] == 0 and s["server"] is None


# ---------------------------------------------------------------------------------------------
# plans, config, capacity
# ---------------------------------------------------------------------------------------------


def _call(cid: str, turns: list[tuple[int, int]]) -> Call:
    return Call(cid, Path(cid + ".wav"), 0, tuple(CallTurn(i, s, e, f"{cid}-{i}") for i, (s, e) in enumerate(turns)), ())


def _pcm(ms: int) -> bytes:
    return bytes(ms * bs.BYTES_PER_MS)


def test_plans_round_robin_one_call_per_stream():
    calls = [_call("a", [(100, 900)]), _call("b", [(200, 800)])]
    plans = bs.plan_streams(calls, {"a": _pcm(1000), "b": _pcm(2000)}, 3)
    assert [[s.call_id for s in p.segments] for p in plans] == [["a"], ["b"], ["a"]]
    assert plans[1].audio_ms == 2000 and plans[1].turns[0].end_ms == 800


def test_plans_loop_until_duration_with_offsets_and_cut():
    a = _call("a", [(100, 900), (1500, 2500), (3000, 3800)])  # 4 s
    b = _call("b", [(200, 1000), (2000, 2600)])  # 3 s
    pcms = {"a": _pcm(4000), "b": _pcm(3000)}
    plans = bs.plan_streams([a, b], pcms, 2, duration_s=7.8)
    # stream 0: a (4 s) + b (3 s) + a, cut after its first turn ending at/after the missing 800 ms
    p0 = plans[0]
    assert [s.call_id for s in p0.segments] == ["a", "b", "a"]
    assert [s.offset_ms for s in p0.segments] == [0, 4000, 7000]
    assert p0.segments[-1].cut and p0.segments[-1].duration_ms == 1200  # 900 + min(1000, 600 // 2)
    assert [(t.call_id, t.start_ms, t.end_ms) for t in p0.turns] == [
        ("a", 100, 900), ("a", 1500, 2500), ("a", 3000, 3800), ("b", 4200, 5000), ("b", 6000, 6600), ("a", 7100, 7900)]
    assert p0.audio_ms == 8200
    # stream 1 starts at b
    assert [s.call_id for s in plans[1].segments][:2] == ["b", "a"]
    with pytest.raises(ValueError):
        bs.plan_streams([], {}, 1)


def test_cut_point_keeps_whole_turns():
    a = _call("a", [(100, 900), (1500, 2500), (3000, 3800)])
    assert bs.cut_point_ms(a, 500, 4000) == (1200, 1)
    assert bs.cut_point_ms(a, 2500, 4000) == (2750, 2)
    assert bs.cut_point_ms(a, 3500, 4000) == (4000, 3)  # last turn: keep the rest of the call
    assert bs.cut_point_ms(a, 9999, 4000) == (4000, 3)


def test_ws_url_speaks_like_the_python_sdk():
    cfg = bs.BenchConfig(url="ws://127.0.0.1:1234", key="k", partials=True, speech_model="whisper-rt")
    u = urllib.parse.urlsplit(cfg.ws_url())
    assert u.path == "/v3/ws"
    q = dict(urllib.parse.parse_qsl(u.query))
    assert q == {"sample_rate": "16000", "speech_model": "whisper-rt", "format_turns": "False",
                 "include_partial_turns": "True", "redact_pii": "False"}
    assert bs.BenchConfig(url="ws://h/v3/ws/", key="k").ws_url().startswith("ws://h/v3/ws?")
    assert "key" not in cfg.public() and "k" not in json.dumps(cfg.public()).split('"')


def test_capacity_ladder_and_gate():
    assert bs.capacity_ladder(16) == [1, 2, 4, 6, 8, 10, 12, 16]
    assert bs.capacity_ladder(40) == [1, 2, 4, 6, 8, 10, 12, 16, 20, 24, 28, 32, 40]
    assert bs.capacity_ladder(5) == [1, 2, 4, 5]
    assert bs.capacity_ladder(1) == [1]
    ok = {"ttfs_ms": {"p95": 700.0}, "fell_behind": 0, "refused": 0}
    assert bs.passes_gate(ok, 800)
    assert not bs.passes_gate({**ok, "ttfs_ms": {"p95": 900.0}}, 800)
    assert not bs.passes_gate({**ok, "fell_behind": 1}, 800)
    assert not bs.passes_gate({**ok, "refused": 1}, 800)
    assert not bs.passes_gate({**ok, "ttfs_ms": {"p95": None}}, 800)


# ---------------------------------------------------------------------------------------------
# corpus loading, /proc accounting, the parser
# ---------------------------------------------------------------------------------------------


def test_load_call_dir_pairs_labels_with_wavs(tmp_path):
    for name in ("call_b", "call_a"):
        copy_call(tmp_path, name)
    copy_call(tmp_path, "call_c", audio=False)  # labels without audio: skipped
    (tmp_path / "notes.json").write_text("[1, 2]")
    calls = bs.load_call_dir(tmp_path)
    assert [c.id for c in calls] == ["call_a", "call_b"]
    assert calls[0].path == tmp_path / "call_a.wav" and calls[0].labels == tmp_path / "call_a.json"
    assert calls[0].turns[0].start_ms < calls[0].turns[0].end_ms
    assert [c.id for c in bs.load_call_dir(tmp_path, limit=1)] == ["call_a"]
    pcm = bs.read_call_pcm(calls[0].path)
    assert abs(len(pcm) // 2 * 1000 // bs.RATE - calls[0].duration_ms) < 50


def test_proc_monitor_reads_own_process():
    m = bs.ProcMonitor(os.getpid())
    cpu = m.cpu_seconds()
    assert cpu is not None and cpu > 0
    kb = m.status_kb()
    assert kb["VmRSS"] > 0 and kb["VmHWM"] >= kb["VmRSS"] // 2
    assert bs.ProcMonitor(2**22 + 12345).cpu_seconds() is None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hushscribe")
    sub = p.add_subparsers(dest="command", required=True)
    add_bench_parser(sub)
    return p


def test_parser_defaults_and_flags():
    a = _parser().parse_args(["bench", "stream"])
    assert a.bench_command == "stream" and a.streams == 1 and a.realtime and not a.partials
    assert a.chunk_ms == 50 and a.gate_ms == 800 and a.url is None and not a.spawn and a.clips is None
    a = _parser().parse_args(["bench", "stream", "--spawn", "--fast", "--streams", "4", "--partials",
                              "--redact-pii", "--duration-s", "30", "--json", "out.json",
                              "--server-args=--decode-workers 2"])
    assert a.spawn and not a.realtime and a.streams == 4 and a.partials and a.redact_pii and a.duration_s == 30
    assert a.json_out == Path("out.json") and a.server_args == "--decode-workers 2"
    with pytest.raises(SystemExit):
        _parser().parse_args(["bench", "stream", "--spawn", "--url", "ws://x"])
    with pytest.raises(SystemExit):
        _parser().parse_args(["bench", "stream", "--fast", "--realtime"])
    with pytest.raises(SystemExit):
        _parser().parse_args(["bench"])  # a benchmark must be named


def test_bench_subparsers_accept_another_benchmark():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command")
    bsub = add_bench_parser(sub)
    other = bsub.add_parser("another")
    other.set_defaults(func=lambda a: 0)
    assert p.parse_args(["bench", "another"]).bench_command == "another"
    assert p.parse_args(["bench", "pii"]).bench_command == "pii"  # the PII benchmark is registered


# ---------------------------------------------------------------------------------------------
# --client-vad: Pipecat's VAD state machine and its TTFS
# ---------------------------------------------------------------------------------------------

F = bs.VAD_FRAME_MS  # 32 ms


def test_pipecat_vad_needs_start_and_stop_frames():
    # round(0.2 s / 32 ms) = 6 frames to start and to stop.
    probs = [0.0] * 3 + [0.9] * 5 + [0.0] * 3 + [0.9] * 10 + [0.5] * 5 + [0.9] + [0.1] * 6 + [0.0] * 4
    segs = bs.pipecat_vad_segments(probs, confidence=0.7, start_secs=0.2, stop_secs=0.2)
    # 5 speaking frames are not enough; the 10-frame run starts at frame 11; the 5 quiet frames
    # (0.5 < 0.7) do not stop it; the 6 quiet frames after frame 26 do, at the end of frame 32.
    assert segs == [bs.VadSegment(11 * F, 33 * F)]


def test_pipecat_vad_open_segment_at_the_end_has_no_stop():
    assert bs.pipecat_vad_segments([0.9] * 20 + [0.1] * 3) == []
    stop_8 = bs.pipecat_vad_segments([0.9] * 8 + [0.1] * 30, stop_secs=0.8)
    assert stop_8 == [bs.VadSegment(0, (8 + 25) * F)]  # round(0.8 / 0.032) = 25 quiet frames


def test_client_vad_rows_compute_pipecat_ttfs_from_the_force_endpoint():
    segs = [bs.VadSegment(1000, 3200), bs.VadSegment(5000, 7200), bs.VadSegment(9000, 9500)]
    force_at = {0: 10.0, 1: 20.0}  # the last segment was still open at the end: no ForceEndpoint
    obs = [turn(0, 10.3, [(1100, 2900)]), turn(1, 19.9, [(5100, 6000)]), turn(2, 20.1, [(6100, 6900)]),
           turn(3, None, [(9000, 9400)])]
    rows = bs.client_vad_rows(obs, segs, force_at, stop_secs=0.2)
    assert [r["segment"] for r in rows] == [0, 1]
    assert rows[0]["ttfs_ms"] == pytest.approx(500.0) and rows[0]["force_to_final_ms"] == pytest.approx(300.0)
    # Two finals in segment 1: TTFS counts from the last one.
    assert rows[1]["finals"] == 2 and rows[1]["ttfs_ms"] == pytest.approx(300.0)
    s = bs.client_vad_summary(rows + [{"ttfs_ms": None, "force_to_final_ms": None}], 0.2)
    assert s["forced_segments"] == 3 and s["answered"] == 2 and s["finals_before_force"] == 0
    assert s["ttfs_ms"]["p50"] == pytest.approx(400.0)
    early = bs.client_vad_rows([turn(0, 9.9, [(1100, 2900)])], segs[:1], {0: 10.0}, stop_secs=0.2)
    assert bs.client_vad_summary(early, 0.2)["finals_before_force"] == 1


def test_gate_uses_pipecat_ttfs_in_a_client_vad_run():
    s = {"ttfs_ms": {"p95": 2000.0}, "fell_behind": 0, "refused": 0, "client_vad": {"ttfs_ms": {"p95": 700.0}}}
    assert bs.passes_gate(s, 800) and not bs.passes_gate({**s, "client_vad": None}, 800)


def test_terminate_and_wait_survives_a_closed_connection():
    """The server may close first; Terminate then raises ConnectionClosed, which must be caught."""

    class Closed:
        async def send(self, _):
            raise ConnectionClosedOK(None, None)

    async def main():
        receiver = asyncio.get_running_loop().create_future()  # still receiving: Terminate is sent
        asyncio.get_running_loop().call_soon(receiver.set_result, None)
        return await bs.terminate_and_wait(Closed(), receiver, 1)

    assert asyncio.run(main()) is True


def test_server_stages_from_two_metric_scrapes():
    before = bs.parse_metrics("""# HELP x
hushscribe_decode_seconds_sum{kind="final"} 1.0
hushscribe_decode_seconds_count{kind="final"} 2.0
hushscribe_force_endpoint_final_seconds_sum 0.0
hushscribe_force_endpoint_final_seconds_count 0.0
hushscribe_speculative_decodes_total{outcome="requested"} 4.0
""")
    after = bs.parse_metrics("""hushscribe_decode_seconds_sum{kind="final"} 2.2
hushscribe_decode_seconds_count{kind="final"} 5.0
hushscribe_force_endpoint_final_seconds_sum 0.9
hushscribe_force_endpoint_final_seconds_count 3.0
hushscribe_speculative_decodes_total{outcome="requested"} 14.0
hushscribe_speculative_decodes_total{outcome="final"} 6.0
hushscribe_speculative_decodes_total{outcome="partial"} 1.0
hushscribe_sessions_refused_total{reason="decode_backlog"} 2.0
""")
    st = bs.server_stages(before, after)
    assert st["decode_final"] == {"n": 3, "mean_ms": 400.0}
    assert st["force_endpoint_to_final"] == {"n": 3, "mean_ms": 300.0}
    assert st["decode_queue_wait_final"] == {"n": 0, "mean_ms": None}
    assert st["speculative"] == {"requested": 10, "final": 6, "partial": 1, "thrown_away": 3,
                                 "thrown_away_share": 0.3}
    assert st["refused_by_reason"] == {"decode_backlog": 2}
    assert bs.server_stages(None, after) is None
    assert bs.metrics_url("ws://127.0.0.1:9/v3/ws") == "http://127.0.0.1:9/metrics"
    assert bs.metrics_url("wss://h/stt/v3/ws") == "https://h/stt/metrics"

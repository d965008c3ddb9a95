"""Turn detection on the multi-turn call recordings, through the official SDK and the real model.

Each call's JSON labels every turn's first/last speech sample. Synthetic agent/caller turns contain
0.3 s pauses; turns are separated by 0.8-2.5 s of silence, and some calls hold for 5-7.5 s. Turns
labelled speaker "other" are real recordings (read speech, spontaneous speech) inserted whole, with
natural pauses of up to ~3 s inside them.
"""

from __future__ import annotations

import json
from itertools import pairwise

import pytest

from hushscribe.bench.corpus import audio_set, load_calls, read_pcm16
from hushscribe.bench.scoring import turn_boundary_scores

from .conftest import run_sdk

pytestmark = pytest.mark.slow

# Turn-boundary (precision, recall) floors: today's measured values less 0.03 of run-to-run noise, per audio
# set (the figures differ between the full dev set and the repository's subset). Raise them when turn
# detection improves; the 0.9 target is not met yet (see docs/protocol.md, "Known limits of turn detection").
# Measured 2026-12-04 on the 2-core dev box under load (load average ~12): full set (8 calls) precision 0.649,
# recall 0.862; subset (2 calls) precision 0.812, recall 0.929.
FLOORS = {"full": (0.61, 0.83), "subset": (0.78, 0.89)}
TARGET = 0.9


@pytest.fixture(scope="module")
def call_results(real_server, audio_dir):
    results = []
    for call in load_calls(audio_dir):
        pcm, _ = read_pcm16(call.path)
        run = run_sdk(real_server, pcm)  # defaults: universal-streaming-english, partials on
        assert not run.errors, (call.id, run.errors)
        assert run.termination is not None
        meta = json.loads(call.path.with_suffix(".json").read_text())
        results.append((call, meta, run))
    return results


def _hyp_spans(run):
    return [(t.words[0].start, t.words[-1].end) for t in run.finals() if t.words]


def test_no_empty_finals_and_one_final_per_turn_order(call_results):
    for call, _, run in call_results:
        finals = run.finals()
        shown = {t.turn_order for t in run.turns if not t.end_of_turn and t.words}
        # An empty final only closes a turn whose partials were shown and whose final decode kept no word the
        # audio supports (core/word_filter.py; docs/protocol.md "Empty finals"); never a turn nobody saw.
        empty = [t.turn_order for t in finals if not (t.transcript.strip() and t.words)]
        assert all(o in shown for o in empty), (call.id, empty)
        assert len(empty) <= 1, (call.id, empty)  # floor: 0-1 per call measured after the word filter landed
        orders = [t.turn_order for t in finals]
        assert orders == list(range(len(orders))), (call.id, orders)


def test_synthetic_turns_are_rarely_split_at_their_short_pauses(call_results):
    """Agent/caller turns (0.3 s pauses between their utterances) come out as one final each.

    Silence counts from the VAD's end of speech (no hangover), so a complete sentence followed by a
    pause whose next onset is weak ("Thank you. | And your date of birth?") may end its turn at the
    spec's 400 ms: at most 5 % of these turns may be split, never dropped."""
    total = split = 0
    for call, meta, run in call_results:
        hyp = _hyp_spans(run)
        for turn in meta["turns"]:
            if turn["speaker"] == "other":
                continue
            inside = [h for h in hyp if min(h[1], turn["end_ms"]) - max(h[0], turn["start_ms"]) > 0]
            assert inside, (call.id, turn["turn_index"], turn["text"], "no final")
            total += 1
            split += len(inside) > 1
    print(f"\nsynthetic turns split: {split}/{total}")
    assert total >= 5 * len(call_results)  # every call has 5+ agent/caller turns
    assert split <= 0.05 * total


def test_turns_are_never_merged_across_a_gap(call_results):
    for call, _, run in call_results:
        ref = [(t.start_ms, t.end_ms) for t in call.turns]
        score = turn_boundary_scores(ref, _hyp_spans(run))
        assert score.merges == 0, (call.id, score)
        assert score.spurious == 0, (call.id, score)


def test_holds_yield_no_turn(call_results):
    """During a 5 s+ hold (silence with a faint noise floor) no final is produced."""
    holds = 0
    for call, _, run in call_results:
        for a, b in pairwise(call.turns):
            if b.start_ms - a.end_ms < 5000:
                continue
            holds += 1
            for start, end in _hyp_spans(run):
                assert not (start >= a.end_ms + 200 and end <= b.start_ms - 200), (call.id, start, end)
    assert holds >= 1


def _overall(call_results):
    n_ref = n_hyp = found = correct = 0
    for call, _, run in call_results:
        ref = [(t.start_ms, t.end_ms) for t in call.turns]
        s = turn_boundary_scores(ref, _hyp_spans(run))
        n_ref += s.ref_turns
        n_hyp += s.hyp_turns
        found += round(s.recall * s.ref_turns)
        correct += round(s.precision * s.hyp_turns)
    return correct / n_hyp, found / n_ref


def test_turn_boundary_precision_recall_hold_their_floor(call_results, audio_dir):
    """Below the 0.9 target: the real recordings inserted as 'other' turns pause for 1-3 s mid-sentence
    and Whisper punctuates each fragment, so they are split. The floors catch any fall."""
    precision, recall = _overall(call_results)
    which = audio_set(audio_dir)
    print(f"\nturn boundaries over {len(call_results)} calls ({which} set): precision {precision:.3f} recall {recall:.3f}")
    floor_p, floor_r = FLOORS.get(which, FLOORS["subset"])
    assert precision >= floor_p and recall >= floor_r, (precision, recall)


@pytest.mark.xfail(strict=False, reason="turn-boundary target 0.9 not met yet (see the floors above)")
def test_turn_boundary_precision_recall_meet_the_target(call_results):
    precision, recall = _overall(call_results)
    assert precision >= TARGET and recall >= TARGET

"""Pipecat 1.14's ``AssemblyAISTTService`` at its own defaults (only the endpoint and key changed) against the
real server: a pipeline with no transport, 20 ms ``InputAudioRawFrame``s at real-time pace, with and without
Pipecat's Silero VAD (whose stop sends ForceEndpoint), and with key terms on clips that do not say them.

What holds today is asserted outright. What issue 13 asks for and the server does not do yet is asserted as a
floor at today's measured value, then marked expected-failure until the target is met (``pytest.xfail`` after
the floor, so a regression below today still fails)."""

from __future__ import annotations

import pytest

from hushscribe.bench.clients import KEYTERMS, run_pipecat, score_item, summarize_row

from .conftest import E2E_KEY
from .test_livekit import content_words_found

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def no_vad(real_server, call_excerpt):
    return run_pipecat(real_server.ws_url, E2E_KEY, call_excerpt.pcm, vad=False)


@pytest.fixture(scope="module")
def with_vad(real_server, call_excerpt):
    return run_pipecat(real_server.ws_url, E2E_KEY, call_excerpt.pcm, vad=True)


@pytest.fixture(scope="module")
def keyterms_run(real_server, clips_without_keyterms):
    return run_pipecat(real_server.ws_url, E2E_KEY, clips_without_keyterms.pcm, vad=True, keyterms=KEYTERMS)


@pytest.mark.parametrize("which", ["no_vad", "with_vad"])
def test_defaults_transcribe_the_call_in_order_and_close_cleanly(which, request, call_excerpt):
    run = request.getfixturevalue(which)
    assert not run.errors
    assert run.terminated, "Terminate must be answered by Termination within Pipecat's 5 s"
    assert run.finals and all(f.text.strip() for f in run.finals)
    assert run.turn_orders == sorted(run.turn_orders), "finals arrive in turn order"
    assert len(run.finals) >= len(call_excerpt.turns)
    found, words = content_words_found(call_excerpt, run)
    assert found >= 0.6 * len(words), (found, words, [f.text for f in run.finals])


def test_silero_vad_sends_force_endpoint(with_vad):
    """Each VADUserStoppedSpeakingFrame makes the service send ForceEndpoint; the server answers each with a
    final, so there are at least as many finals as VAD stops that followed speech."""
    assert with_vad.vad_stops >= 2
    assert len(with_vad.finals) >= with_vad.vad_stops - 1


def test_keyterms_at_connect_are_accepted(keyterms_run, clips_without_keyterms):
    assert not keyterms_run.errors and keyterms_run.terminated
    found, words = content_words_found(clips_without_keyterms, keyterms_run)
    assert found >= 0.6 * len(words), (found, words, [f.text for f in keyterms_run.finals])


def test_no_keyterms_in_turns_that_do_not_say_them(keyterms_run, clips_without_keyterms):
    hits = score_item(clips_without_keyterms, keyterms_run, KEYTERMS)["keyterm_hits"]
    assert len(hits) <= 4, hits  # floor: today's measured value (0-4 of the 6 possible, by run)
    if hits:
        pytest.xfail(f"issue 13: key terms written into turns that never say them: {hits}")


@pytest.mark.parametrize("which", ["no_vad", "with_vad"])
def test_no_invented_trailing_words(which, request, call_excerpt):
    s = score_item(call_excerpt, request.getfixturevalue(which), ())
    assert s["trailing_inserted_words"] <= 4, s["insertions"]  # floor: today's measured value
    if s["trailing_inserted_words"]:
        pytest.xfail(f"issue 13: words invented after the speech: {s['insertions']}")


@pytest.mark.parametrize("which", ["no_vad", "with_vad"])
def test_wer_close_to_the_sdk(which, request, call_excerpt, sdk_baseline):
    """Issue 13's target: each framework at its defaults within 2 WER points of the SDK at server defaults."""
    sdk = summarize_row([score_item(call_excerpt, sdk_baseline, ())])["wer"]
    run = request.getfixturevalue(which)
    mine = summarize_row([score_item(call_excerpt, run, ())])["wer"]
    assert mine <= 0.75, (mine, sdk, [f.text for f in run.finals])  # floor: today's 0.56, plus noise
    if mine > sdk + 0.02:
        pytest.xfail(f"issue 13: WER {mine:.3f} against the SDK's {sdk:.3f} (fragmented turns, no context): "
                     f"{[f.text for f in run.finals]}")

"""LiveKit Agents 1.8.9's ``assemblyai.STT`` at its own defaults (only ``base_url`` and the key changed)
against the real server: ``STT(...).stream()`` fed 20 ms ``rtc.AudioFrame``s at real-time pace, SpeechEvents
collected; with key terms on clips that do not say them.

What holds today is asserted outright; issue 13's targets are asserted as a floor at today's value and then
marked expected-failure until met (see test_pipecat.py)."""

from __future__ import annotations

import pytest

from hushscribe.bench.clients import KEYTERMS, ClientRun, Item, run_livekit, score_item, summarize_row
from hushscribe.bench.scoring import normalizer

from .conftest import E2E_KEY

pytestmark = pytest.mark.slow

STOPWORDS = {"the", "and", "you", "your", "for", "can", "what", "was", "not", "is", "to", "be", "an", "my", "we",
             "do", "so", "ask", "i", "a", "of", "need", "are"}


def content_words_found(item: Item, run: ClientRun) -> tuple[int, list[str]]:
    """How many of the reference's content words (Whisper-normalised, no stop words) the finals contain."""
    norm = normalizer()
    ref = [w for w in norm(" ".join(t.text for t in item.turns)).split() if w not in STOPWORDS and len(w) > 2]
    hyp = set(norm(" ".join(f.text for f in run.finals)).split())
    return sum(1 for w in ref if w in hyp), ref


@pytest.fixture(scope="module")
def defaults(real_server, call_excerpt):
    return run_livekit(real_server.ws_url, E2E_KEY, call_excerpt.pcm)


@pytest.fixture(scope="module")
def keyterms_run(real_server, clips_without_keyterms):
    return run_livekit(real_server.ws_url, E2E_KEY, clips_without_keyterms.pcm, keyterms=KEYTERMS)


def test_defaults_transcribe_the_call_and_close_cleanly(defaults, call_excerpt):
    assert not defaults.errors
    assert defaults.terminated
    assert defaults.finals and all(f.text.strip() for f in defaults.finals)
    starts = [f.words[0][0] for f in defaults.finals if f.words]
    assert starts == sorted(starts), "finals arrive in order"
    found, words = content_words_found(call_excerpt, defaults)
    assert found >= 0.6 * len(words), (found, words, [f.text for f in defaults.finals])


def test_keyterms_at_connect_are_accepted(keyterms_run, clips_without_keyterms):
    assert not keyterms_run.errors and keyterms_run.terminated
    found, words = content_words_found(clips_without_keyterms, keyterms_run)
    assert found >= 0.6 * len(words), (found, words, [f.text for f in keyterms_run.finals])


def test_no_keyterms_in_turns_that_do_not_say_them(keyterms_run, clips_without_keyterms):
    hits = score_item(clips_without_keyterms, keyterms_run, KEYTERMS)["keyterm_hits"]
    assert len(hits) <= 4, hits  # floor: today's measured value (0-4 of the 6 possible, by run)
    if hits:
        pytest.xfail(f"issue 13: key terms written into turns that never say them: {hits}")


def test_no_invented_trailing_words(defaults, call_excerpt):
    s = score_item(call_excerpt, defaults, ())
    assert s["trailing_inserted_words"] <= 4, s["insertions"]  # floor: today's measured value
    if s["trailing_inserted_words"]:
        pytest.xfail(f"issue 13: words invented after the speech: {s['insertions']}")


def test_wer_close_to_the_sdk(defaults, call_excerpt, sdk_baseline):
    run = defaults
    sdk = summarize_row([score_item(call_excerpt, sdk_baseline, ())])["wer"]
    mine = summarize_row([score_item(call_excerpt, defaults, ())])["wer"]
    assert mine <= 0.75, (mine, sdk, [f.text for f in defaults.finals])  # floor: today's 0.56, plus noise
    if mine > sdk + 0.02:
        pytest.xfail(f"issue 13: WER {mine:.3f} against the SDK's {sdk:.3f} (fragmented turns, no context): "
                     f"{[f.text for f in run.finals]}")

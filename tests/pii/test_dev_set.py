"""The labelled dev set (shared/pii/eval.jsonl + shared/audio/pii.jsonl) against the targets.

Targets: recall >= 0.97 on formatted PII, >= 0.90 on spoken-form PII, precision >= 0.90, and
no negative turn redacted. Scoring follows shared/pii/README.md (overlap + compatible policy).
Also run on tests/pii/data/extra_cases.jsonl: sentences written for these tests (not the dev
set) to check that the rules generalise beyond it.
"""

from __future__ import annotations

import pytest

from hushscribe.pii.bench import load_items, run_text_benchmark
from hushscribe.pii.policies import compatible

from .conftest import DATA

TARGETS = {"formatted_recall": 0.97, "spoken_recall": 0.90, "precision": 0.90}


@pytest.fixture(scope="module")
def dev_result(detector, dev_paths):
    return run_text_benchmark(dev_paths, detector=detector, repeats=1)


@pytest.fixture(scope="module")
def extra_result(detector):
    return run_text_benchmark(DATA / "extra_cases.jsonl", detector=detector, repeats=1)


def _metric(res: dict, name: str) -> float:
    return {"formatted_recall": res["formatted"]["recall"], "spoken_recall": res["spoken"]["recall"],
            "precision": res["precision"]}[name]


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_dev_targets(dev_result, name):
    value = _metric(dev_result, name)
    assert value >= TARGETS[name], f"{name} {value:.3f} < {TARGETS[name]}"


def test_dev_no_negative_redacted(dev_result):
    assert dev_result["negatives"]["redacted"] == 0, dev_result["negatives"]["ids"]
    assert dev_result["negatives"]["turns"] > 0


def test_dev_pii_chars_hashed(dev_result):
    assert dev_result["char_share"] >= 0.95


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_extra_targets(extra_result, name):
    value = _metric(extra_result, name)
    assert value >= TARGETS[name], f"{name} {value:.3f} < {TARGETS[name]}"


def test_extra_no_negative_redacted(extra_result):
    assert extra_result["negatives"]["redacted"] == 0, extra_result["negatives"]["ids"]


def test_latency_regression_guard(dev_result):
    # The 10 ms P95 target is measured with `bench` on an idle machine; under a loaded CI box
    # we only guard against order-of-magnitude regressions.
    assert dev_result["latency_ms"]["p50"] < 50


def _items(paths):
    out = []
    for p in paths:
        out.extend(load_items(p))
    return out


def test_every_dev_turn(detector, dev_paths):
    """Per-turn check over the whole dev set: gold spans found, negatives untouched."""
    failures = []
    for it in _items(dev_paths):
        pred = detector.detect(it.text)
        if it.form == "negative" and pred:
            failures.append((it.id, "negative redacted", [(s.policy, it.text[s.start:s.end]) for s in pred]))
        for a, b, label in it.spans:
            if not any(s.start < b and a < s.end and compatible(s.policy, label) for s in pred):
                failures.append((it.id, label, it.text[a:b]))
    assert not failures, failures

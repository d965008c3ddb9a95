"""The generated evaluation set (``bench/pii_synth.py``): reproducible, split without leaks, and
scored against floors at today's measured values (raise them as rules improve; never lower them).

Rule work looks at the dev part's misses only; the test part is reported as totals.
"""

from __future__ import annotations

import json
import re

import pytest

from hushscribe.bench.pii_synth import LABELS, NEGATIVE_TEMPLATES, TEMPLATES, Values, generate
from hushscribe.pii.bench import run_text_benchmark

from .conftest import DATA

SYNTH = DATA / "synth"

#: Measured 2026-12-04 (commit of this file); the issue's targets are in TARGETS.
FLOORS = {
    "dev": {"formatted": 0.99, "spoken": 0.98, "precision": 0.99, "negatives": 0.0},
    "test": {"formatted": 0.97, "spoken": 0.95, "precision": 0.99, "negatives": 0.0},
}
TARGETS = {"formatted": 0.98, "spoken": 0.95, "negatives": 0.02}


@pytest.mark.parametrize("part", ["dev", "test"])
def test_committed_files_are_what_the_generator_writes(part):
    committed = [json.loads(line) for line in (SYNTH / f"{part}.jsonl").read_text().splitlines()]
    assert committed == list(generate(part)), "run scripts/pii-eval-generate"


def test_spans_point_at_their_text():
    for part in ("dev", "test"):
        for row in generate(part):
            for s in row["spans"]:
                assert row["text"][s["start"] : s["end"]] == s["text"] and s["label"]


def test_parts_share_no_template_and_no_pooled_value():
    dev, test = list(generate("dev")), list(generate("test"))
    assert not {r["template"] for r in dev} & {r["template"] for r in test}
    assert {r["template"] for r in dev} | {r["template"] for r in test} == set(TEMPLATES) | set(NEGATIVE_TEMPLATES)
    vd, vt = Values("dev", None), Values("test", None)  # type: ignore[arg-type]
    for pool in ("first", "last", "streets", "cities", "orgs"):
        assert getattr(vd, pool) and getattr(vt, pool)
        assert not {str(v) for v in getattr(vd, pool)} & {str(v) for v in getattr(vt, pool)}


def test_every_kind_of_pii_is_in_both_parts():
    kinds = {lab for lab in LABELS.values()}
    for part in ("dev", "test"):
        labels = {s["label"] for r in generate(part) for s in r["spans"]}
        assert labels == kinds, part


def test_spoken_form_has_no_capitals_or_sentence_punctuation():
    for row in generate("dev"):
        if row["form"] == "spoken":
            assert not re.search(r"[A-Z?!,;]", row["text"]), row["text"]


@pytest.fixture(scope="module")
def scores(detector):
    out = {}
    for part in ("dev", "test"):
        r = run_text_benchmark(SYNTH / f"{part}.jsonl", detector=detector, repeats=1)
        out[part] = {"formatted": r["formatted"]["recall"], "spoken": r["spoken"]["recall"],
                     "precision": r["precision"], "negatives": r["negatives"]["redacted"] / r["negatives"]["turns"]}
    return out


@pytest.mark.parametrize("part", ["dev", "test"])
@pytest.mark.parametrize("metric", ["formatted", "spoken", "precision"])
def test_floor(scores, part, metric):
    assert scores[part][metric] >= FLOORS[part][metric], f"{part} {metric} {scores[part][metric]:.3f}"


@pytest.mark.parametrize("part", ["dev", "test"])
def test_negatives_floor(scores, part):
    assert scores[part]["negatives"] <= max(FLOORS[part]["negatives"], 0.0)


@pytest.mark.parametrize("metric", ["spoken", "negatives"])
def test_test_part_meets_the_issue_target(scores, metric):
    value = scores["test"][metric]
    assert value <= TARGETS[metric] if metric == "negatives" else value >= TARGETS[metric]


@pytest.mark.xfail(strict=False, reason="test-part written recall 0.977 < 0.98 target (issue 15)")
def test_test_part_written_recall_target(scores):
    assert scores["test"]["formatted"] >= TARGETS["formatted"]

"""Online speaker clustering (pure): labels in order of appearance, max_speakers, UNKNOWN."""

from __future__ import annotations

import numpy as np
import pytest

from hushscribe.speakers.clustering import UNKNOWN, SpeakerClusters, label_name


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_label_names_follow_assemblyai_letters():
    assert [label_name(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]


def test_same_speaker_keeps_its_label_and_a_new_one_gets_the_next_letter():
    c = SpeakerClusters()
    a1, a2, b = unit(1, 0.1, 0), unit(1, 0, 0.1), unit(0, 1, 0)
    assert [c.assign(x) for x in (a1, b, a2, b)] == ["A", "B", "A", "B"]
    assert c.speakers == 2


def test_threshold_decides_between_joining_and_a_new_speaker():
    x, y = unit(1, 0), unit(1, 1)  # cosine 0.707
    c = SpeakerClusters(threshold=0.7)
    assert [c.assign(x), c.assign(y)] == ["A", "A"]
    c = SpeakerClusters(threshold=0.75)
    assert [c.assign(x), c.assign(y)] == ["A", "B"]


@pytest.mark.parametrize("max_speakers", [1, 2])
def test_max_speakers_caps_the_labels(max_speakers):
    c = SpeakerClusters(max_speakers=max_speakers)
    labels = [c.assign(v) for v in (unit(1, 0, 0), unit(0, 1, 0), unit(0, 0.2, 1), unit(0.9, 0.1, 0))]
    assert len(set(labels)) == max_speakers
    assert labels[0] == labels[3] == "A"
    if max_speakers == 2:
        assert labels[1:3] == ["B", "B"]  # the third voice joins its nearest speaker


def test_centroid_is_the_running_mean():
    c = SpeakerClusters(threshold=0.8)
    c.assign(unit(1, 0))
    c.assign(unit(1, 0.5))  # cos 0.89: joins A, the centroid moves toward it
    assert c.assign(unit(1, 1)) == "A"  # cos to the moved centroid 0.83 (0.707 to the first alone)


def test_missing_or_broken_embeddings_are_unknown_and_change_nothing():
    c = SpeakerClusters()
    assert c.assign(None) == UNKNOWN
    assert c.assign(np.zeros(3)) == UNKNOWN
    assert c.assign(np.array([np.nan, 1.0, 0.0])) == UNKNOWN
    assert c.speakers == 0
    assert c.assign(unit(1, 0, 0)) == "A"


def test_only_a_long_enough_turn_starts_a_new_speaker():
    c = SpeakerClusters(threshold=0.8, min_founding_s=2.0)
    assert c.assign(unit(1, 0, 0), 1.2) == "A"  # the first speaker needs no minimum
    assert c.assign(unit(0, 1, 0), 1.5) == "A"  # too short to found B: joins the nearest
    assert c.assign(unit(0, 1, 0), 2.5) == "B"
    assert c.assign(unit(0, 1, 0.1), 1.0) == "B"

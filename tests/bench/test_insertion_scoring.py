"""bench.scoring: the insertion metrics of issue 13 (invented tails, key terms nobody said)."""

from __future__ import annotations

from hushscribe.bench.scoring import repeated_from_previous, term_insertions, trailing_insertions


def test_trailing_insertions_count_only_the_invented_end_of_each_final():
    ref = "the blind man counted his old coins"
    assert trailing_insertions(ref, ["The blind man.", "Counted his old coins."]) == 0
    assert trailing_insertions(ref, ["The blind man. Thank you.", "Counted his old coins. Okay."]) == 3
    # An insertion inside a final is ordinary WER, not a tail.
    assert trailing_insertions(ref, ["The blind old man.", "Counted his old coins."]) == 0
    assert trailing_insertions("", ["Thank you."]) == 2
    assert trailing_insertions(ref, []) == 0


def test_term_insertions_count_terms_beyond_the_reference():
    terms = ("Hester Prynne", "movable")
    assert term_insertions("the blind man", "The blind man. Hester Prynne movable.", terms) == 2
    assert term_insertions("hester prynne walked", "Hester Prynne walked.", terms) == 0
    assert term_insertions("hester prynne walked", "Hester Prynne walked. Hester Prynne.", terms) == 1
    assert term_insertions("the blind man", "Hester walked", terms) == 0


def test_repeated_from_previous_counts_carried_over_runs():
    assert repeated_from_previous(["My number is 771.", "My number is 90."]) == 3
    assert repeated_from_previous(["My number is 771.", "90 551."]) == 0
    assert repeated_from_previous(["Yes.", "Yes."]) == 0  # shorter than a 3-word run

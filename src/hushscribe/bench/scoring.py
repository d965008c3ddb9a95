"""Scores: word error rate (Whisper-normalised) and turn-boundary precision/recall."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def normalizer():
    from whisper_normalizer.english import EnglishTextNormalizer  # noqa: PLC0415  (optional: the bench/test extra, not in the runtime install)

    return EnglishTextNormalizer()


def corpus_wer(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """WER over a corpus (errors summed over all utterances / reference words), Whisper-normalised."""
    import jiwer  # noqa: PLC0415  (optional: the bench/test extra, not in the runtime install)

    norm = normalizer()
    refs = [norm(r) for r in references]
    hyps = [norm(h) for h in hypotheses]
    pairs = [(r, h) for r, h in zip(refs, hyps, strict=True) if r.strip()]
    return float(jiwer.wer([r for r, _ in pairs], [h for _, h in pairs]))


@dataclass(frozen=True)
class BoundaryScore:
    precision: float
    recall: float
    hyp_turns: int
    ref_turns: int
    splits: int  # reference turns covered by more than one hypothesis turn
    merges: int  # hypothesis turns that cover more than one reference turn
    spurious: int  # hypothesis turns overlapping no reference turn


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def turn_boundary_scores(
    reference: Sequence[tuple[int, int]], hypothesis: Sequence[tuple[int, int]], tolerance_ms: int = 150
) -> BoundaryScore:
    """One-to-one turn matching. A hypothesis turn (first word start, last word end) belongs to the
    reference turn it overlaps most; it *merges* when it also overlaps another reference turn by more
    than ``tolerance_ms``. A reference turn is found when exactly one hypothesis turn belongs to it
    and that turn merges nothing. Precision = correct hypothesis turns / hypothesis turns;
    recall = found reference turns / reference turns."""
    owners: dict[int, list[int]] = {}
    merges = spurious = 0
    merged: set[int] = set()
    for j, h in enumerate(hypothesis):
        overlaps = [_overlap(h, r) for r in reference]
        best = max(range(len(reference)), key=lambda i: overlaps[i]) if reference else -1
        if best < 0 or overlaps[best] == 0:
            spurious += 1
            continue
        if sum(1 for i, o in enumerate(overlaps) if i != best and o > tolerance_ms):
            merges += 1
            merged.add(j)
        owners.setdefault(best, []).append(j)
    found = 0
    correct_hyps = 0
    splits = 0
    for js in owners.values():
        if len(js) > 1:
            splits += 1
        if len(js) == 1 and js[0] not in merged:
            found += 1
            correct_hyps += 1
    n_h, n_r = len(hypothesis), len(reference)
    return BoundaryScore(
        precision=correct_hyps / n_h if n_h else 1.0,
        recall=found / n_r if n_r else 1.0,
        hyp_turns=n_h,
        ref_turns=n_r,
        splits=splits,
        merges=merges,
        spurious=spurious,
    )

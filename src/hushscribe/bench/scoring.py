"""Scores: word error rate (Whisper-normalised), turn-boundary precision/recall, and invented words
(trailing insertions, key terms nobody said)."""

from __future__ import annotations

import re
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


def trailing_insertions(reference: str, finals: Sequence[str]) -> int:
    """Words a recording's finals *end* with that the reference does not have (issue 13's invented tails:
    "… the blind man. Thank you."). The finals are aligned, as one text, to the reference (Whisper-normalised);
    an inserted word counts when every word after it in its final is inserted too. Inserted words inside a
    final (a misheard word split in two) are ordinary WER, not counted here."""
    import jiwer  # noqa: PLC0415  (optional: the bench/test extra, not in the runtime install)

    norm = normalizer()
    ref = norm(reference).split()
    pieces = [norm(f).split() for f in finals]
    hyp = [w for p in pieces for w in p]
    if not hyp:
        return 0
    if not ref:
        return len(hyp)
    inserted: set[int] = set()
    for chunk in jiwer.process_words(" ".join(ref), " ".join(hyp)).alignments[0]:
        if chunk.type == "insert":
            inserted.update(range(chunk.hyp_start_idx, chunk.hyp_end_idx))
    count = 0
    end = 0
    for p in pieces:
        end += len(p)
        k = end - 1
        while k >= end - len(p) and k in inserted:
            count += 1
            k -= 1
    return count


def term_insertions(reference: str, hypothesis: str, terms: Sequence[str]) -> int:
    """Occurrences of ``terms`` in the hypothesis beyond those in the reference (key terms written into speech
    that does not say them); case and punctuation ignored."""
    return sum(max(0, _count_term(hypothesis, t) - _count_term(reference, t)) for t in terms)


def _count_term(text: str, term: str) -> int:
    words = re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))
    want = re.findall(r"[a-z0-9']+", term.lower())
    n = len(want)
    return sum(1 for i in range(len(words) - n + 1) if n and words[i:i + n] == want)


def repeated_from_previous(finals: Sequence[str], n: int = 3) -> int:
    """Words of each final that repeat a run of ``n``+ words of the final before it (Whisper copying its
    previous-text prompt into the output). Compare a decode with context against one without: people repeat
    themselves too, the difference is the carry-over."""
    norm = normalizer()
    count = 0
    prev: list[str] = []
    for f in finals:
        words = norm(f).split()
        grams = {tuple(prev[i:i + n]) for i in range(len(prev) - n + 1)}
        hit = [False] * len(words)
        for i in range(len(words) - n + 1):
            if tuple(words[i:i + n]) in grams:
                for k in range(i, i + n):
                    hit[k] = True
        count += sum(hit)
        prev = words
    return count

"""Text benchmark for PII detection + rendering (the ``hushscribe bench pii`` numbers).

Why its own scorer: the project's scoring convention (``shared/pii/README.md``) is overlap
based: a gold span is found when a predicted span overlaps it with a compatible policy
(same policy, or one an umbrella of the other, see :func:`.policies.compatible`). We report:

* recall on formatted and on spoken-form gold spans (separately: they fail differently);
* precision: predicted spans that overlap a compatible gold span / all predicted spans
  (every prediction in a negative turn is a false positive);
* per-policy precision/recall/F1 (predicted ``location_*`` labels are counted under
  ``location``, the label the gold data uses);
* the share of PII characters (alphanumerics inside gold spans) that the ``hash`` rendering
  actually replaced -- this is what a reader of the transcript sees;
* the negative turns with any redaction;
* detection + rendering latency per turn (P50/P95, after a warm-up).

Inputs: ``eval.jsonl`` rows (``form``: formatted | spoken | negative) and/or audio ``pii.jsonl``
rows (``text`` = spoken form, ``written`` = formatted form; ``negative: true`` turns count as
negatives in both forms).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hushscribe.core.formatting import TimedWord

from .detector import get_detector
from .policies import UMBRELLAS, compatible
from .render import render_words
from .types import Span

__all__ = ["BenchItem", "load_items", "default_paths", "run_text_benchmark", "format_table"]


@dataclass(frozen=True)
class BenchItem:
    id: str
    form: str  # formatted | spoken | negative
    text: str
    spans: tuple[tuple[int, int, str], ...] = field(default_factory=tuple)


def default_paths() -> list[Path]:
    """``$HUSHSCRIBE_SHARED_DIR`` (else ``../shared`` next to the checkout): pii/eval.jsonl, audio/pii.jsonl."""
    env = os.environ.get("HUSHSCRIBE_SHARED_DIR")
    base = Path(env) if env else None
    if base is None:
        here = Path(__file__).resolve()
        for parent in here.parents:
            if (parent / "pyproject.toml").exists() and (parent.parent / "shared").is_dir():
                base = parent.parent / "shared"
                break
    if base is None:
        base = Path.cwd().parent / "shared"
    return [p for p in (base / "pii" / "eval.jsonl", base / "audio" / "pii.jsonl") if p.exists()]


def load_items(path: str | Path) -> list[BenchItem]:
    """Read either file format into bench items."""
    items: list[BenchItem] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            rid = str(row.get("id"))
            if "written" in row:  # audio pii.jsonl: spoken text + written form
                neg = bool(row.get("negative"))
                items.append(BenchItem(rid + ":text", "negative" if neg else "spoken", row["text"],
                                       tuple((s["start"], s["end"], s["label"]) for s in row.get("spans", []))))
                items.append(BenchItem(rid + ":written", "negative" if neg else "formatted", row["written"],
                                       tuple((s["start"], s["end"], s["label"]) for s in row.get("written_spans", []))))
            elif "pii" in row:  # compact test format: [[label, exact text], ...]
                spans = []
                pos = 0
                for label, frag in row["pii"]:
                    a = row["text"].find(frag, pos)
                    if a < 0:
                        raise ValueError(f"{path}: {frag!r} not in {row['text']!r}")
                    spans.append((a, a + len(frag), label))
                    pos = a + len(frag)
                items.append(BenchItem(str(row.get("id", len(items))), row.get("form", "formatted"), row["text"], tuple(spans)))
            else:
                items.append(BenchItem(rid, row.get("form", "formatted"), row["text"],
                                       tuple((s["start"], s["end"], s["label"]) for s in row.get("spans", []))))
    return items


def _family(policy: str) -> str:
    for umbrella, children in UMBRELLAS.items():
        if policy in children and umbrella == "location":
            return "location"
    return policy


def _hashed_share(text: str, pred: list[Span], gold: Sequence[tuple[int, int, str]]) -> tuple[int, int]:
    """(alnum chars of gold spans replaced by '#', alnum chars of gold spans)."""
    toks = text.split(" ")
    words = [TimedWord(t, 0, 0, 1.0) for t in toks]
    rendered = " ".join(w.text for w in render_words(words, pred, "hash"))
    hit = total = 0
    if len(rendered) != len(text):  # cannot happen: hash keeps length
        return 0, 0
    for a, b, _ in gold:
        for i in range(a, b):
            if text[i].isalnum():
                total += 1
                hit += rendered[i] == "#"
    return hit, total


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(q * (len(values) - 1)))))
    return values[k]


def run_text_benchmark(
    path: str | Path | Sequence[str | Path] | None = None,
    *,
    detector=None,
    policies: Sequence[str] | None = None,
    repeats: int = 3,
) -> dict:
    """Score the detector on one or more labelled files (default: :func:`default_paths`).

    Returns a dict with ``formatted``/``spoken`` recall, ``precision``, ``negatives``,
    ``char_share``, ``per_policy``, ``latency_ms`` and the lists ``misses`` /
    ``false_positives`` for inspection.
    """
    paths: list[str | Path]
    if path is None:
        paths = list(default_paths())
    elif isinstance(path, (str, Path)):
        paths = [path]
    else:
        paths = list(path)
    items: list[BenchItem] = []
    for p in paths:
        items.extend(load_items(p))
    if detector is None:
        detector = get_detector()
    detector.warm_up()

    recall = {"formatted": [0, 0], "spoken": [0, 0]}
    tp = fp = 0
    per_gold: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # found, total
    per_pred: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # correct, total
    neg_total = 0
    neg_redacted: list[str] = []
    chars_hit = chars_total = 0
    latencies: list[float] = []
    cpu: list[float] = []
    misses: list[dict] = []
    fps: list[dict] = []
    for it in items:
        words = [TimedWord(t, 0, 0, 1.0) for t in it.text.split(" ")]
        pred: list[Span] = []
        for _ in range(max(1, repeats)):
            t0, c0 = time.perf_counter(), time.thread_time()
            pred = detector.detect(it.text, policies)
            render_words(words, pred, "entity_name")
            latencies.append((time.perf_counter() - t0) * 1000.0)
            cpu.append((time.thread_time() - c0) * 1000.0)
        if it.form == "negative":
            neg_total += 1
            if pred:
                neg_redacted.append(it.id)
        for a, b, label in it.spans:
            ok = any(s.start < b and a < s.end and compatible(s.policy, label) for s in pred)
            if it.form in recall:
                recall[it.form][1] += 1
                recall[it.form][0] += ok
            per_gold[label][1] += 1
            per_gold[label][0] += ok
            if not ok:
                misses.append({"id": it.id, "form": it.form, "label": label, "text": it.text[a:b],
                               "turn": it.text,
                               "pred": [(s.policy, it.text[s.start:s.end]) for s in pred]})
        for s in pred:
            ok = any(s.start < b and a < s.end and compatible(s.policy, label) for a, b, label in it.spans)
            fam = _family(s.policy)
            per_pred[fam][1] += 1
            per_pred[fam][0] += ok
            if ok:
                tp += 1
            else:
                fp += 1
                fps.append({"id": it.id, "form": it.form, "policy": s.policy, "text": it.text[s.start:s.end],
                            "detector": s.detector, "turn": it.text})
        h, t = _hashed_share(it.text, pred, it.spans)
        chars_hit += h
        chars_total += t

    per_policy = {}
    for label in sorted(set(per_gold) | set(per_pred)):
        found, total = per_gold.get(label, [0, 0])
        correct, npred = per_pred.get(label, [0, 0])
        r = found / total if total else None
        prec = correct / npred if npred else None
        f1 = 2 * prec * r / (prec + r) if prec and r else (0.0 if (prec is not None and r is not None) else None)
        per_policy[label] = {"gold": total, "found": found, "pred": npred, "correct": correct,
                             "recall": r, "precision": prec, "f1": f1}
    return {
        "files": [str(p) for p in paths],
        "turns": len(items),
        "formatted": {"found": recall["formatted"][0], "gold": recall["formatted"][1],
                      "recall": recall["formatted"][0] / recall["formatted"][1] if recall["formatted"][1] else None},
        "spoken": {"found": recall["spoken"][0], "gold": recall["spoken"][1],
                   "recall": recall["spoken"][0] / recall["spoken"][1] if recall["spoken"][1] else None},
        "precision": tp / (tp + fp) if tp + fp else None,
        "tp": tp,
        "fp": fp,
        "negatives": {"turns": neg_total, "redacted": len(neg_redacted), "ids": neg_redacted},
        "char_share": chars_hit / chars_total if chars_total else None,
        "per_policy": per_policy,
        "latency_ms": {
            "p50": _pct(latencies, 0.50),
            "p95": _pct(latencies, 0.95),
            "mean": statistics.fmean(latencies) if latencies else 0.0,
            "max": max(latencies) if latencies else 0.0,
            "samples": len(latencies),
            # CPU time of the calling thread: less sensitive to other load on the machine
            "cpu_p50": _pct(cpu, 0.50),
            "cpu_p95": _pct(cpu, 0.95),
        },
        "presidio": bool(getattr(detector, "uses_presidio", False)),
        "misses": misses,
        "false_positives": fps,
    }


def _f(x) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def format_table(result: dict) -> str:
    """A plain-text summary table of :func:`run_text_benchmark`'s result."""
    lines = [
        f"PII text benchmark: {result['turns']} turns ({', '.join(Path(p).name for p in result['files'])})",
        f"  recall formatted  {_f(result['formatted']['recall'])}  ({result['formatted']['found']}/{result['formatted']['gold']})",
        f"  recall spoken     {_f(result['spoken']['recall'])}  ({result['spoken']['found']}/{result['spoken']['gold']})",
        f"  precision         {_f(result['precision'])}  ({result['tp']} tp, {result['fp']} fp)",
        f"  PII chars hashed  {_f(result['char_share'])}",
        f"  negatives redacted {result['negatives']['redacted']}/{result['negatives']['turns']}",
        f"  latency ms        p50 {result['latency_ms']['p50']:.2f}  p95 {result['latency_ms']['p95']:.2f}"
        f"  max {result['latency_ms']['max']:.2f}  (detect+render, {result['latency_ms']['samples']} runs)",
        f"  cpu time ms       p50 {result['latency_ms']['cpu_p50']:.2f}  p95 {result['latency_ms']['cpu_p95']:.2f}",
        "",
        f"  {'policy':28s} {'gold':>5s} {'found':>5s} {'pred':>5s} {'recall':>7s} {'prec':>7s} {'f1':>7s}",
    ]
    for label, m in result["per_policy"].items():
        lines.append(
            f"  {label:28s} {m['gold']:5d} {m['found']:5d} {m['pred']:5d} {_f(m['recall']):>7s} {_f(m['precision']):>7s} {_f(m['f1']):>7s}"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - manual run
    import sys

    res = run_text_benchmark(sys.argv[1:] or None)
    print(format_table(res))
    for m in res["misses"]:
        print("MISS", m["form"], m["label"], repr(m["text"]), "|", m["turn"], "|", m["pred"])
    for f in res["false_positives"]:
        print("FP  ", f["form"], f["policy"], repr(f["text"]), f["detector"], "|", f["turn"])

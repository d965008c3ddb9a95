"""``hushscribe bench models``: the scoring helpers, and one short real run (tiny.en, one clip, the
multilingual part over two languages)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hushscribe.bench import keyterms as bk
from hushscribe.bench import models as bm
from hushscribe.cli.main import main


def test_join_turns_spans():
    clips = [np.ones(16000, np.float32), np.ones(8000, np.float32)]
    stream, spans = bm.join_turns(clips, gap_s=1.0)
    assert spans == [(500, 1500), (2500, 3000)]
    assert len(stream) == 8000 + 16000 + 16000 + 8000 + 16000
    assert stream[: 8000].max() == 0 and stream[8000:24000].min() == 1


def _final(start, end, lang):
    return {"words": [{"start": start, "end": start + 100}, {"start": end - 100, "end": end}], "language_code": lang}


def test_finals_go_to_the_clip_they_overlap_most():
    spans = [(500, 2500), (4000, 6000)]
    finals = [_final(600, 1200, "es"), _final(1300, 2400, "es"), _final(3900, 5800, "fr"), {"words": []}]
    assert bm.languages_by_clip(finals, spans) == [["es", "es"], ["fr"]]
    # A final that starts in the gap, a little early, still belongs to the clip it overlaps.
    assert bm.languages_by_clip([_final(3700, 4600, "de")], spans) == [[], ["de"]]


def test_plain_words_and_wer_are_language_neutral():
    assert bm.plain_words("¿Qué tal? Ça va, Straße!") == ["qué", "tal", "ça", "va", "straße"]
    assert bm.plain_words("l’abonnement") == ["l'abonnement"]
    assert bm.wer(["Hola, buenos días."], ["hola buenos dias"]) == pytest.approx(1 / 3)
    assert bm.wer([""], ["x"]) == 0.0


def test_table_renders_a_report():
    result = {"english": {"bundled": {"load_s": 1.0, "rss_added_mb": 98, "english": {
        "clips": 2, "wer": 0.1, "decode_s_per_audio_s": 0.3, "decode_cpu_s_per_audio_s": 0.5}}},
        "multilingual_skipped": "--no-multilingual"}
    out = bm.table(result)
    assert "bundled" in out and "10.0%" in out and "skipped (--no-multilingual)" in out


@pytest.mark.slow
def test_bench_models_runs(tmp_path, capsys, monkeypatch):
    phrases = tuple(p for p in bm.PHRASES if p.language in ("es", "de"))[:3]
    monkeypatch.setattr(bm, "PHRASES", phrases)
    out = tmp_path / "models.json"
    args = ["bench", "models", "--models", "bundled", "--limit", "1", "--json", str(out)]
    if bk.espeak_binary() is None:
        args.append("--no-multilingual")
    assert main(args) == 0
    report = json.loads(out.read_text())
    e = report["english"]["bundled"]["english"]
    assert e["clips"] == 1 and 0 <= e["wer"] < 0.5 and e["decodes"] >= 1 and e["decode_cpu_s"] > 0
    (clip,) = e["per_clip"]
    assert clip["reference"] and clip["hypothesis"] and clip["wer"] == e["wer"]
    if "multilingual" in report:
        ml = report["multilingual"]
        assert set(ml["per_language"]) == {"es", "de"}
        assert ml["switching"]["turns_expected"] == 3
    assert "decode s / audio s" in capsys.readouterr().out

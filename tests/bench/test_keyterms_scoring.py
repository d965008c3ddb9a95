"""Scoring of ``hushscribe bench keyterms`` (no model, no TTS)."""

from __future__ import annotations

import numpy as np

from hushscribe.bench import keyterms as bk
from hushscribe.cli.main import build_parser


def test_contains_term_ignores_case_and_punctuation_but_not_word_bounds():
    assert bk.contains_term("Please refill the XARELTO, for Mr. Okonkwo.", "Xarelto")
    assert bk.contains_term("Dr. Oyelaran said so", "oyelaran")
    assert not bk.contains_term("the Xarelton prescription", "Xarelto")
    assert bk.contains_term("new york city", "New York")
    assert not bk.contains_term("york new", "New York")


def test_score_counts_recall_and_hallucinations():
    sents = (bk.Sentence("p", "Take Xarelto, Mr. Okonkwo.", ("Xarelto", "Okonkwo")),
             bk.Sentence("q", "Ask Doctor Adebayo.", ("Adebayo",)),
             bk.Sentence("n", "Thank you.", ()))
    terms = bk.all_keyterms(sents)
    assert terms == ("Xarelto", "Okonkwo", "Adebayo")
    s = bk.score(sents, {"p": "take xarelto mister oconco", "q": "ask doctor adebayo xarelto", "n": "thank you okonkwo"},
                 terms)
    assert (s["terms_recalled"], s["terms_spoken"], s["recall"]) == (2, 3, round(2 / 3, 4))
    assert s["missed"] == [{"id": "p", "term": "Okonkwo"}]
    assert s["hallucinated_in_negatives"] == 1 and s["hallucinated_in_positives"] == 1


def test_the_sentence_set():
    assert len(bk.POSITIVES) == 10 and len(bk.NEGATIVES) == 10
    terms = bk.all_keyterms()
    for s in bk.POSITIVES:
        assert s.terms and all(bk.contains_term(s.text, t) for t in s.terms)
    for s in bk.NEGATIVES:
        assert not any(bk.contains_term(s.text, t) for t in terms)


def test_wav_round_trip(tmp_path):
    audio = (0.5 * np.sin(np.arange(16000) / 10)).astype(np.float32)
    bk.write_wav_16k(tmp_path / "a.wav", audio)
    back = bk.read_wav_16k(tmp_path / "a.wav")
    assert back.shape == audio.shape and np.abs(back - audio).max() < 1e-3


def test_bench_keyterms_parses():
    args = build_parser().parse_args(["bench", "keyterms", "--json", "out.json", "--voice", "en-gb"])
    assert args.bench_command == "keyterms" and args.voice == "en-gb" and args.func.__name__ == "run_keyterms_bench"

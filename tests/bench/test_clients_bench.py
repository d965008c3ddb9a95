"""``hushscribe bench clients``: scoring of what a client saw (no server, no framework), the command line,
and the --short run against a spawned server (slow)."""

from __future__ import annotations

import json

import pytest

from hushscribe.bench import clients as bc
from hushscribe.bench.corpus import default_audio_dir, load_clips
from hushscribe.bench.stream import BYTES_PER_MS, LabelledTurn
from hushscribe.cli.main import build_parser


def bench(*argv: str) -> int:
    args = build_parser().parse_args(["bench", "clients", *argv])
    return args.func(args)


def _item(*turns: tuple[int, int, str]) -> bc.Item:
    end = max(e for _, e, _ in turns) + 1000
    return bc.Item("call", "call", b"\x00\x00" * (end * 16),
                   tuple(LabelledTurn("call", i, s, e, t) for i, (s, e, t) in enumerate(turns)))


def test_trailing_insertions_are_the_words_after_the_last_reference_word():
    assert bc.trailing_insertions("The blind man.", "The blind man. Hester Prynne movable") == ["hester", "prynne",
                                                                                             "movable"]
    assert bc.trailing_insertions("Try again.", "Try again. Thank you.") == ["thank", "you"]
    assert bc.trailing_insertions("try again", "Try again!") == []
    assert bc.trailing_insertions("a b c", "x a b") == []  # a leading insertion or a deletion is not a tail
    assert bc.trailing_insertions("counted his old coins", "counted his gold coin") == []  # substitutions are not
    assert bc.trailing_insertions("", "Okay.") == ["okay"]
    assert bc.trailing_insertions("hold on", "") == []


def test_score_item_assigns_finals_to_turns_and_counts_insertions_and_keyterms():
    item = _item((0, 2000, "The blind man."), (5000, 8000, "Counted his old coins."), (12000, 14000, "Movable type."))
    run = bc.ClientRun(finals=[
        bc.Final("The blind man. Hester Prynne movable", [(100, 500), (500, 900), (900, 1500), (1900, 1900),
                                                          (1900, 1950), (1950, 1950)]),
        bc.Final("Counted his", [(5100, 5600), (5600, 6000)]),
        bc.Final("old coins.", [(6400, 7000), (7000, 7900)]),
        bc.Final("Movable type.", [(12100, 12800), (12800, 13900)]),
        bc.Final("Thank you.", [(30000, 30400), (30400, 30800)]),  # far from every turn: spurious
    ], turn_orders=[0, 1, 2, 3, 4], terminated=True)
    s = bc.score_item(item, run, bc.KEYTERMS)
    assert s["finals"] == 5 and s["labelled_turns"] == 3 and s["finals_in_order"]
    assert s["trailing_inserted_words"] == 3 + 2  # "hester prynne movable" + the spurious "thank you"
    assert s["finals_with_insertions"] == 2
    # "movable" is said in turn 2, so only turn 0 counts, once per term
    assert sorted((h["turn"], h["term"]) for h in s["keyterm_hits"]) == [(0, "Hester Prynne"), (0, "movable")]
    row = bc.summarize_row([s])
    assert row["wer"] is not None and row["wer"] > 0
    assert row["trailing_words_per_50_finals"] == 50.0
    assert row["keyterms_inserted"] == 2 and row["errors"] == 0 and row["all_terminated"]


def test_a_clean_run_scores_zero():
    item = _item((0, 2000, "Hello there."), (4000, 6000, "General Kenobi."))
    run = bc.ClientRun(finals=[bc.Final("Hello there.", [(100, 1800)]), bc.Final("General Kenobi.", [(4100, 5900)])],
                       turn_orders=[0, 1], terminated=True)
    row = bc.summarize_row([bc.score_item(item, run, bc.KEYTERMS)])
    assert (row["wer"], row["trailing_inserted_words"], row["keyterms_inserted"], row["finals"]) == (0.0, 0, 0, 2)


def test_excerpt_and_join_clips_keep_turn_times():
    item = _item((0, 2000, "one"), (4000, 6000, "two"), (9000, 9500, "three"))
    cut = bc.excerpt(item, 5000)
    assert [t.text for t in cut.turns] == ["one", "two"]
    assert len(cut.pcm) == 7000 * BYTES_PER_MS  # half the 3 s gap after turn 1, at most 1 s
    joined = bc.join_clips([cut, item], gap_s=1.0)
    assert [t.start_ms for t in joined.turns] == [0, 4000, 8000, 12000, 17000]
    assert len(joined.pcm) == (7000 + 1000 + 10500) * BYTES_PER_MS


def test_table_lists_every_row():
    row = {"describe": "Pipecat defaults", "keyterms": ["x"], "wer": 0.25, "finals": 9, "labelled_turns": 6,
           "trailing_inserted_words": 2, "trailing_words_per_50_finals": 11.1, "keyterms_inserted": 1, "errors": 0}
    text = bc.table({"rows": [row, {**row, "keyterms": [], "wer": None}]})
    lines = text.splitlines()
    assert len(lines) == 4 and "9/6" in lines[2] and "0.250" in lines[2] and "11.1" in lines[2]
    assert lines[3].split("|")[7].strip() == "-"  # no key terms in the row: nothing to insert


def test_ws_urls():
    assert bc.ws_base("ws://127.0.0.1:8765/v3/ws") == "ws://127.0.0.1:8765"
    assert bc.ws_endpoint("ws://127.0.0.1:8765") == "ws://127.0.0.1:8765/v3/ws"


def test_cli_rejects_bad_arguments(capsys):
    assert bench("--settings", "sdk,nope", "--url", "ws://127.0.0.1:9") == 2
    assert "unknown --settings nope" in capsys.readouterr().err
    assert bench("--pace", "0", "--url", "ws://127.0.0.1:9") == 2


@pytest.mark.slow
def test_short_run_writes_the_report(tmp_path, capsys):
    """The quick mode against a spawned server: one call, two clips, the SDK row with and without key terms."""
    out = tmp_path / "clients.json"
    # The SDK waits for Termination itself: no settling needed, and 4x real time keeps the test short.
    assert bench("--spawn", "--short", "--settings", "sdk", "--pace", "4", "--settle-s", "0", "--json", str(out)) == 0
    r = json.loads(out.read_text())
    shortest = min(bc.load_calls(default_audio_dir()), key=lambda c: c.duration_ms).id
    available = {c.id for c in load_clips(default_audio_dir())}  # the repository's subset lacks lj001-0007
    clips = [c for c in ("jfk", "lj001-0007") if c in available]
    assert [i["id"] for i in r["items"]] == [shortest, *clips]
    assert [(row["setting"], row["keyterms"]) for row in r["rows"]] == [("sdk", []), ("sdk", list(bc.KEYTERMS))]
    for row in r["rows"]:
        assert row["errors"] == 0 and row["all_terminated"] and row["finals_in_order"]
        assert row["labelled_turns"] == sum(i["labelled_turns"] for i in r["items"])
        assert row["finals"] >= 3 and 0 <= row["wer"] < 0.5
        assert {"trailing_inserted_words", "trailing_words_per_50_finals", "keyterms_inserted",
                "finals_with_insertions"} <= set(row)
        assert len(row["per_item"]) == 1 + len(clips)
    # lj001-0007 says "movable": with the key terms it must not count as inserted there
    if "lj001-0007" in available:
        with_terms = r["rows"][1]["per_item"][2]
        assert all(h["term"] != "movable" or h["turn"] is None for h in with_terms["keyterm_hits"])
    assert "SDK, server defaults" in capsys.readouterr().out

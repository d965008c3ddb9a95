"""``hushscribe transcribe``: output formats and argument errors (no model loaded)."""

from __future__ import annotations

import re

import pytest

from hushscribe.cli.main import main
from hushscribe.cli.transcribe import cue_times, final_turns, timestamp, to_srt, to_txt, to_vtt

SRT_CUE = re.compile(r"^(\d+)\n(\d\d:\d\d:\d\d,\d\d\d) --> (\d\d:\d\d:\d\d,\d\d\d)\n(.+)\n?$")
VTT_CUE = re.compile(r"^(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)\n(.+)\n?$")


def to_ms(ts: str) -> int:
    h, m, rest = ts.replace(",", ".").split(":")
    s, ms = rest.split(".")
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def check_srt(text: str) -> list[tuple[int, int, str]]:
    """Parse an SRT file strictly: numbered cues from 1, well-formed times, monotonic, non-empty."""
    cues, prev_end = [], 0
    for i, block in enumerate(text.strip("\n").split("\n\n"), 1):
        m = SRT_CUE.match(block)
        assert m, f"malformed SRT cue: {block!r}"
        assert int(m[1]) == i
        a, b = to_ms(m[2]), to_ms(m[3])
        assert prev_end <= a < b, (prev_end, a, b)
        prev_end = b
        cues.append((a, b, m[4]))
    return cues


def check_vtt(text: str) -> list[tuple[int, int, str]]:
    assert text.startswith("WEBVTT\n\n")
    cues, prev_end = [], 0
    for block in text[len("WEBVTT\n\n"):].strip("\n").split("\n\n"):
        m = VTT_CUE.match(block)
        assert m, f"malformed WebVTT cue: {block!r}"
        a, b = to_ms(m[1]), to_ms(m[2])
        assert prev_end <= a < b and "-->" not in m[3], (prev_end, a, b)
        prev_end = b
        cues.append((a, b, m[3]))
    return cues


def turn(order: int, text: str, start: int, end: int, formatted: bool = True) -> dict:
    words = text.split()
    step = (end - start) // len(words)
    return {"type": "Turn", "turn_order": order, "turn_is_formatted": formatted, "end_of_turn": True,
            "transcript": text, "end_of_turn_confidence": 0.9, "utterance": "",
            "words": [{"text": w, "start": start + i * step, "end": end if i == len(words) - 1 else start + (i + 1) * step, "confidence": 0.9,
                       "word_is_final": True} for i, w in enumerate(words)]}


def test_timestamps():
    assert timestamp(0, ",") == "00:00:00,000"
    assert timestamp(3_723_456, ",") == "01:02:03,456"
    assert timestamp(59_999, ".") == "00:00:59.999"


def test_cues_are_monotonic_even_when_turns_touch_or_are_empty_in_time():
    turns = [turn(0, "one two", 0, 1000), turn(1, "three", 900, 900), turn(2, "four", 5000, 6000)]
    assert cue_times(turns) == [(0, 1000), (1000, 1001), (5000, 6000)]


def test_srt_and_vtt_shapes():
    turns = [turn(0, "Hello there.", 120, 1500), turn(1, "Second --> turn.", 2000, 4000)]
    srt = check_srt(to_srt(turns))
    assert srt == [(120, 1500, "Hello there."), (2000, 4000, "Second -> turn.")]  # no cue-time lookalike
    vtt = check_vtt(to_vtt(turns))
    assert [c[:2] for c in vtt] == [(120, 1500), (2000, 4000)]
    assert to_txt(turns) == "Hello there.\nSecond --> turn.\n"


def test_final_turns_prefers_the_formatted_final_and_drops_partials_and_empties():
    msgs = [{"type": "Begin"}, dict(turn(0, "hello", 0, 500, formatted=False), end_of_turn=False),
            turn(0, "hello", 0, 500, formatted=False), turn(0, "Hello.", 0, 500),
            turn(1, "x", 600, 700, formatted=False) | {"transcript": " "}, {"type": "Termination"}]
    assert [t["transcript"] for t in final_turns(msgs, formatted=True)] == ["Hello."]
    assert [t["transcript"] for t in final_turns(msgs, formatted=False)] == ["hello"]


def test_missing_file_and_undecodable_file(tmp_path, capsys):
    assert main(["transcribe", str(tmp_path / "nope.wav")]) == 2
    assert "no such file" in capsys.readouterr().err
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"not audio at all" * 10)
    assert main(["transcribe", str(junk)]) == 2
    assert "cannot decode" in capsys.readouterr().err


def test_several_files_in_a_subtitle_format_need_out(tmp_path, capsys):
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    a.write_bytes(b""), b.write_bytes(b"")
    assert main(["transcribe", str(a), str(b), "--format", "srt"]) == 2
    assert "--out" in capsys.readouterr().err


def test_bad_policy_is_refused_with_the_api_wording(tmp_path, capsys):
    a = tmp_path / "a.wav"
    a.write_bytes(b"")
    assert main(["transcribe", str(a), "--redact-pii", "--policies", "person_name,shoe_size"]) == 2
    assert "redact_pii_policies" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["transcribe", "--help"], ["transcribe", "x", "--format", "doc"],
                                  ["transcribe", "x", "--sub", "stars"]])
def test_argument_parsing(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == (0 if "--help" in argv else 2)

"""Compressed client audio: raw Opus packets, Ogg Opus cut anywhere, AAC/ADTS (protocol §3.3 encodings)."""

from __future__ import annotations

import numpy as np
import pytest
from assemblyai.streaming.v3.models import Encoding

from hushscribe.bench.codecs import adts_aac, cut, ogg_opus, opus_packets, to_48k
from hushscribe.core.audio import ENGINE_RATE_HZ, AudioDecoder
from hushscribe.core.compressed import MAX_BAD_MESSAGES, OggPackets, UndecodableAudio
from hushscribe.core.params import ENCODINGS

from .conftest import Driver, make_session, pattern, s16le, silence, sine


def tone(ms: int = 1000, freq: float = 440.0) -> np.ndarray:
    return sine(ms, freq=freq)


def dominant_hz(x: np.ndarray, rate: int = ENGINE_RATE_HZ) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


def decode_all(encoding: str, messages: list[bytes]) -> tuple[np.ndarray, AudioDecoder]:
    dec = AudioDecoder(encoding, 16000)
    parts = [dec.decode(msg) for msg in messages] + [dec.flush()]
    return np.concatenate(parts), dec


def test_every_sdk_encoding_is_accepted():
    assert {e.value for e in Encoding} == set(ENCODINGS)


def test_ogg_packets_do_not_depend_on_where_the_stream_is_cut():
    data = ogg_opus(to_48k(tone(600)))
    whole = OggPackets().feed(data)
    assert whole[0].startswith(b"OpusHead") and whole[1].startswith(b"OpusTags")
    assert len(whole) > 25  # 600 ms of 20 ms packets
    for sizes in ([1], [7, 300], [4096]):
        parser = OggPackets()
        assert [p for piece in cut(data, sizes) for p in parser.feed(piece)] == whole


def test_ogg_packets_skip_junk_before_a_page():
    data = ogg_opus(to_48k(tone(200)))
    assert OggPackets().feed(b"garbage!" + data) == OggPackets().feed(data)


@pytest.mark.parametrize("encoding", ["opus", "ogg_opus", "aac"])
def test_decoded_tone_keeps_pitch_and_length(encoding):
    x = tone(1000)
    if encoding == "opus":
        messages = opus_packets(to_48k(x))
    elif encoding == "ogg_opus":
        messages = cut(ogg_opus(to_48k(x)), [500, 13])
    else:
        messages = cut(adts_aac(x), [333])
    y, dec = decode_all(encoding, messages)
    assert abs(len(y) - len(x)) < 0.1 * len(x)  # codec padding only
    assert dec.seconds_in == pytest.approx(1.0, abs=0.1)
    assert dominant_hz(y[2000:14000]) == pytest.approx(440, abs=5)
    assert np.sqrt(np.mean(y[2000:14000] ** 2)) == pytest.approx(np.sqrt(np.mean(x**2)), rel=0.2)


def test_ogg_opus_is_time_aligned_after_pre_skip():
    """A click at 500 ms comes out at 500 ms: the OpusHead pre-skip is dropped, nothing else."""
    x = silence(1000)
    x[8000:8080] = 0.8
    y, _ = decode_all("ogg_opus", cut(ogg_opus(to_48k(x), bit_rate=64000), [1000]))
    onset = int(np.argmax(np.abs(y) > 0.3))
    assert abs(onset - 8000) <= 16  # within 1 ms


def test_chunked_decoding_equals_whole_decoding():
    data = ogg_opus(to_48k(tone(800)))
    whole, _ = decode_all("ogg_opus", [data])
    pieces, _ = decode_all("ogg_opus", cut(data, [37, 1, 900]))
    np.testing.assert_allclose(pieces, whole, atol=1e-6)


@pytest.mark.parametrize("encoding", ["opus", "ogg_opus", "aac"])
def test_pcm_sent_as_compressed_is_refused_after_a_few_messages(encoding):
    """The likely mistake: a client streams 100 ms PCM chunks but says encoding=opus/aac. (Raw Opus has
    no sync word: short byte strings can be valid packets, so only undecodable ones count.)"""
    dec = AudioDecoder(encoding, 16000)
    pcm = s16le(tone(100))
    with pytest.raises(UndecodableAudio):
        for _ in range(MAX_BAD_MESSAGES + 50):
            dec.decode(pcm)


def test_ogg_stream_must_start_with_opus_head():
    dec = AudioDecoder("ogg_opus", 16000)
    vorbis_like = ogg_opus(to_48k(tone(100))).replace(b"OpusHead", b"OpusHexd", 1)
    with pytest.raises(UndecodableAudio):
        dec.decode(vorbis_like)


def test_session_with_undecodable_audio_closes_3006():
    s = make_session(encoding="opus")
    d = Driver(s)
    for _ in range(MAX_BAD_MESSAGES):
        d.audio(b"\xff" * 3)
    assert s.close is not None and s.close[0] == 3006
    (err,) = [msg for msg in d.messages if msg["type"] == "Error"]
    assert err["error"].startswith("Invalid Audio:")


def test_opus_session_gives_a_turn_and_counts_the_audio():
    """Raw Opus packets of 20 ms (below the 50 ms PCM minimum) are one message each."""
    probs = pattern(("s", 10), ("v", 40), ("s", 60))
    audio = np.concatenate([silence(320), tone(1280), silence(1920)])
    s = make_session(probs, encoding="opus")
    d = Driver(s)
    for packet in opus_packets(to_48k(audio)):
        d.audio(packet)
    d.text('{"type":"Terminate"}')
    assert len(d.finals()) == 1
    assert d.messages[-1]["type"] == "Termination"
    assert d.messages[-1]["audio_duration_seconds"] == 4
    assert s.audio_seconds == pytest.approx(3.52, abs=0.05)

"""Run the streaming pipeline in-process over a recording, decoding synchronously.

Why: the session core works in audio time, so feeding a file through it with an immediate engine
gives exactly the turns a real-time stream would get. Used for evaluation and file transcription.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Sequence

from ..core.params import SessionParams
from ..core.ports import Engine, Redactor, VoiceDetector
from ..core.session import SessionProtocol, SessionSettings


def run_offline(
    pcm: bytes | Sequence[bytes],
    params: SessionParams,
    engine: Engine,
    vad: VoiceDetector,
    *,
    chunk_ms: int = 100,
    settings: SessionSettings = SessionSettings(),
    redactor: Redactor | None = None,
) -> list[dict]:
    """All messages the session would send for ``pcm`` followed by ``Terminate``. ``pcm`` is cut into
    ``chunk_ms`` messages; a sequence of byte strings is sent as those messages (raw Opus packets)."""
    session = SessionProtocol("offline", params, vad.new_stream(), clock=time.monotonic, settings=settings,
                              redactor=redactor)
    out: list[dict] = []
    step = max(2, params.sample_rate * chunk_ms // 1000 * (2 if params.encoding == "pcm_s16le" else 1))

    def drain() -> None:
        while True:
            out.extend(session.messages_to_send())
            requests = session.requests_to_run()
            if not requests:
                return
            for req in requests:
                if req.kind == "partial":
                    session.receive_result(req.job_id, None)  # offline: finals only, no partial cost
                    continue
                try:
                    result = engine.transcribe(req)
                except Exception as exc:
                    session.receive_result(req.job_id, None, type(exc).__name__)
                else:
                    session.receive_result(req.job_id, result)

    messages = [pcm[i : i + step] for i in range(0, len(pcm), step)] if isinstance(pcm, bytes) else pcm
    for message in messages:
        session.receive_audio(message)
        drain()
    session.receive_text('{"type":"Terminate"}')
    drain()
    return out


def final_turns(messages: Iterable[dict], formatted: bool | None = None) -> list[dict]:
    """Final Turn messages; ``formatted`` picks the formatted/unformatted finals (None: first of each turn)."""
    finals = [msg for msg in messages if msg.get("type") == "Turn" and msg.get("end_of_turn")]
    if formatted is None:
        return [next(g) for _, g in itertools.groupby(finals, key=lambda x: x["turn_order"])]
    return [f for f in finals if f["turn_is_formatted"] == formatted]

"""What a redact_pii session leaves behind for its owner: the audit trail and the redacted audio copy.

Why a store of its own: both outlive the WebSocket (the client fetches them after ``Termination``),
both must be handed only to whoever opened the session, and both must go away on their own: the
audio after its one download or ``redacted_audio_ttl_s``, the audit trail ``audit_ttl_s`` after the
session ended. Memory only, in this process (with several replicas a download must reach the replica
that ran the session; ``--redacted-audio directory`` and ``--audit-dir`` do not have that limit).

"Whoever opened the session" is the API-key pseudonym (:meth:`Authenticator.key_id`): the key that
opened it, or for a temporary token the key that minted the token. Fetching takes the API key itself
(a temporary token cannot fetch: it is single-use and meant for a browser's one session).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class _Entry:
    key_id: str
    audit: list[dict] = field(default_factory=list)
    audit_until: float | None = None  # None while the session is open
    audio: bytes | None = None
    audio_until: float = 0.0


class SessionArtifacts:
    def __init__(self, *, audio_ttl_s: float, audit_ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self.audio_ttl_s = audio_ttl_s
        self.audit_ttl_s = audit_ttl_s
        self._clock = clock
        self._entries: dict[str, _Entry] = {}

    # -- the session side ------------------------------------------------------------------
    def open(self, session_id: str, key_id: str) -> None:
        self._entries[session_id] = _Entry(key_id)

    def add_audit(self, session_id: str, records: list[dict]) -> None:
        entry = self._entries.get(session_id)
        if entry is not None and self.audit_ttl_s > 0:
            entry.audit.extend(records)

    def put_audio(self, session_id: str, wav: bytes) -> None:
        entry = self._entries.get(session_id)
        if entry is not None:
            entry.audio = wav
            entry.audio_until = self._clock() + self.audio_ttl_s

    def end(self, session_id: str) -> None:
        """The session is over: its audit trail now counts down ``audit_ttl_s``."""
        entry = self._entries.get(session_id)
        if entry is not None:
            entry.audit_until = self._clock() + self.audit_ttl_s
        self.sweep()

    # -- the owner's side --------------------------------------------------------------------
    def take_audio(self, session_id: str, key_id: str) -> bytes | None:
        """The redacted WAV, once: it is forgotten as it is handed out. None when there is none (never
        made, already taken, expired) or ``key_id`` did not open the session (the same answer, so a
        stranger learns nothing of which sessions exist)."""
        self.sweep()
        entry = self._entries.get(session_id)
        if entry is None or entry.key_id != key_id or entry.audio is None:
            return None
        wav, entry.audio = entry.audio, None
        self.sweep()
        return wav

    def audit(self, session_id: str, key_id: str) -> list[dict] | None:
        self.sweep()
        entry = self._entries.get(session_id)
        if entry is None or entry.key_id != key_id or self.audit_ttl_s <= 0:
            return None
        return list(entry.audit)

    def sweep(self) -> None:
        """Forget expired copies and trails; an entry with neither left goes."""
        now = self._clock()
        for sid, e in list(self._entries.items()):
            if e.audio is not None and now >= e.audio_until:
                e.audio = None
            if e.audit_until is not None and now >= e.audit_until:
                e.audit = []
                if e.audio is None:
                    del self._entries[sid]

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def audio_bytes(self) -> int:
        return sum(len(e.audio) for e in self._entries.values() if e.audio is not None)


def _private_file(path: Path, flags: int) -> int:
    return os.open(path, flags | os.O_WRONLY | os.O_CREAT, 0o600)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (mode 0600) atomically: a reader never sees a half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = _private_file(tmp, os.O_TRUNC)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def append_jsonl(path: Path, records: list[dict]) -> None:
    """Append records as JSON lines to ``path`` (created 0600)."""
    fd = _private_file(path, os.O_APPEND)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")

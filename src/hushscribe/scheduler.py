"""One inference scheduler for all sessions.

Why: the CPU is the scarce resource. Every decode of every session goes through one priority queue
served by a fixed number of worker threads, so finals (on the end-of-turn latency path) always run
before partials, a partial that waited too long is skipped rather than run late, inference never
blocks the event loop, and an engine failure reaches the session that asked instead of being lost.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from .core.ports import DecodeRequest, DecodeResult, Engine

log = logging.getLogger(__name__)

Callback = Callable[[DecodeRequest, DecodeResult | None, str | None], None]


@dataclass(order=True)
class _Item:
    priority: int
    seq: int
    request: DecodeRequest = field(compare=False)
    callback: Callback = field(compare=False)
    enqueued: float = field(compare=False)
    is_wanted: Callable[[], bool] | None = field(compare=False, default=None)


@dataclass
class SchedulerStats:
    decodes: int = 0
    skipped_partials: int = 0
    cancelled: int = 0
    failures: int = 0
    busy_s: float = 0.0
    audio_s: float = 0.0
    decode_seconds: list[float] = field(default_factory=list)


class InferenceScheduler:
    def __init__(self, engine: Engine, workers: int = 1, max_partial_wait_s: float = 1.0):
        self.engine = engine
        self.workers = workers
        self.max_partial_wait_s = max_partial_wait_s
        self.stats = SchedulerStats()
        self.on_decode: Callable[[DecodeRequest, float], None] | None = None  # metrics hooks
        self.on_skip: Callable[[DecodeRequest], None] | None = None
        # Runs in the worker thread after a decode (rendering + PII redaction of finals), so that
        # no per-turn CPU work lands on the event loop.
        self.postprocess: Callable[[DecodeRequest, DecodeResult], DecodeResult] | None = None
        self._queue: asyncio.PriorityQueue[_Item] | None = None
        self._seq = itertools.count()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="decode")
        self._tasks: list[asyncio.Task] = []

    @property
    def queue_depth(self) -> int:
        return self._queue.qsize() if self._queue is not None else 0

    async def start(self) -> None:
        self._queue = asyncio.PriorityQueue()
        self._tasks = [asyncio.create_task(self._worker(), name=f"decode-worker-{i}") for i in range(self.workers)]

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self._executor.shutdown(wait=True, cancel_futures=True)

    def submit(self, request: DecodeRequest, callback: Callback, is_wanted: Callable[[], bool] | None = None) -> None:
        """Queue a decode. ``is_wanted`` is asked just before it runs; work nobody wants any more
        (a session's pause ended in more speech) is skipped and reported as ``(None, None)``."""
        assert self._queue is not None, "scheduler not started"
        self._queue.put_nowait(_Item(request.priority, next(self._seq), request, callback, time.monotonic(), is_wanted))

    def _run(self, req: DecodeRequest) -> DecodeResult:
        result = self.engine.transcribe(req)
        if self.postprocess is not None:
            result = self.postprocess(req, result)
        return result

    async def _worker(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            item = await self._queue.get()
            req = item.request
            if item.is_wanted is not None and not item.is_wanted():
                self.stats.cancelled += 1
                _deliver(item.callback, req, None, None)
                continue
            if req.kind == "partial" and time.monotonic() - item.enqueued > self.max_partial_wait_s:
                self.stats.skipped_partials += 1
                if self.on_skip is not None:
                    self.on_skip(req)
                _deliver(item.callback, req, None, None)
                continue
            t0 = time.perf_counter()
            try:
                result = await loop.run_in_executor(self._executor, self._run, req)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the session decides what a failure means (3005 for finals)
                self.stats.failures += 1
                log.error("decode failed: %s", type(exc).__name__)
                _deliver(item.callback, req, None, f"{type(exc).__name__}")
                continue
            dt = time.perf_counter() - t0
            self.stats.decodes += 1
            self.stats.busy_s += dt
            self.stats.audio_s += req.duration_ms / 1000
            if self.on_decode is not None:
                self.on_decode(req, dt)
            _deliver(item.callback, req, result, None)


def _deliver(callback: Callback, req: DecodeRequest, result: DecodeResult | None, error: str | None) -> None:
    try:
        callback(req, result, error)
    except Exception:  # one broken session must not kill the worker
        log.exception("decode callback failed")

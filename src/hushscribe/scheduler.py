"""One inference scheduler for all sessions.

Why: the CPU is the scarce resource. Every decode of every session goes through one priority queue
served by a fixed number of worker threads, so finals (on the end-of-turn latency path) always run
before partials, a partial that waited too long is skipped rather than run late, inference never
blocks the event loop, and an engine failure reaches the session that asked instead of being lost.
Finals waiting together are grouped into one engine call when the engine offers a cheaper batched
call (``core.ports.BatchEngine``); Whisper on CPU does not, so there each final runs alone.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

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
    batches: int = 0  # engine calls (a batch of finals is one call)
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
        self._tasks: list[asyncio.Task[None]] = []
        self._waiting_finals = 0  # final-kind requests queued, not yet taken by a worker

    @property
    def queue_depth(self) -> int:
        return self._queue.qsize() if self._queue is not None else 0

    @property
    def backed_up(self) -> bool:
        """Finals are waiting for a worker: speculative work should hold back (see TurnMachine)."""
        return self._waiting_finals > 0

    async def start(self) -> None:
        self._queue = asyncio.PriorityQueue()
        # Start every worker thread now (the pool would start them lazily, one per busy moment):
        # a fixed thread count from the start, and no thread start-up on the latency path.
        barrier = threading.Barrier(self.workers)
        await asyncio.gather(*(asyncio.get_running_loop().run_in_executor(self._executor, barrier.wait)
                               for _ in range(self.workers)))
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
        self._put(_Item(request.priority, next(self._seq), request, callback, time.monotonic(), is_wanted))

    def _put(self, item: _Item) -> None:
        assert self._queue is not None
        self._waiting_finals += item.request.kind == "final"
        self._queue.put_nowait(item)

    def _took(self, item: _Item) -> _Item:
        self._waiting_finals -= item.request.kind == "final"
        return item

    def _run(self, req: DecodeRequest) -> DecodeResult:
        result = self.engine.transcribe(req)
        if self.postprocess is not None:
            result = self.postprocess(req, result)
        return result

    def _run_batch(self, reqs: list[DecodeRequest]) -> list[DecodeResult]:
        results: list[DecodeResult] = self.engine.transcribe_batch(reqs)  # type: ignore[attr-defined]
        if self.postprocess is not None:
            results = [self.postprocess(r, res) for r, res in zip(reqs, results, strict=False)]
        return results

    @property
    def max_batch(self) -> int:
        """Finals grouped into one engine call (1: the engine has no cheaper batched call)."""
        n = int(getattr(self.engine, "max_batch", 0) or 0)
        return n if n > 1 and hasattr(self.engine, "transcribe_batch") else 1

    def _admit(self, item: _Item) -> bool:
        """Whether ``item`` should run now; unwanted work and late partials are answered at once."""
        req = item.request
        if item.is_wanted is not None and not item.is_wanted():
            self.stats.cancelled += 1
            _deliver(item.callback, req, None, None)
            return False
        if req.kind == "partial" and time.monotonic() - item.enqueued > self.max_partial_wait_s:
            self.stats.skipped_partials += 1
            if self.on_skip is not None:
                self.on_skip(req)
            _deliver(item.callback, req, None, None)
            return False
        return True

    def _more_finals(self, batch: list[_Item]) -> None:
        """Add queued finals of other requests to ``batch`` (the queue is ordered: finals first)."""
        assert self._queue is not None
        while len(batch) < self.max_batch and not self._queue.empty():
            item = self._took(self._queue.get_nowait())
            if item.request.kind != "final":
                self._put(item)  # a partial: it waits for the next round
                return
            if self._admit(item):
                batch.append(item)

    async def _worker(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            item = self._took(await self._queue.get())
            if not self._admit(item):
                continue
            batch = [item]
            if item.request.kind == "final" and self.max_batch > 1:
                self._more_finals(batch)
            reqs = [it.request for it in batch]
            t0 = time.perf_counter()
            try:
                if len(batch) == 1:
                    results = [await loop.run_in_executor(self._executor, self._run, reqs[0])]
                else:
                    results = await loop.run_in_executor(self._executor, self._run_batch, reqs)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the session decides what a failure means (3005 for finals)
                self.stats.failures += len(batch)
                log.error("decode failed: %s", type(exc).__name__)
                for it in batch:
                    _deliver(it.callback, it.request, None, f"{type(exc).__name__}")
                continue
            dt = time.perf_counter() - t0
            self.stats.decodes += len(batch)
            self.stats.batches += 1
            self.stats.busy_s += dt
            for it, result in zip(batch, results, strict=False):
                self.stats.audio_s += it.request.duration_ms / 1000
                if self.on_decode is not None:
                    self.on_decode(it.request, dt)
                _deliver(it.callback, it.request, result, None)


def _deliver(callback: Callback, req: DecodeRequest, result: DecodeResult | None, error: str | None) -> None:
    try:
        callback(req, result, error)
    except Exception:  # one broken session must not kill the worker
        log.exception("decode callback failed")

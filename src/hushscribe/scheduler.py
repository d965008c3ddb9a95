"""One inference scheduler for all sessions.

Why: the CPU is the scarce resource. Every decode of every session goes through one priority queue
served by a fixed number of worker threads, so finals (on the end-of-turn latency path) always run
before partials, a partial that waited too long is skipped rather than run late, inference never
blocks the event loop, and an engine failure reaches the session that asked instead of being lost.
Finals waiting together are grouped into one engine call when the engine offers a cheaper batched
call (``core.ports.BatchEngine``); Whisper on CPU does not, so there each final runs alone.

Time comes from an injected ``clock`` (``time.monotonic`` by default) and every staleness decision
is a pure function of the times it is given (:func:`partial_is_stale`), so tests drive it with a
fake clock instead of sleeping. The scheduler also measures its own backlog (:attr:`backlog_s`:
the decode seconds queued and running, from the measured cost of recent decodes), which admission
uses so that a server refuses new sessions before its finals fall behind.
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


# Queue order: finals of turns that have ended, then speculative decodes (a turn's final decoded
# early in its pause; it may be thrown away), then partials. A speculative decode whose turn ends
# while it waits is promoted (:meth:`InferenceScheduler.promote`).
PRIORITY_FINAL, PRIORITY_SPECULATIVE, PRIORITY_PARTIAL = 0, 1, 2
DEFAULT_DECODE_S = 0.5  # cost assumed for a kind of decode before one has been measured
COST_SMOOTHING = 0.2  # weight of the newest decode in the moving average of decode cost


def partial_is_stale(kind: str, enqueued: float, now: float, max_wait_s: float) -> bool:
    """A partial that waited longer than ``max_wait_s`` is skipped: a later one says more."""
    return kind == "partial" and now - enqueued > max_wait_s


def smoothed_cost(previous: float | None, sample_s: float, weight: float = COST_SMOOTHING) -> float:
    """Exponential moving average of decode wall time (the first sample is taken as is)."""
    return sample_s if previous is None else (1 - weight) * previous + weight * sample_s


@dataclass(order=True)
class _Item:
    priority: int
    seq: int
    request: DecodeRequest = field(compare=False)
    callback: Callback = field(compare=False)
    enqueued: float = field(compare=False)
    is_wanted: Callable[[], bool] | None = field(compare=False, default=None)
    dead: bool = field(compare=False, default=False)  # superseded by a promoted copy


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
    queue_wait_s: float = 0.0  # summed over decodes that ran: enqueue -> a worker took it


class InferenceScheduler:
    def __init__(self, engine: Engine, workers: int = 1, max_partial_wait_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic):
        self.engine = engine
        self.workers = workers
        self.max_partial_wait_s = max_partial_wait_s
        self.clock = clock
        self.stats = SchedulerStats()
        self.on_decode: Callable[[DecodeRequest, float], None] | None = None  # metrics hooks
        self.on_skip: Callable[[DecodeRequest], None] | None = None
        self.on_wait: Callable[[DecodeRequest, float], None] | None = None  # seconds queued before a worker took it
        self._cost: dict[str, float] = {}  # kind -> smoothed decode wall seconds
        self._queued_kinds: dict[str, int] = {"final": 0, "partial": 0}
        self._running = 0
        self._queued: dict[int, _Item] = {}  # id(request) -> its live queue item (for promote)
        self._dead = 0
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
        return self._queue.qsize() - self._dead if self._queue is not None else 0

    def decode_cost_s(self, kind: str) -> float:
        """Measured (smoothed) wall seconds of one decode of ``kind``."""
        return self._cost.get(kind, self._cost.get("final", DEFAULT_DECODE_S))

    @property
    def backlog_s(self) -> float:
        """Seconds until every queued and running decode is done, at the measured decode cost, with
        all workers busy: the wait a new final would see. Admission compares it with a bound."""
        queued = sum(n * self.decode_cost_s(kind) for kind, n in self._queued_kinds.items())
        running = self._running * self.decode_cost_s("final") / 2  # half done, on average
        return (queued + running) / max(1, self.workers)

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

    def submit(self, request: DecodeRequest, callback: Callback, is_wanted: Callable[[], bool] | None = None,
               speculative: bool = False) -> None:
        """Queue a decode. ``is_wanted`` is asked just before it runs; work nobody wants any more
        (a session's pause ended in more speech) is skipped and reported as ``(None, None)``.
        ``speculative``: a final decoded before its turn has ended; it waits behind ended turns' finals."""
        assert self._queue is not None, "scheduler not started"
        if request.kind != "final":
            priority = PRIORITY_PARTIAL
        else:
            priority = PRIORITY_SPECULATIVE if speculative else PRIORITY_FINAL
        self._put(_Item(priority, next(self._seq), request, callback, self.clock(), is_wanted))

    def promote(self, request: DecodeRequest) -> bool:
        """The turn of a queued speculative decode has ended: it now waits with the ended turns'
        finals, in its original order among them. False when it is no longer queued."""
        item = self._queued.get(id(request))
        if item is None or item.priority == PRIORITY_FINAL:
            return False
        assert self._queue is not None
        item.dead = True
        self._dead += 1
        fresh = _Item(PRIORITY_FINAL, item.seq, item.request, item.callback, item.enqueued, item.is_wanted)
        self._queued[id(request)] = fresh
        self._queue.put_nowait(fresh)
        return True

    def _next_live(self, item: _Item) -> _Item | None:
        """``item`` taken off the queue, or None for the dead copy of a promoted one."""
        if item.dead:
            self._dead -= 1
            return None
        return self._took(item)

    def _put(self, item: _Item) -> None:
        assert self._queue is not None
        kind = item.request.kind
        self._waiting_finals += kind == "final"
        self._queued_kinds[kind] = self._queued_kinds.get(kind, 0) + 1
        self._queued[id(item.request)] = item
        self._queue.put_nowait(item)

    def _took(self, item: _Item) -> _Item:
        kind = item.request.kind
        self._waiting_finals -= kind == "final"
        self._queued_kinds[kind] -= 1
        self._queued.pop(id(item.request), None)
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

    def _admit(self, item: _Item, now: float) -> bool:
        """Whether ``item`` should run at ``now``; unwanted work and late partials are answered at once."""
        req = item.request
        if item.is_wanted is not None and not item.is_wanted():
            self.stats.cancelled += 1
            _deliver(item.callback, req, None, None)
            return False
        if partial_is_stale(req.kind, item.enqueued, now, self.max_partial_wait_s):
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
            live = self._next_live(self._queue.get_nowait())
            if live is None:
                continue
            item = live
            if item.request.kind != "final":
                self._put(item)  # a partial: it waits for the next round
                return
            if self._admit(item, self.clock()):
                batch.append(item)

    async def _worker(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            live = self._next_live(await self._queue.get())
            if live is None:
                continue
            item = live
            taken = self.clock()
            if not self._admit(item, taken):
                continue
            batch = [item]
            if item.request.kind == "final" and self.max_batch > 1:
                self._more_finals(batch)
            reqs = [it.request for it in batch]
            for it in batch:
                wait = max(0.0, taken - it.enqueued)
                self.stats.queue_wait_s += wait
                if self.on_wait is not None:
                    self.on_wait(it.request, wait)
            t0 = time.perf_counter()
            self._running += 1
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
            finally:
                self._running -= 1
            dt = time.perf_counter() - t0
            kind = item.request.kind
            self._cost[kind] = smoothed_cost(self._cost.get(kind), dt)
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

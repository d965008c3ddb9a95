"""InferenceScheduler: priority, late partials, failures, post-processing off the event loop."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from hushscribe.core.ports import DecodeRequest, DecodeResult
from hushscribe.engine.fake import FakeEngine
from hushscribe.scheduler import DEFAULT_DECODE_S, InferenceScheduler, partial_is_stale, smoothed_cost


def req(job_id: int, kind: str) -> DecodeRequest:
    return DecodeRequest(job_id=job_id, kind=kind, audio=np.zeros(16000, np.float32), offset_ms=0)


def run(coro):
    return asyncio.run(coro)


class GatedEngine(FakeEngine):
    """A fake engine whose calls wait for ``open()``: tests know exactly what is running and what
    is queued, without sleeping."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.gate = threading.Event()
        self._started = threading.Semaphore(0)

    def open(self) -> None:
        self.gate.set()

    async def started(self) -> None:
        """Wait until one more engine call has begun (a worker took a request)."""
        assert await asyncio.to_thread(self._started.acquire, True, 5), "no engine call started"

    def transcribe(self, request):
        self._started.release()
        assert self.gate.wait(5)
        return super().transcribe(request)

    def transcribe_batch(self, requests):
        self._started.release()
        assert self.gate.wait(5)
        return super().transcribe_batch(requests)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_finals_run_before_queued_partials():
    async def main():
        engine = GatedEngine()
        sched = InferenceScheduler(engine, workers=1, max_partial_wait_s=10)
        await sched.start()
        done: list[tuple[int, str]] = []
        finished = asyncio.Event()

        def cb(r, result, error):
            done.append((r.job_id, r.kind))
            if len(done) == 5:
                finished.set()

        sched.submit(req(1, "partial"), cb)  # starts at once: the worker is idle
        await engine.started()
        for i, kind in ((2, "partial"), (3, "partial"), (4, "final"), (5, "final")):
            sched.submit(req(i, kind), cb)
        engine.open()
        await asyncio.wait_for(finished.wait(), 5)
        await sched.stop()
        return done

    done = run(main())
    assert [j for j, _ in done] == [1, 4, 5, 2, 3]


def test_late_partials_are_skipped_not_run():
    async def main():
        engine = GatedEngine()
        clock = FakeClock()
        sched = InferenceScheduler(engine, workers=1, max_partial_wait_s=0.1, clock=clock)
        await sched.start()
        results = {}
        finished = asyncio.Event()

        def cb(r, result, error):
            results[r.job_id] = (result, error)
            if len(results) == 3:
                finished.set()

        sched.submit(req(1, "final"), cb)
        await engine.started()
        sched.submit(req(2, "partial"), cb)  # waits 0.2 s behind the final: too late
        sched.submit(req(3, "final"), cb)
        clock.now = 0.2
        engine.open()
        await asyncio.wait_for(finished.wait(), 5)
        await sched.stop()
        return results, engine, sched

    results, engine, sched = run(main())
    assert results[2] == (None, None)
    assert results[1][0] is not None and results[3][0] is not None
    assert [c.job_id for c in engine.calls] == [1, 3]
    assert sched.stats.skipped_partials == 1


def test_engine_failures_reach_the_caller():
    async def main():
        sched = InferenceScheduler(FakeEngine(fail=lambda r: r.job_id == 1), workers=1)
        await sched.start()
        got = {}
        finished = asyncio.Event()

        def cb(r, result, error):
            got[r.job_id] = (result, error)
            if len(got) == 2:
                finished.set()

        sched.submit(req(1, "final"), cb)
        sched.submit(req(2, "final"), cb)
        await asyncio.wait_for(finished.wait(), 5)
        await sched.stop()
        return got, sched

    got, sched = run(main())
    assert got[1] == (None, "RuntimeError")
    assert got[2][0] is not None and got[2][1] is None  # the worker survived
    assert sched.stats.failures == 1


def test_postprocess_runs_in_the_worker_thread():
    async def main():
        sched = InferenceScheduler(FakeEngine(), workers=1)
        threads = []

        def post(r, result):
            threads.append(threading.current_thread().name)
            return DecodeResult(result.words, {"formatted": result.words})

        sched.postprocess = post
        await sched.start()
        fut = asyncio.get_running_loop().create_future()
        sched.submit(req(1, "final"), lambda r, result, error: fut.set_result(result))
        result = await asyncio.wait_for(fut, 5)
        await sched.stop()
        return threads, result, threading.current_thread().name

    threads, result, loop_thread = run(main())
    assert threads and threads[0].startswith("decode") and threads[0] != loop_thread
    assert result.renderings is not None


def test_unwanted_work_is_skipped_before_it_runs():
    async def main():
        engine = FakeEngine()
        sched = InferenceScheduler(engine, workers=1)
        await sched.start()
        fut = asyncio.get_running_loop().create_future()
        sched.submit(req(1, "final"), lambda r, result, error: fut.set_result((result, error)), lambda: False)
        got = await asyncio.wait_for(fut, 5)
        await sched.stop()
        return got, engine, sched

    got, engine, sched = run(main())
    assert got == (None, None) and engine.calls == [] and sched.stats.cancelled == 1


def test_batching_groups_queued_finals_of_several_sessions():
    """An engine with a batched call gets the finals that queued up behind a running decode in one
    call (at most max_batch); partials are never batched and still run after the finals."""

    async def main():
        engine = GatedEngine(max_batch=3)
        sched = InferenceScheduler(engine, workers=1, max_partial_wait_s=10)
        await sched.start()
        done: list[int] = []
        finished = asyncio.Event()

        def cb(r, result, error):
            assert error is None and result is not None and result.words
            done.append(r.job_id)
            if len(done) == 7:
                finished.set()

        sched.submit(req(1, "final"), cb)  # runs alone: nothing else is queued yet
        await engine.started()
        for i, kind in ((2, "partial"), (3, "final"), (4, "final"), (5, "final"), (6, "final"), (7, "partial")):
            sched.submit(req(i, kind), cb)
        engine.open()
        await asyncio.wait_for(finished.wait(), 5)
        await sched.stop()
        return engine, sched, done

    engine, sched, done = run(main())
    assert engine.batches == [[3, 4, 5]]  # 1 ran alone; 6 and both partials ran one by one
    assert done[:4] == [1, 3, 4, 5] and done[4] == 6 and sorted(done[5:]) == [2, 7]
    assert sched.stats.decodes == 7 and sched.stats.batches == 5


def test_a_failed_batch_reaches_every_session_in_it():
    async def main():
        engine = GatedEngine(max_batch=4, fail=lambda r: r.job_id == 3)
        sched = InferenceScheduler(engine, workers=1)
        await sched.start()
        errors: dict[int, str | None] = {}
        finished = asyncio.Event()

        def cb(r, result, error):
            errors[r.job_id] = error
            if len(errors) == 3:
                finished.set()

        sched.submit(req(1, "final"), cb)
        await engine.started()
        sched.submit(req(2, "final"), cb)
        sched.submit(req(3, "final"), cb)
        engine.open()
        await asyncio.wait_for(finished.wait(), 5)
        await sched.stop()
        return errors

    errors = run(main())
    assert errors[1] is None
    assert errors[2] == errors[3] == "RuntimeError"


def test_engines_without_a_batched_call_decode_one_by_one():
    assert InferenceScheduler(FakeEngine()).max_batch == 1
    assert InferenceScheduler(FakeEngine(max_batch=1)).max_batch == 1
    assert InferenceScheduler(FakeEngine(max_batch=8)).max_batch == 8


def test_backed_up_while_finals_wait_for_a_worker():
    async def main():
        engine = GatedEngine()
        sched = InferenceScheduler(engine, workers=1)
        await sched.start()
        seen = []
        done = asyncio.Event()

        def cb(r, result, error):
            if r.job_id == 3:
                done.set()

        assert not sched.backed_up
        sched.submit(req(1, "final"), cb)
        await engine.started()  # 1 runs: nothing waits
        seen.append(sched.backed_up)
        sched.submit(req(2, "partial"), cb)
        seen.append(sched.backed_up)  # a waiting partial is not a backlog of finals
        sched.submit(req(3, "final"), cb)
        seen.append(sched.backed_up)
        engine.open()
        await asyncio.wait_for(done.wait(), 5)
        seen.append(sched.backed_up)
        await sched.stop()
        return seen

    assert run(main()) == [False, False, True, False]


@pytest.mark.parametrize("kind, waited, stale", [
    ("partial", 0.05, False), ("partial", 0.1, False), ("partial", 0.11, True), ("final", 30.0, False),
])
def test_staleness_is_decided_from_the_given_times(kind, waited, stale):
    assert partial_is_stale(kind, 100.0, 100.0 + waited, 0.1) is stale


def test_smoothed_cost_starts_at_the_first_sample_and_moves_towards_new_ones():
    assert smoothed_cost(None, 0.4) == 0.4
    assert smoothed_cost(0.4, 0.9, weight=0.2) == pytest.approx(0.5)


def test_backlog_counts_queued_and_running_decodes_and_queue_wait_uses_the_clock():
    async def main():
        engine = GatedEngine()
        clock = FakeClock()
        sched = InferenceScheduler(engine, workers=1, max_partial_wait_s=10, clock=clock)
        waits: dict[int, float] = {}
        sched.on_wait = lambda r, w: waits.__setitem__(r.job_id, w)
        await sched.start()
        finished = asyncio.Event()
        done: list[int] = []

        def cb(r, result, error):
            done.append(r.job_id)
            if len(done) == 4:
                finished.set()

        empty = sched.backlog_s
        sched.submit(req(1, "final"), cb)
        await engine.started()
        running_only = sched.backlog_s
        for i in (2, 3):
            sched.submit(req(i, "final"), cb)
        sched.submit(req(4, "partial"), cb)
        queued = sched.backlog_s
        clock.now = 0.3
        engine.open()
        await asyncio.wait_for(finished.wait(), 5)
        after = sched.backlog_s
        await sched.stop()
        return empty, running_only, queued, after, waits, sched

    empty, running_only, queued, after, waits, sched = run(main())
    assert empty == 0.0 and after == 0.0
    assert running_only == pytest.approx(DEFAULT_DECODE_S / 2)  # nothing measured yet: the default cost
    assert queued == pytest.approx(DEFAULT_DECODE_S / 2 + 3 * DEFAULT_DECODE_S)
    assert waits == {1: 0.0, 2: pytest.approx(0.3), 3: pytest.approx(0.3), 4: pytest.approx(0.3)}
    assert sched.stats.queue_wait_s == pytest.approx(0.9)


def test_ended_turns_finals_run_before_speculative_ones_and_promotion_moves_one_up():
    async def main():
        engine = GatedEngine()
        sched = InferenceScheduler(engine, workers=1, max_partial_wait_s=10)
        await sched.start()
        done: list[int] = []
        finished = asyncio.Event()

        def cb(r, result, error):
            done.append(r.job_id)
            if len(done) == 6:
                finished.set()

        sched.submit(req(1, "final"), cb)  # runs at once
        await engine.started()
        spec = {i: req(i, "final") for i in (2, 3)}
        sched.submit(req(6, "partial"), cb)
        sched.submit(spec[2], cb, speculative=True)
        sched.submit(spec[3], cb, speculative=True)
        sched.submit(req(4, "final"), cb)
        sched.submit(req(5, "final"), cb)
        depth_before = sched.queue_depth
        promoted = sched.promote(spec[3])  # its turn ended while it waited
        depth_after = sched.queue_depth
        again = sched.promote(spec[3])
        engine.open()
        await asyncio.wait_for(finished.wait(), 5)
        late = sched.promote(spec[2])  # already ran
        await sched.stop()
        return done, promoted, again, late, depth_before, depth_after

    done, promoted, again, late, depth_before, depth_after = run(main())
    # 3 joined the ended turns' finals in its submission order (it was queued before 4 and 5).
    assert done == [1, 3, 4, 5, 2, 6]
    assert promoted and not again and not late
    assert depth_before == depth_after == 5  # the superseded copy is not counted

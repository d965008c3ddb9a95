"""Prometheus metrics (the only module that imports prometheus_client).

Each app gets its own registry, so several apps in one process (tests) do not collide.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,  # noqa: F401  (re-exported for the app)
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)


class Metrics:
    def __init__(self, queue_depth: Callable[[], int], active_sessions: Callable[[], int],
                 backlog_s: Callable[[], float] = lambda: 0.0):
        self.registry = CollectorRegistry()
        r = self.registry
        self.active = Gauge("hushscribe_active_sessions", "Open streaming sessions.", registry=r)
        self.active.set_function(lambda: float(active_sessions()))
        self.queue = Gauge("hushscribe_decode_queue_depth", "Decodes waiting for a worker.", registry=r)
        self.queue.set_function(lambda: float(queue_depth()))
        self.sessions = Counter("hushscribe_sessions_total", "Sessions that began.", registry=r)
        self.refused = Counter("hushscribe_sessions_refused_total", "Sessions refused before Begin.",
                               ["reason"], registry=r)
        self.ttfs = Histogram("hushscribe_final_latency_seconds",
                              "Time from the arrival of a turn's last speech audio to its final Turn.",
                              buckets=LATENCY_BUCKETS, registry=r)
        self.decode = Histogram("hushscribe_decode_seconds", "Engine time per decode.", ["kind"],
                                buckets=LATENCY_BUCKETS, registry=r)
        self.force_final = Histogram("hushscribe_force_endpoint_final_seconds",
                                     "Time from the arrival of a ForceEndpoint that ended a turn to its final Turn.",
                                     buckets=LATENCY_BUCKETS, registry=r)
        self.queue_wait = Histogram("hushscribe_decode_queue_wait_seconds",
                                    "Time a decode waited in the queue before a worker took it.", ["kind"],
                                    buckets=(0.0, 0.01, 0.05) + LATENCY_BUCKETS, registry=r)
        self.speculative = Counter("hushscribe_speculative_decodes_total",
                                   "Speculative (candidate) decodes of turns: requested, and those that became "
                                   "the final or were shown as a partial (the rest were thrown away).",
                                   ["outcome"], registry=r)
        self.backlog = Gauge("hushscribe_decode_backlog_seconds",
                             "Measured decode work queued and running, in seconds per worker.", registry=r)
        self.backlog.set_function(lambda: float(backlog_s()))
        self.audio = Counter("hushscribe_audio_seconds_total", "Seconds of client audio received.", registry=r)
        self.store_errors = Counter("hushscribe_shared_store_errors_total",
                                    "Shared store (Redis) operations that failed.", ["op"], registry=r)
        self.skipped = Counter("hushscribe_partials_skipped_total", "Partial decodes skipped as late.", registry=r)
        self.redactions = Counter("hushscribe_redactions_total",
                                  "Redacted runs of words in finals (one per audit record), by PII policy.",
                                  ["policy"], registry=r)
        self.redacted_audio = Counter("hushscribe_redacted_audio_total",
                                      "Redacted audio copies: made, downloaded, dropped (over the memory bound), "
                                      "failed.", ["outcome"], registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)

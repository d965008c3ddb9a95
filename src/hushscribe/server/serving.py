"""Running the app under uvicorn with a graceful shutdown and optional TLS.

Why a ``uvicorn.Server`` subclass: on SIGTERM uvicorn's own ``shutdown()`` fails every open WebSocket
with 1012 at once and only then runs the lifespan shutdown, so a lifespan hook is too late to let
sessions finish. :class:`DrainingServer` stops listening first, lets every open session end as a
client ``Terminate`` would (the in-flight turn is flushed as a final, then ``Termination``), waits up
to ``shutdown_grace_s``, and only then hands over to uvicorn's shutdown (which closes what is left
with 1012 and stops the scheduler in the lifespan).

A drain that a signal asked for is the expected way to stop, so the process exits 0 (uvicorn would
otherwise re-raise the signal after shutting down, and the exit status would be -15).
"""

from __future__ import annotations

import logging
import signal
import socket
from types import FrameType
from typing import Any

import uvicorn

from ..settings import ServerConfig
from .logs import install_query_filter

log = logging.getLogger("hushscribe.server")

# uvicorn's transport limit; our own limit (max_message_bytes) answers with an Error frame below it.
TRANSPORT_SIZE_FACTOR = 4


def uvicorn_config(app: Any, config: ServerConfig, **overrides: Any) -> uvicorn.Config:
    kw: dict[str, Any] = dict(
        host=config.host,
        port=config.port,
        log_level=config.log_level,
        log_config=None,  # logging is configured by hushscribe (text or JSON lines)
        access_log=False,  # request lines carry query strings (tokens, keyterms) that must not reach logs
        ws_max_size=TRANSPORT_SIZE_FACTOR * config.max_message_bytes,
        # Sessions are drained by DrainingServer before uvicorn's own shutdown starts; this only bounds
        # the last step (connections that still linger after the grace period).
        timeout_graceful_shutdown=5,
        lifespan="on",
    )
    install_query_filter()  # uvicorn logs upgrade lines with the query string (tokens) at INFO
    if config.ssl_certfile:
        kw.update(ssl_certfile=config.ssl_certfile, ssl_keyfile=config.ssl_keyfile)
    kw.update(overrides)
    return uvicorn.Config(app, **kw)


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app_state, grace_s: float):
        super().__init__(config)
        self.app_state = app_state
        self.grace_s = grace_s

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # A drain on SIGTERM/SIGINT is a clean stop: exit 0 instead of re-raising the signal afterwards.
        if sig in (signal.SIGTERM, signal.SIGINT) and sig in self._captured_signals:
            self._captured_signals.remove(sig)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:  # stop accepting new connections first
            server.close()
        for sock in sockets or []:
            sock.close()
        await self.app_state.drain(self.grace_s, should_stop=lambda: self.force_exit)
        await super().shutdown(sockets)

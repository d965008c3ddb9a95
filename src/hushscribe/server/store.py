"""State that replicas must share: used single-use tokens and open sessions per API key.

Why a port: one ``hushscribe serve`` keeps both in memory (:class:`InProcessStore`, no extra service);
several replicas behind a load balancer need one view, or a token could be replayed on another
replica and a key could hold ``max_sessions_per_key`` sessions on *each* replica. :class:`RedisStore`
keeps them in Redis (``--redis-url``) with atomic operations:

* a token is claimed with ``SET token-id NX PX <until it expires>``: exactly one replica wins;
* a key's open sessions are a sorted set of session ids scored by a lease deadline (Redis server
  time, so replica clocks do not matter). A Lua script prunes expired leases, counts and adds in one
  step; each replica renews the leases of its live sessions every ``LEASE_S / 3``. A replica that
  crashes stops renewing, so its sessions stop counting after at most ``LEASE_S``.

When Redis cannot be reached (docs/security.md): token claims fail closed (the session is refused:
a bearer token that might be a replay is not honoured), per-key admission fails open to this
replica's own count (each replica still enforces the limit on its own sessions, so an outage
multiplies the per-key limit by the number of replicas instead of stopping the service). Errors
are logged without the URL's password, token ids or key pseudonyms.

The Redis client is a few lines of RESP over asyncio streams: five commands are needed, and it keeps
the server free of another dependency and its lock-file churn.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from typing import Protocol
from urllib.parse import unquote, urlsplit

from .tokens import UsedTokens

log = logging.getLogger("hushscribe.store")

LEASE_S = 30.0  # a crashed replica's sessions stop counting after this long
COMMAND_TIMEOUT_S = 2.0  # one Redis round trip; past this the store counts as unreachable
PREFIX = "hushscribe:"


class StoreUnavailable(Exception):
    """The shared store could not answer (connection refused, timeout, protocol error)."""


class SharedStore(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def claim_token(self, token_id: str, expires_at: float) -> bool:
        """True for the first claim of a token id (until it expires); raises StoreUnavailable."""

    async def acquire_session(self, key_id: str, limit: int, session_id: str) -> bool:
        """Count ``session_id`` against ``key_id`` unless the key holds ``limit`` sessions already
        (``limit`` 0: no limit, always admitted). Never raises: see the module docstring."""

    async def release_session(self, key_id: str, session_id: str) -> None: ...

    def sessions_per_key(self) -> dict[str, int]:
        """Open sessions of this replica by key pseudonym."""


class _LocalSessions:
    """This replica's open sessions by key: the whole truth in-process, and for Redis the sessions
    whose leases this replica renews (and its fallback count while Redis is unreachable)."""

    def __init__(self) -> None:
        self._by_key: dict[str, set[str]] = {}

    def sessions_per_key(self) -> dict[str, int]:
        return {k: len(v) for k, v in self._by_key.items()}

    def _try_add(self, key_id: str, limit: int, session_id: str) -> bool:
        held = self._by_key.get(key_id, set())
        if limit and len(held) >= limit:
            return False
        self._add(key_id, session_id)
        return True

    def _add(self, key_id: str, session_id: str) -> None:
        self._by_key.setdefault(key_id, set()).add(session_id)

    def _remove(self, key_id: str, session_id: str) -> None:
        held = self._by_key.get(key_id)
        if held is not None:
            held.discard(session_id)
            if not held:
                del self._by_key[key_id]


class InProcessStore(_LocalSessions):
    """One replica: everything in this process (the default, no ``--redis-url``)."""

    def __init__(self, clock=time.time) -> None:
        super().__init__()
        self._used = UsedTokens(clock)

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def claim_token(self, token_id: str, expires_at: float) -> bool:
        return self._used.claim(token_id, expires_at)

    async def acquire_session(self, key_id: str, limit: int, session_id: str) -> bool:
        return self._try_add(key_id, limit, session_id)

    async def release_session(self, key_id: str, session_id: str) -> None:
        self._remove(key_id, session_id)


# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------

# Server time in ms, so leases do not depend on the replicas' clocks (scripts replicate effects).
_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
# KEYS[1] key's session set; ARGV: limit (0: none), lease ms, session id. 1: admitted, 0: full.
ACQUIRE = _NOW + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local limit = tonumber(ARGV[1])
if limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""
# KEYS: session sets; ARGV[1] lease ms, ARGV[i + 1] the session id renewed in KEYS[i].
RENEW = _NOW + """
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('PEXPIRE', key, tonumber(ARGV[1]))
end
return #KEYS
"""


class RespError(Exception):
    pass


class RedisConnection:
    """One connection speaking RESP2; commands are serialised by a lock. Reconnects on demand.
    URL: ``redis://[[user]:password@]host[:port][/db]``, ``rediss://`` for TLS."""

    def __init__(self, url: str, timeout_s: float = COMMAND_TIMEOUT_S):
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise ValueError("--redis-url must look like redis://[:password@]host[:port][/db] (or rediss://)")
        self.host, self.port = parts.hostname, parts.port or 6379
        self.tls = parts.scheme == "rediss"
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        path = parts.path.strip("/")
        if path and not path.isdigit():
            raise ValueError("--redis-url: the path must be a database number")
        self.db = int(path or 0)
        self.timeout_s = timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._lock = asyncio.Lock()

    @property
    def where(self) -> str:
        """Host and port for log lines (never the password)."""
        return f"{self.host}:{self.port}"

    async def _connect(self) -> None:
        ctx = ssl.create_default_context() if self.tls else None
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port, ssl=ctx)
        try:
            if self.password is not None:
                auth = ("AUTH", self.username, self.password) if self.username else ("AUTH", self.password)
                await self._roundtrip(*auth)
            if self.db:
                await self._roundtrip("SELECT", str(self.db))
        except BaseException:
            await self.close()  # never leave an unauthenticated connection for the next command
            raise

    async def execute(self, *args: str | int):
        try:
            async with self._lock:
                return await asyncio.wait_for(self._execute(*args), self.timeout_s)
        except RespError as exc:
            raise StoreUnavailable(f"redis error: {str(exc)[:120]}") from None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await self.close()
            raise StoreUnavailable(f"redis at {self.where} unreachable: {type(exc).__name__}") from None

    async def _execute(self, *args: str | int):
        if self._writer is None:
            await self._connect()
        return await self._roundtrip(*args)

    async def _roundtrip(self, *args: str | int):
        assert self._writer is not None
        out = [f"*{len(args)}\r\n".encode()]
        for a in args:
            b = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self._writer.write(b"".join(out))
        await self._writer.drain()
        return await self._read()

    async def _read(self):
        assert self._reader is not None
        line = await self._reader.readuntil(b"\r\n")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = await self._reader.readexactly(n + 2)
            return data[:-2].decode(errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [await self._read() for _ in range(n)]
        raise ValueError("not a RESP reply")

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except (OSError, ssl.SSLError):
                pass


class RedisStore(_LocalSessions):
    """Several replicas: tokens and per-key sessions in Redis (see the module docstring)."""

    def __init__(self, url: str, lease_s: float = LEASE_S, timeout_s: float = COMMAND_TIMEOUT_S,
                 on_error=lambda op: None):
        super().__init__()
        self.redis = RedisConnection(url, timeout_s)
        self.lease_ms = int(lease_s * 1000)
        self.on_error = on_error  # metrics hook: called with the operation that failed
        self._limited: dict[str, str] = {}  # session id -> key id, for sessions counted in Redis
        self._renewer: asyncio.Task | None = None
        self._down = False

    async def start(self) -> None:
        try:
            await self.redis.execute("PING")
            log.info("shared store: redis at %s", self.redis.where)
        except StoreUnavailable as exc:
            self._failed("ping", exc)  # not fatal: the replica serves API-key sessions meanwhile
        self._renewer = asyncio.get_running_loop().create_task(self._renew_loop())

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
        await self.redis.close()

    def _failed(self, op: str, exc: StoreUnavailable) -> None:
        self.on_error(op)
        if not self._down:  # one warning per outage, not one per session
            log.warning("shared store: %s failed (%s); tokens are refused and per-key limits are counted "
                        "per replica until it is back", op, exc)
        self._down = True

    def _ok(self) -> None:
        if self._down:
            log.info("shared store: redis at %s is reachable again", self.redis.where)
        self._down = False

    async def claim_token(self, token_id: str, expires_at: float) -> bool:
        ttl_ms = max(1000, int((expires_at - time.time()) * 1000) + 1000)
        try:
            reply = await self.redis.execute("SET", f"{PREFIX}token:{token_id}", "1", "NX", "PX", ttl_ms)
        except StoreUnavailable as exc:
            self._failed("claim_token", exc)
            raise
        self._ok()
        return reply == "OK"

    async def acquire_session(self, key_id: str, limit: int, session_id: str) -> bool:
        if not limit:
            self._add(key_id, session_id)
            return True
        try:
            admitted = await self.redis.execute("EVAL", ACQUIRE, 1, f"{PREFIX}sessions:{key_id}", limit,
                                                self.lease_ms, session_id)
        except StoreUnavailable as exc:
            self._failed("acquire_session", exc)
            return self._try_add(key_id, limit, session_id)  # fail open to this replica's own count
        self._ok()
        if admitted != 1:
            return False
        self._add(key_id, session_id)
        self._limited[session_id] = key_id
        return True

    async def release_session(self, key_id: str, session_id: str) -> None:
        self._remove(key_id, session_id)  # before any await: a cancelled release still frees the local slot
        if self._limited.pop(session_id, None) is None:
            return
        try:
            await self.redis.execute("ZREM", f"{PREFIX}sessions:{key_id}", session_id)
        except StoreUnavailable as exc:
            self._failed("release_session", exc)  # the lease runs out on its own

    async def renew(self) -> None:
        """Extend the leases of this replica's live sessions (also re-adds one Redis lost)."""
        if not self._limited:
            return
        items = list(self._limited.items())
        keys = [f"{PREFIX}sessions:{key}" for _, key in items]
        await self.redis.execute("EVAL", RENEW, len(keys), *keys, self.lease_ms, *(sid for sid, _ in items))

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self.lease_ms / 3000)
            try:
                await self.renew()
            except StoreUnavailable as exc:
                self._failed("renew", exc)


def make_store(redis_url: str, on_error=lambda op: None) -> SharedStore:
    return RedisStore(redis_url, on_error=on_error) if redis_url else InProcessStore()

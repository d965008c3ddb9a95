"""The shared store (server/store.py): single-use token claims and per-key session leases, in
process and in a real redis-server on loopback, including what happens when Redis goes away."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from hushscribe.bench.cluster import RedisProcess
from hushscribe.bench.stream import free_port
from hushscribe.server.store import InProcessStore, RedisStore, StoreUnavailable, make_store
from hushscribe.settings import ServerConfig

from .conftest import auth, drain, recv_json, require_lb, terminate


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    require_lb()
    r = RedisProcess(tmp_path_factory.mktemp("redis")).start()
    yield r
    r.stop()


def run(coro):
    return asyncio.run(coro)


async def _two_stores(url: str, **kw) -> tuple[RedisStore, RedisStore]:
    a, b = RedisStore(url, **kw), RedisStore(url, **kw)
    await a.start()
    await b.start()
    return a, b


# -------------------------------------------------------------------------------- in process


def test_in_process_store_claims_once_and_counts_per_key():
    async def body():
        s = make_store("")
        assert isinstance(s, InProcessStore)
        assert await s.claim_token("t1", 2e9) and not await s.claim_token("t1", 2e9)
        assert await s.acquire_session("k", 2, "a") and await s.acquire_session("k", 2, "b")
        assert not await s.acquire_session("k", 2, "c")
        assert await s.acquire_session("other", 2, "d")
        assert s.sessions_per_key() == {"k": 2, "other": 1}
        await s.release_session("k", "a")
        assert await s.acquire_session("k", 2, "c")
        for key, sid in (("k", "b"), ("k", "c"), ("other", "d")):
            await s.release_session(key, sid)
        assert s.sessions_per_key() == {}
        assert await s.acquire_session("k", 0, "x")  # 0: no limit

    run(body())


def test_in_process_token_claims_are_forgotten_once_the_token_expired():
    now = [1000.0]
    s = InProcessStore(clock=lambda: now[0])
    assert run(s.claim_token("t", 1010.0))
    now[0] = 1011.0
    assert run(s.claim_token("t", 1020.0))  # the old claim expired with its token


# -------------------------------------------------------------------------------- redis


def test_redis_token_claim_is_won_by_exactly_one_replica(redis_server):
    async def body():
        a, b = await _two_stores(redis_server.url)
        try:
            results = await asyncio.gather(*(s.claim_token("tok-1", time.time() + 60) for s in (a, b, a, b)))
            assert sorted(results) == [False, False, False, True]
            assert await b.claim_token("tok-2", time.time() + 60)
        finally:
            await a.close()
            await b.close()

    run(body())


def test_redis_per_key_limit_holds_across_replicas_and_frees_on_release(redis_server):
    async def body():
        a, b = await _two_stores(redis_server.url)
        try:
            assert await a.acquire_session("key-x", 2, "s1")
            assert await b.acquire_session("key-x", 2, "s2")
            assert not await a.acquire_session("key-x", 2, "s3")  # 2 open, one on each replica
            assert not await b.acquire_session("key-x", 2, "s3")
            assert await b.acquire_session("key-y", 2, "s4")  # another key is not affected
            assert a.sessions_per_key() == {"key-x": 1} and b.sessions_per_key() == {"key-x": 1, "key-y": 1}
            await a.release_session("key-x", "s1")
            assert await b.acquire_session("key-x", 2, "s3")
            for sid in ("s2", "s3"):
                await b.release_session("key-x", sid)
            await b.release_session("key-y", "s4")
            assert await redis_server_zcard(a, "key-x") == 0
        finally:
            await a.close()
            await b.close()

    run(body())


async def redis_server_zcard(store: RedisStore, key_id: str) -> int:
    return await store.redis.execute("ZCARD", f"hushscribe:sessions:{key_id}")


def test_redis_leases_of_a_crashed_replica_run_out_and_live_ones_are_renewed(redis_server):
    """A replica that dies without releasing stops renewing: its sessions stop counting after the
    lease. A live replica's renewals keep its sessions counted past the lease."""

    async def body():
        crashed, live = await _two_stores(redis_server.url, lease_s=0.6)
        try:
            assert await crashed.acquire_session("key-c", 2, "dead-1")
            assert await live.acquire_session("key-c", 2, "live-1")
            assert not await live.acquire_session("key-c", 2, "live-2")
            await crashed.close()  # no release, no more renewals
            for _ in range(50):
                await asyncio.sleep(0.1)
                if await live.acquire_session("key-c", 2, "live-2"):
                    break
            else:
                pytest.fail("the crashed replica's lease never ran out")
            # live-1 outlived the lease only through the renewals: the key is full with 2.
            assert not await live.acquire_session("key-c", 2, "live-3")
        finally:
            await live.close()

    run(body())


def test_redis_unreachable_refuses_tokens_and_counts_per_key_on_this_replica(caplog):
    """Fail closed for tokens (StoreUnavailable), open for per-key admission (this replica's count);
    one warning per outage that names the host but not the password."""
    errors: list[str] = []

    async def body():
        s = RedisStore(f"redis://:hunter2-secret@127.0.0.1:{free_port()}/0", on_error=errors.append, timeout_s=1)
        await s.start()
        try:
            with pytest.raises(StoreUnavailable):
                await s.claim_token("t", 2e9)
            assert await s.acquire_session("k", 1, "a")
            assert not await s.acquire_session("k", 1, "b")  # the limit still holds on this replica
            await s.release_session("k", "a")
            assert s.sessions_per_key() == {}
        finally:
            await s.close()

    with caplog.at_level(logging.INFO, logger="hushscribe.store"):
        run(body())
    assert errors[:3] == ["ping", "claim_token", "acquire_session"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "127.0.0.1" in warnings[0].getMessage()
    assert "hunter2" not in caplog.text


def test_redis_password_and_database_from_the_url(tmp_path):
    require_lb()
    r = RedisProcess(tmp_path)
    r.start()
    try:
        async def body():
            admin = RedisStore(r.url)
            await admin.redis.execute("CONFIG", "SET", "requirepass", "p@ss word")
            await admin.close()
            s = RedisStore(f"redis://:p%40ss%20word@127.0.0.1:{r.port}/3")
            try:
                assert await s.claim_token("t", 2e9)
                assert await s.redis.execute("DBSIZE") == 1  # in database 3
            finally:
                await s.close()
            wrong = RedisStore(f"redis://:nope@127.0.0.1:{r.port}/0")
            with pytest.raises(StoreUnavailable):
                await wrong.claim_token("t", 2e9)
            await wrong.close()

        run(body())
    finally:
        r.stop()


@pytest.mark.parametrize("url", ["http://x", "redis://", "redis://h:1/db"])
def test_bad_redis_urls_are_refused(url):
    with pytest.raises(ValueError):
        RedisStore(url) if url.startswith("redis") else ServerConfig(redis_url=url, token_secret="s").validate()


def test_redis_url_needs_a_shared_token_secret():
    with pytest.raises(ValueError, match="token-secret"):
        ServerConfig(redis_url="redis://127.0.0.1:6379").validate()
    ServerConfig(redis_url="redis://127.0.0.1:6379", token_secret="shared").validate()


# -------------------------------------------------------------------------------- two apps, one Redis

URL = "/v3/ws?sample_rate=16000"


def _replicas(make_client, url: str, **kw):
    common = dict(api_keys=("key-a",), token_secret="shared-secret-for-tests", redis_url=url, **kw)
    return make_client(**common), make_client(**common)


def test_two_apps_sharing_redis_honour_a_token_once_and_the_key_limit_across_both(make_client, redis_server):
    a, b = _replicas(make_client, redis_server.url, max_sessions_per_key=1)
    token = a.get("/v3/token?expires_in_seconds=60", headers=auth("key-a")).json()["token"]
    with b.websocket_connect(f"{URL}&token={token}") as ws:  # minted on a, used on b
        assert recv_json(ws)["type"] == "Begin"
        with a.websocket_connect(URL, headers=auth("key-a")) as again:  # key-a holds its 1 session (on b)
            assert recv_json(again)["error_code"] == 3009
        terminate(ws)
        drain(ws)
    with a.websocket_connect(f"{URL}&token={token}") as reuse:
        msg = recv_json(reuse)
        assert (msg["error_code"], msg["error"]) == (1008, "Unauthorized Connection: Token has already been used")
    with a.websocket_connect(URL, headers=auth("key-a")) as ws:  # b released it: key-a may open one again
        assert recv_json(ws)["type"] == "Begin"
        terminate(ws)
        drain(ws)
    assert a.app.state.hs.sessions_per_key == {} == b.app.state.hs.sessions_per_key


def test_app_with_redis_down_refuses_tokens_and_serves_api_keys(make_client):
    c = make_client(api_keys=("key-a",), token_secret="s", redis_url=f"redis://127.0.0.1:{free_port()}",
                    max_sessions_per_key=1)
    token = c.get("/v3/token?expires_in_seconds=60", headers=auth("key-a")).json()["token"]
    with c.websocket_connect(f"{URL}&token={token}") as ws:
        msg = recv_json(ws)
        assert msg["error_code"] == 3005 and "token store" in msg["error"]
    with c.websocket_connect(URL, headers=auth("key-a")) as ws:
        assert recv_json(ws)["type"] == "Begin"
        terminate(ws)
        drain(ws)
    metrics = c.get("/metrics").text
    assert 'hushscribe_shared_store_errors_total{op="claim_token"} 1.0' in metrics
    assert 'hushscribe_sessions_refused_total{reason="store_unavailable"} 1.0' in metrics

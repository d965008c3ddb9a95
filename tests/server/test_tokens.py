"""Temporary tokens: GET /v3/token, use once, reuse refused, expiry, forgery, session cap."""

from __future__ import annotations

import time

import pytest

from hushscribe.server.tokens import EXPIRED, INVALID, REUSED, TokenAuthority, TokenError

from .conftest import auth, drain, recv_json, terminate


class Clock:
    def __init__(self, t: float = 1_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_lifecycle_issue_use_reuse_expiry_and_forgery():
    clock = Clock()
    ta = TokenAuthority(b"k" * 32, clock=clock)
    token = ta.mint(60, 600)
    claims = ta.verify(token)
    assert claims.max_session_s == 600
    with pytest.raises(TokenError, match=REUSED):
        ta.verify(token)
    late = ta.mint(10)
    clock.t += 11
    with pytest.raises(TokenError, match=EXPIRED):
        ta.verify(late)
    forged = ta.mint(60)
    head, payload, sig = forged.split(".")
    with pytest.raises(TokenError, match=INVALID.replace("(", r"\(")):
        ta.verify(f"{head}.{payload}.{'A' * len(sig)}")
    other = TokenAuthority(b"x" * 32, clock=clock)
    with pytest.raises(TokenError):
        other.verify(ta.mint(60))  # signed with another secret


def test_replicas_sharing_a_secret_verify_each_others_tokens():
    a, b = TokenAuthority(b"shared" * 6), TokenAuthority(b"shared" * 6)
    assert b.verify(a.mint(60)).max_session_s == 10800


def test_multi_use_when_configured():
    ta = TokenAuthority(b"k" * 32, single_use=False)
    token = ta.mint(60)
    ta.verify(token)
    ta.verify(token)


def test_token_endpoint(client):
    r = client.get("/v3/token?expires_in_seconds=60", headers=auth())
    assert r.status_code == 200
    body = r.json()
    assert body["expires_in_seconds"] == 60 and isinstance(body["token"], str)
    assert client.get("/v3/token?expires_in_seconds=60").status_code == 401
    assert client.get("/v3/token?expires_in_seconds=60", headers=auth("wrong")).json()["error"]
    for bad in ("0", "601", "x", ""):
        r = client.get(f"/v3/token?expires_in_seconds={bad}", headers=auth())
        assert r.status_code == 422 and "expires_in_seconds" in r.json()["error"], bad
    r = client.get("/v3/token?expires_in_seconds=60&max_session_duration_seconds=59", headers=auth())
    assert r.status_code == 422


def test_token_in_header_python_sdk_style_and_session_cap(client):
    token = client.get("/v3/token?expires_in_seconds=60&max_session_duration_seconds=120", headers=auth()).json()["token"]
    with client.websocket_connect("/v3/ws?sample_rate=16000", headers={"Authorization": token}) as ws:
        begin = recv_json(ws)
        assert begin["type"] == "Begin"
        assert abs(begin["expires_at"] - (time.time() + 120)) < 5  # Begin.expires_at honours the cap
        terminate(ws)
        drain(ws)
    with client.websocket_connect("/v3/ws?sample_rate=16000", headers={"Authorization": token}) as ws:
        messages, close = drain(ws)
        assert messages == [{"type": "Error", "error_code": 1008, "error": REUSED}]
        assert close["code"] == 1008

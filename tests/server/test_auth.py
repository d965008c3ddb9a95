"""Authentication: the pure :class:`Authenticator` rules and their effect on the WebSocket (protocol §2).

A refused session is accepted at the HTTP level, then gets ``Error`` 1008 and close 1008, and never
a ``Begin`` (protocol §2.2, §10).
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from hushscribe.server.app import create_app
from hushscribe.server.auth import INVALID, MISSING, Authenticator, AuthResult
from hushscribe.server.tokens import TokenAuthority
from hushscribe.settings import ServerConfig
from hushscribe.vad.energy import EnergyVoiceDetector

from .conftest import API_KEY, auth, default_engine, drain, recv_json, terminate

# ---------------------------------------------------------------------------------------------
# Unit tests of Authenticator
# ---------------------------------------------------------------------------------------------


def test_error_texts_are_productions():
    assert MISSING == "Unauthorized Connection: Missing Authorization header"
    assert INVALID == "Unauthorized Connection: Invalid API key"


def test_raw_key_accepted():
    a = Authenticator(("k1", "k2"))
    assert a.authenticate("k1", None) == AuthResult(True)
    assert a.authenticate("k2", None).ok


def test_missing_header():
    a = Authenticator(("k1",))
    assert a.authenticate(None, None) == AuthResult(False, MISSING)


@pytest.mark.parametrize("value", ["", "   ", "\t"])
def test_empty_credential_counts_as_missing(value):
    assert Authenticator(("k1",)).authenticate(value, None) == AuthResult(False, MISSING)


@pytest.mark.parametrize("value", ["Bearer", "Bearer ", "bearer    "])
def test_bearer_without_key_is_refused(value):
    assert not Authenticator(("k1",)).authenticate(value, None).ok
    assert not Authenticator(("k1",), mode="keys", strip_bearer=False).authenticate(value, None).ok


@pytest.mark.parametrize("value", ["k", "k1x", "K1", "k1 k1", "x"])
def test_a_key_that_differs_in_any_way_is_invalid(value):
    assert Authenticator(("k1",)).authenticate(value, None) == AuthResult(False, INVALID)


def test_surrounding_whitespace_is_ignored():
    assert Authenticator(("k1",)).authenticate("  k1 \t", None).ok


@pytest.mark.parametrize("value", ["Bearer k1", "bearer k1", "BEARER k1", "Bearer   k1  "])
def test_bearer_prefix_stripped_by_default(value):
    assert Authenticator(("k1",)).authenticate(value, None).ok


def test_bearer_prefix_kept_when_strip_bearer_off():
    a = Authenticator(("k1",), strip_bearer=False)
    assert a.authenticate("Bearer k1", None) == AuthResult(False, INVALID)
    assert a.authenticate("k1", None).ok


def test_bearer_key_can_be_configured_literally_when_not_stripping():
    a = Authenticator(("Bearer k1",), strip_bearer=False)
    assert a.authenticate("Bearer k1", None).ok


def test_no_keys_configured_refuses_everything_in_keys_mode():
    a = Authenticator(())
    assert a.authenticate("anything", None) == AuthResult(False, INVALID)
    assert a.authenticate(None, None) == AuthResult(False, MISSING)


def test_any_mode_accepts_any_non_empty_credential():
    a = Authenticator((), mode="any")
    assert a.authenticate("whatever", None).ok
    assert a.authenticate("Bearer x", None).ok
    assert a.authenticate(None, None) == AuthResult(False, MISSING)
    assert a.authenticate("  ", None) == AuthResult(False, MISSING)
    assert a.authenticate(None, "tok").ok


def test_token_query_parameter_must_be_a_temporary_token():
    tokens = TokenAuthority(b"s" * 32)
    a = Authenticator(("k1",), tokens=tokens)
    assert not a.authenticate(None, "k1").ok  # an API key is no temporary token
    assert a.authenticate(None, "nope") == AuthResult(False, INVALID)
    minted = tokens.mint(60, 300)
    assert a.authenticate(None, minted) == AuthResult(True, max_session_s=300)


def test_token_query_parameter_wins_over_header():
    # Spec §2.1 resolution order: a ?token= is validated first, the header is not consulted.
    a = Authenticator(("k1",))
    assert a.credential("k1", "tok") == "tok"
    assert a.authenticate("k1", "nope") == AuthResult(False, INVALID)


def test_empty_token_parameter_falls_back_to_header():
    a = Authenticator(("k1",))
    assert a.authenticate("k1", "").ok


def test_credential_extraction():
    a = Authenticator(("k1",))
    assert a.credential(None, None) is None
    assert a.credential(" Bearer  abc ", None) == "abc"
    assert Authenticator(("k1",), strip_bearer=False).credential("Bearer abc", None) == "Bearer abc"


def test_non_ascii_key_does_not_crash():
    a = Authenticator(("k1",))
    assert a.authenticate("ключ", None) == AuthResult(False, INVALID)
    assert Authenticator(("ключ",)).authenticate("ключ", None).ok


# ---------------------------------------------------------------------------------------------
# Over the WebSocket
# ---------------------------------------------------------------------------------------------


def assert_refused(ws, text: str) -> None:
    messages, close = drain(ws)
    assert messages == [{"type": "Error", "error_code": 1008, "error": text}]
    assert close["code"] == 1008
    assert close.get("reason") in (text, "See Error message for details")


def assert_begins(ws) -> None:
    first = recv_json(ws)
    assert first["type"] == "Begin", first
    terminate(ws)
    messages, close = drain(ws)
    assert [m["type"] for m in messages] == ["Termination"]
    assert close["code"] == 1000


def test_missing_authorization_header(client):
    with client.websocket_connect("/v3/ws?sample_rate=16000") as ws:
        assert_refused(ws, MISSING)


def test_wrong_key_is_refused_on_the_socket(client):
    with client.websocket_connect("/v3/ws?sample_rate=16000", headers=auth("wrong-key")) as ws:
        assert_refused(ws, INVALID)


def test_right_key(client):
    with client.websocket_connect("/v3/ws?sample_rate=16000", headers=auth()) as ws:
        assert_begins(ws)


def test_bearer_accepted_by_default(client):
    with client.websocket_connect("/v3/ws?sample_rate=16000", headers=auth(f"Bearer {API_KEY}")) as ws:
        assert_begins(ws)


def test_bearer_refused_when_strip_bearer_false(make_client):
    c = make_client(strip_bearer=False)
    with c.websocket_connect("/v3/ws?sample_rate=16000", headers=auth(f"Bearer {API_KEY}")) as ws:
        assert_refused(ws, INVALID)
    with c.websocket_connect("/v3/ws?sample_rate=16000", headers=auth()) as ws:
        assert_begins(ws)


def test_auth_mode_any(make_client):
    c = make_client(auth_mode="any", api_keys=())
    with c.websocket_connect("/v3/ws?sample_rate=16000", headers=auth("literally-anything")) as ws:
        assert_begins(ws)
    with c.websocket_connect("/v3/ws?sample_rate=16000") as ws:
        assert_refused(ws, MISSING)


def test_api_keys_from_config_when_not_injected():
    # create_app(api_keys=None) falls back to ServerConfig.api_keys.
    app = create_app(ServerConfig(vad="energy", api_keys=("cfg-key",)), engine=default_engine(),
                     vad=EnergyVoiceDetector())
    with TestClient(app) as c:
        with c.websocket_connect("/v3/ws?sample_rate=16000", headers=auth("cfg-key")) as ws:
            assert_begins(ws)
        with c.websocket_connect("/v3/ws?sample_rate=16000", headers=auth()) as ws:
            assert_refused(ws, INVALID)


def test_token_query_credential(client):
    token = client.get("/v3/token?expires_in_seconds=60", headers=auth()).json()["token"]
    with client.websocket_connect(f"/v3/ws?sample_rate=16000&token={token}") as ws:
        assert_begins(ws)
    with client.websocket_connect(f"/v3/ws?sample_rate=16000&token={API_KEY}") as ws:
        assert_refused(ws, INVALID)  # an API key is not a temporary token


def test_bad_token_query_credential(client):
    with client.websocket_connect("/v3/ws?sample_rate=16000&token=nope") as ws:
        assert_refused(ws, INVALID)


def test_auth_checked_before_parameters(client):
    # An unauthenticated client learns nothing about parameter validation.
    with client.websocket_connect("/v3/ws?sample_rate=7000") as ws:
        assert_refused(ws, MISSING)

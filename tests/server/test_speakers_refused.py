"""A server without the speaker weights refuses speaker_labels sessions with 3006 and the install command
(never finals silently without labels); other sessions are served.

Kept in its own module. It used to fail now and then (after tests/server/test_ws.py, or on a loaded machine) with
CancelledError: the second session was left open when its block ended, and Starlette's test client cancelled the
server task on exit. The session is now ended with Terminate first."""

from __future__ import annotations

from hushscribe.server import app as app_module

from .conftest import auth, drain


def test_speaker_labels_without_the_weights_are_refused_with_3006(make_client, monkeypatch):
    monkeypatch.setattr(app_module, "load_encoder", lambda: None)
    client = make_client()
    with client.websocket_connect("/v3/ws?sample_rate=16000&speaker_labels=true", headers=auth()) as ws:
        messages, close = drain(ws)
    assert [m["type"] for m in messages] == ["Error"] and close["code"] == 3006
    assert messages[0]["error"].startswith("User Input Validation Error: Invalid 'speaker_labels': speaker labelling "
                                           "is not installed")
    assert "scripts/install-speakers" in messages[0]["error"]
    with client.websocket_connect("/v3/ws?sample_rate=16000", headers=auth()) as ws:  # others are served
        assert ws.receive_json()["type"] == "Begin"
        # End it the protocol's way: leaving the block with the session open made Starlette's test client cancel
        # the server task on exit, which it raised as CancelledError (on a loaded machine, most runs).
        ws.send_text('{"type":"Terminate"}')
        messages, close = drain(ws)
    assert [m["type"] for m in messages] == ["Termination"] and close["code"] == 1000

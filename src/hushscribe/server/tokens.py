"""Temporary tokens (``GET /v3/token``, protocol §2.3): stateless, HMAC-signed, expiring, single use.

Why stateless: any replica that knows the secret can verify a token without a shared store. The
token carries its own expiry and session cap. Single use is enforced by remembering the ids of
tokens already used until they expire: :class:`UsedTokens` in this process, or Redis when replicas
share one (``--redis-url``, server/store.py), which the session runner asks after :meth:`check`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass

EXPIRES_MIN, EXPIRES_MAX = 1, 600
SESSION_MIN, SESSION_MAX = 60, 10800

EXPIRED = "Unauthorized Connection: Signature has expired"
INVALID = "Unauthorized Connection: Invalid API key"
REUSED = "Unauthorized Connection: Token has already been used"


@dataclass(frozen=True)
class TokenClaims:
    token_id: str
    expires_at: float  # unix seconds: the token must be used before this
    max_session_s: int
    key_id: str = ""  # pseudonymous id of the API key that minted it (per-key session limit)


class TokenError(Exception):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UsedTokens:
    """Ids of single-use tokens already used, each kept until its token expires (in this process)."""

    def __init__(self, clock=time.time):
        self._clock = clock
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

    def claim(self, token_id: str, expires_at: float) -> bool:
        """True the first time ``token_id`` is claimed."""
        now = self._clock()
        with self._lock:
            self._used = {k: v for k, v in self._used.items() if v > now}
            if token_id in self._used:
                return False
            self._used[token_id] = expires_at
            return True


class TokenAuthority:
    def __init__(self, secret: bytes, single_use: bool = True, clock=time.time):
        self._secret = secret
        self.single_use = single_use
        self._clock = clock
        self._used = UsedTokens(clock)

    def mint(self, expires_in_s: int, max_session_s: int = SESSION_MAX, key_id: str = "") -> str:
        claims = {"id": secrets.token_urlsafe(12), "exp": int(self._clock()) + int(expires_in_s),
                  "msd": int(max_session_s), "kid": key_id}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"hs1.{payload}.{self._sign(payload)}"

    def verify(self, token: str) -> TokenClaims:
        """Claims of a valid token, or TokenError with the 1008 text. Marks single-use tokens used
        (in this process; the server claims through its shared store instead, see :meth:`check`)."""
        claims = self.check(token)
        if self.single_use and not self._used.claim(claims.token_id, claims.expires_at):
            raise TokenError(REUSED)
        return claims

    def check(self, token: str) -> TokenClaims:
        """Signature and expiry only: whether the token was used already is the caller's question."""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != "hs1":
            raise TokenError(INVALID)
        _, payload, signature = parts
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise TokenError(INVALID)
        try:
            data = json.loads(_unb64(payload))
            claims = TokenClaims(str(data["id"]), float(data["exp"]), int(data["msd"]), str(data.get("kid", "")))
        except (ValueError, KeyError, TypeError):
            raise TokenError(INVALID) from None
        if self._clock() >= claims.expires_at:
            raise TokenError(EXPIRED)
        return claims

    def key_id(self, key: str) -> str:
        """A stable pseudonym for an API key: keyed by the token secret, so replicas that share the secret
        agree, and neither the token holder nor a log reader can test guesses of the key against it."""
        return _b64(hmac.new(self._secret, b"key-id:" + key.encode("utf-8", "surrogatepass"),
                             hashlib.sha256).digest()[:12])

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()[:24])


def looks_like_token(value: str) -> bool:
    return value.startswith("hs1.")

"""Who may open a session: API keys in ``Authorization`` (raw, as the SDKs send it, protocol §2.1).

Pure functions over the header/query values so the rules are unit-tested; keys are compared in
constant time.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field

from .tokens import TokenAuthority, TokenError, looks_like_token


@dataclass(frozen=True)
class AuthResult:
    ok: bool
    error: str = ""  # the 1008 error text when not ok
    max_session_s: int | None = None  # a temporary token's session cap
    key_id: str = field(default="", compare=False)  # pseudonym of the API key behind the credential (tokens: the key that minted them)
    kind: str = field(default="", compare=False)  # "key" or "token"
    # A signed temporary token: its id and expiry, for the single-use claim the caller makes in the
    # shared store (server/store.py). Empty for API keys and for 'any' mode's unsigned tokens.
    token_id: str = field(default="", compare=False)
    token_expires_at: float = field(default=0.0, compare=False)


MISSING = "Unauthorized Connection: Missing Authorization header"
INVALID = "Unauthorized Connection: Invalid API key"


class Authenticator:
    def __init__(self, api_keys: tuple[str, ...], mode: str = "keys", strip_bearer: bool = True,
                 tokens: TokenAuthority | None = None):
        self._keys = tuple(k.encode() for k in api_keys)
        self.mode = mode
        self.strip_bearer = strip_bearer
        self.tokens = tokens
        self._id_secret = secrets.token_bytes(32)

    def credential(self, authorization: str | None, token_param: str | None) -> str | None:
        if token_param:
            return token_param
        if authorization is None:
            return None
        value = authorization.strip()
        if self.strip_bearer and value[:7].lower() == "bearer ":
            value = value[7:].strip()
        return value or None

    def check_key(self, key: str) -> bool:
        if self.mode == "any":
            return bool(key)
        candidate = key.encode()
        ok = False
        for k in self._keys:  # no early exit: time does not depend on which key matched
            ok |= hmac.compare_digest(candidate, k)
        return ok

    def key_id(self, key: str) -> str:
        """Pseudonym of a key, for per-key accounting (never the key itself)."""
        if self.tokens is not None:
            return self.tokens.key_id(key)
        return hmac.new(self._id_secret, key.encode("utf-8", "surrogatepass"), "sha256").hexdigest()[:16]

    def authenticate(self, authorization: str | None, token_param: str | None) -> AuthResult:
        """``?token=`` is a temporary token; the header holds an API key or (Python SDK) a token.
        Pure: a token's signature and expiry are checked here, its single use by the caller."""
        cred = self.credential(authorization, token_param)
        if cred is None:
            return AuthResult(False, MISSING)
        if not token_param and self.check_key(cred):
            return AuthResult(True, key_id=self.key_id(cred), kind="key")
        if self.tokens is not None and (token_param or looks_like_token(cred)):
            try:
                claims = self.tokens.check(cred)
            except TokenError as exc:
                return AuthResult(False, str(exc))
            return AuthResult(True, max_session_s=claims.max_session_s, key_id=claims.key_id or self.key_id(cred),
                              kind="token", token_id=claims.token_id, token_expires_at=claims.expires_at)
        if token_param and self.mode == "any":
            return AuthResult(True, key_id=self.key_id(cred), kind="token")
        return AuthResult(False, INVALID)

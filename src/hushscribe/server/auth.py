"""Who may open a session: API keys in ``Authorization`` (raw, as the SDKs send it, spec §2.1).

Pure functions over the header/query values so the rules are unit-tested; keys are compared in
constant time.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from .tokens import TokenAuthority, TokenError, looks_like_token


@dataclass(frozen=True)
class AuthResult:
    ok: bool
    error: str = ""  # the 1008 error text when not ok
    max_session_s: int | None = None  # a temporary token's session cap


MISSING = "Unauthorized Connection: Missing Authorization header"
INVALID = "Unauthorized Connection: Invalid API key"


class Authenticator:
    def __init__(self, api_keys: tuple[str, ...], mode: str = "keys", strip_bearer: bool = True,
                 tokens: TokenAuthority | None = None):
        self._keys = tuple(k.encode() for k in api_keys)
        self.mode = mode
        self.strip_bearer = strip_bearer
        self.tokens = tokens

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

    def authenticate(self, authorization: str | None, token_param: str | None) -> AuthResult:
        """``?token=`` is a temporary token; the header holds an API key or (Python SDK) a token."""
        cred = self.credential(authorization, token_param)
        if cred is None:
            return AuthResult(False, MISSING)
        if not token_param and self.check_key(cred):
            return AuthResult(True)
        if self.tokens is not None and (token_param or looks_like_token(cred)):
            try:
                claims = self.tokens.verify(cred)
            except TokenError as exc:
                return AuthResult(False, str(exc))
            return AuthResult(True, max_session_s=claims.max_session_s)
        if token_param and self.mode == "any":
            return AuthResult(True)
        return AuthResult(False, INVALID)

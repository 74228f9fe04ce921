"""OAuth2 bearer JWTs (RFC 7519, RFC 6750): issuer, audience, expiry, subject and scopes, checked with PyJWT.

Loaded by :mod:`adapter.api.auth` only when a JWT issuer is configured, so that a facade with API keys alone starts
without PyJWT and cryptography.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import jwt

from adapter.api.auth import Principal
from adapter.exceptions import Unauthenticated
from adapter.settings import JwtSettings

log = logging.getLogger("adapter.auth")


class JwtVerifier:
    """Verifies OAuth2 bearer JWTs: signature (a shared secret, a JWKS file or a JWKS URL), issuer, audience,
    expiry; the subject and scopes become the :class:`Principal`."""

    def __init__(self, settings: JwtSettings) -> None:
        self.settings = settings
        self.algorithms = list(settings.algorithms) + (["HS256"] if settings.secret else [])
        self._jwks = jwt.PyJWKSet.from_dict(json.loads(settings.jwks_file.read_text())) if settings.jwks_file else None
        self._client = jwt.PyJWKClient(settings.jwks_url, cache_keys=True) if settings.jwks_url else None

    async def verify(self, token: str) -> Principal:
        try:
            key = await self._key(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
            return Principal(subject=_subject(claims), scopes=_scopes(claims), method="jwt")
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the bearer token has expired", error="invalid_token") from None
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            # One message for every failure: which check failed is for the log (one line, no traceback), not for
            # the caller.
            log.info("bearer token refused: %s: %s", type(exc).__name__, exc)
            raise Unauthenticated("the bearer token is not valid", error="invalid_token") from None

    async def _key(self, token: str) -> Any:
        header = jwt.get_unverified_header(token)
        if self.settings.secret is not None and header.get("alg") == "HS256":
            return self.settings.secret.get_secret_value()
        kid = header.get("kid")
        if self._jwks is not None:
            for candidate in self._jwks.keys:
                if kid is None or candidate.key_id == kid:
                    return candidate.key
            raise KeyError(f"no key {kid!r} in the JWKS file")
        if self._client is not None:
            client = self._client
            found = await anyio.to_thread.run_sync(lambda: client.get_signing_key_from_jwt(token))
            return found.key
        raise ValueError("no key for this token")


def _subject(claims: dict[str, Any]) -> str:
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:  # RFC 7519 §4.1.2: a case-sensitive string
        raise ValueError("the sub claim is not a string")
    return subject


def _scopes(claims: dict[str, Any]) -> frozenset[str]:
    """RFC 8693 §4.2 ``scope``: one space-separated string; Azure AD's ``scp`` may be a list of strings. Anything else
    (a number, an object, a list of numbers) makes the token invalid rather than guessing what it grants."""
    raw = claims.get("scope", claims.get("scp", ""))
    if isinstance(raw, str):
        return frozenset(raw.split())
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return frozenset(raw)
    raise ValueError(f"the scope claim is a {type(raw).__name__}, not a string or a list of strings")

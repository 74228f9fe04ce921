"""Who is calling: API keys (``X-API-Key``, stored hashed) and OAuth2 bearer JWTs (issuer, audience, expiry).

Authentication runs in a middleware for every path that is not public, before any route code; each route then
checks the scopes its mapping declares, still before any backend is contacted. A public path means no credentials
and no scopes: its caller is :data:`ANONYMOUS`, and a mapped route that declares scopes may not be public
(:func:`refuse_scoped_public_routes`, at start-up).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from adapter.api import problems
from adapter.exceptions import AdapterError, ConfigError, Forbidden, Unauthenticated
from adapter.mapping.compiler import CompiledMapping, CompiledRoute
from adapter.settings import AuthSettings

if TYPE_CHECKING:
    from adapter.api.bearer import JwtVerifier

API_KEY_HEADER = "x-api-key"
_KNOWN_KEYS = 1024


def hash_key(key: str) -> str:
    """The stored form of an API key. Keys are long random secrets, so one SHA-256 is enough (as for GitHub tokens);
    the point is that a leaked configuration does not leak usable keys."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    subject: str
    scopes: frozenset[str]
    method: str  # "api-key" or "jwt"

    def require(self, needed: Iterable[str]) -> None:
        """Raise :class:`Forbidden` unless every needed scope is granted."""
        if "*" in self.scopes:
            return
        missing = [scope for scope in needed if scope not in self.scopes]
        if missing:
            raise Forbidden(missing)


ANONYMOUS = Principal(subject="anonymous", scopes=frozenset(), method="none")
"""The caller of a public path: no credentials, no scopes."""
UNCHECKED = Principal(subject="anonymous", scopes=frozenset({"*"}), method="none")
"""Every caller when the operator switched authentication off (``ADAPTER_AUTH__REQUIRED=false`` and no credentials
configured): the facade is open, as that setting says, for local experiments."""


class Authenticator:
    def __init__(self, settings: AuthSettings) -> None:
        if settings.required and not settings.api_keys and settings.jwt is None:
            raise ConfigError(
                "authentication is required but no API key or JWT issuer is configured "
                "(set ADAPTER_AUTH__API_KEYS or ADAPTER_AUTH__JWT, or ADAPTER_AUTH__REQUIRED=false)"
            )
        self.enabled = bool(settings.api_keys or settings.jwt)
        self.keys = [(key.hash.removeprefix("sha256:"), key) for key in settings.api_keys]
        self.jwt: JwtVerifier | None = None
        if settings.jwt:
            from adapter.api.bearer import JwtVerifier  # PyJWT and cryptography load only when a JWT issuer is set

            self.jwt = JwtVerifier(settings.jwt)
        self._known: dict[str, Principal] = {}  # valid key → its Principal (frozen): hashed and compared once

    async def authenticate(self, request: Request) -> Principal:
        if not self.enabled:
            return UNCHECKED
        key = request.headers.get(API_KEY_HEADER)
        if key is not None:
            return self._api_key(key)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token and self.jwt is not None:
            return await self.jwt.verify(token.strip())
        raise Unauthenticated("send an API key in X-API-Key or a bearer token in Authorization")

    def _api_key(self, key: str) -> Principal:
        known = self._known.get(key)
        if known is not None:
            return known
        principal = self._check_api_key(key)
        if len(self._known) < _KNOWN_KEYS:  # only keys that are valid, so at most as many as are configured
            self._known[key] = principal
        return principal

    def _check_api_key(self, key: str) -> Principal:
        digest = hashlib.sha256(key.encode()).hexdigest()
        found = None
        for stored, entry in self.keys:  # compare with every key, in constant time each
            if hmac.compare_digest(stored, digest):
                found = entry
        if found is None:
            raise Unauthenticated("the API key is not valid")
        return Principal(subject=found.name, scopes=frozenset(found.scopes), method="api-key")


class AuthMiddleware:
    """Authenticates every non-public request and leaves the :class:`Principal` in ``scope["state"]``."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator, public_paths: Iterable[str]) -> None:
        self.app = app
        self.authenticator = authenticator
        self.public = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in self.public:
            scope.setdefault("state", {})["principal"] = ANONYMOUS  # credentials sent anyway are not looked at
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            principal = await self.authenticator.authenticate(request)
        except AdapterError as exc:
            response = await problems.adapter_error(request, exc)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def principal(request: Request) -> Principal:
    found = request.scope.get("state", {}).get("principal")
    return found if isinstance(found, Principal) else ANONYMOUS


def refuse_scoped_public_routes(mappings: Iterable[CompiledMapping], public_paths: Iterable[str]) -> None:
    """Raise :class:`ConfigError` (one line) when a public path is a mapped route that declares scopes: public means
    no credentials and so no scopes, and listing such a route must not silently open it."""
    public = list(public_paths)
    for mapping in mappings:
        for compiled in mapping.routes:
            _refuse_if_public(compiled, mapping.file, public)


def _refuse_if_public(compiled: CompiledRoute, file: str, public: list[str]) -> None:
    if compiled.scopes:
        pattern = compile_path(compiled.route.path)[0]
        for path in public:
            if path == compiled.route.path or pattern.match(path):
                raise ConfigError(
                    f"ADAPTER_AUTH__PUBLIC_PATHS lists {path}, but {compiled.route.method} {compiled.route.path} "
                    f"({file}) needs the scope(s) {', '.join(compiled.scopes)}: a public path has no credentials "
                    "and no scopes; remove it from the list or the scopes from the route"
                )

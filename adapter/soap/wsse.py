"""Outbound WS-Security for a backend, from its mapping's ``backend.security`` (OASIS WSS 1.1 UsernameToken)."""

from __future__ import annotations

from typing import Any

from zeep.wsse.username import UsernameToken

from adapter.mapping.model import Backend


def security(backend: Backend) -> Any:
    """The zeep WS-Security plugin for ``backend``, or ``None``."""
    if backend.security is None or backend.security.username_token is None:
        return None
    token = backend.security.username_token
    return UsernameToken(token.username, token.password, use_digest=token.digest)

"""The access log: one JSON record per request (see :mod:`adapter.logs` for the format)."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapter import logs

ACCESS = logging.getLogger("adapter.access")


class AccessLogMiddleware:
    """One record per request: route, operation, status, fault code, duration, caller (and the request id every
    record of the request carries, :mod:`adapter.logs`); never the raw path, which may carry an account number.

    The app fills ``scope["state"]``: ``route`` (a route template, or a served endpoint's path), ``operation``,
    ``log_params``, ``principal`` (its ``subject``) or ``caller`` (a served endpoint's UsernameToken user or client
    certificate subject), and ``fault`` (a served endpoint's SOAP fault code)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            logs.info(ACCESS, "request", _fields(scope, status, started))


def _fields(scope: Scope, status: int, started: float) -> dict[str, Any]:
    state = scope.get("state", {})
    return {
        "method": scope["method"],
        "route": state.get("route", "unmapped"),
        "operation": state.get("operation"),
        "params": state.get("log_params"),
        "status": status,
        "durationMs": round((time.perf_counter() - started) * 1000, 2),
        "fault": state.get("fault"),
        "caller": state.get("caller") or _subject(state.get("principal")),
    }


def _subject(principal: object) -> str | None:
    """Who called, as authenticated: nobody for a public path or a served endpoint that refused the caller."""
    if principal is None or getattr(principal, "method", "none") == "none":
        return None
    return str(getattr(principal, "subject", None))

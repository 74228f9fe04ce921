"""Request ids: taken from a well-formed ``X-Request-ID`` or made fresh, echoed on every response, and bound to every
log record written while the request is served (:func:`adapter.logs.bind`)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapter import logs
from adapter.ids import uuid4_hex

_WELL_FORMED = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")
HEADER = b"x-request-id"


def request_id(request: Request) -> str:
    rid = request.scope.get("state", {}).get("request_id")
    return str(rid) if rid else uuid4_hex()


class RequestIdMiddleware:
    """Pure ASGI middleware (no per-request task overhead) that stores the id in ``scope["state"]``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == HEADER), b"")
        rid = given.decode() if _WELL_FORMED.match(given) else uuid4_hex()
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                if not any(k.lower() == HEADER for k, _ in headers):
                    message = {**message, "headers": [*headers, (HEADER, rid.encode())]}
            await send(message)

        token = logs.bind(logs.RequestContext(request_id=rid))
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logs.unbind(token)

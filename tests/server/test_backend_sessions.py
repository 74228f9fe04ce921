"""No backend session crosses callers of a served contract either: a REST backend that sets a session cookie on
every reply never gets it back, whichever SOAP caller the next call is made for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from pydantic import SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapter.app import create_app
from adapter.demo.runner import SOAP_ACTION, SOAP_EXAMPLE, SOAP_PASSWORD, SOAP_USER
from adapter.demo.simulators import payments_hub
from adapter.testing import serve_asgi
from tests.conftest import project_settings
from tests.server.conftest import FACADE_ENV, PATH

CALLERS = {f"branch-{n:04d}": f"pass-{n:04d}" for n in (1, 2, 3)}


class SessionSettingHub:
    """The payments hub behind an ASGI wrapper that opens a session on every reply and records each request's
    Cookie header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cookies: list[str | None] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        self.cookies.append(headers.get(b"cookie", b"").decode() or None)
        session = f"HUBSESSION=s{len(self.cookies):04d}; Path=/".encode()

        async def with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"set-cookie", session)]}
            await send(message)

        await self.app(scope, receive, with_session)


@pytest.fixture
def hub() -> SessionSettingHub:
    return SessionSettingHub(payments_hub.create_app())


@pytest.fixture
def endpoint(hub: SessionSettingHub) -> Iterator[str]:
    users = {name: SecretStr(password) for name, password in CALLERS.items()}
    with ExitStack() as stack:
        hub_url = stack.enter_context(serve_asgi(hub))
        app = create_app(project_settings(soap_users=users), env={**FACADE_ENV, "PAYMENTS_HUB_URL": hub_url})
        yield stack.enter_context(serve_asgi(app)) + PATH


def test_a_rest_backend_session_cookie_is_never_sent_back_for_any_caller(hub: SessionSettingHub, endpoint: str) -> None:
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{SOAP_ACTION}"'}
    with httpx.Client(timeout=30) as client:
        for _ in range(3):
            for user, password in CALLERS.items():
                body = SOAP_EXAMPLE.replace(f">{SOAP_USER}<", f">{user}<").replace(
                    f">{SOAP_PASSWORD}<", f">{password}<"
                )
                reply = client.post(endpoint, content=body.encode(), headers=headers)
                assert reply.status_code == 200, reply.text
                assert "set-cookie" not in reply.headers
    assert len(hub.cookies) == 3 * len(CALLERS)
    assert hub.cookies == [None] * len(hub.cookies), f"cookies sent to the backend: {hub.cookies}"

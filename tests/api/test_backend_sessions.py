"""No backend session crosses JSON callers: a legacy service that sets a session cookie (Axis 1.4 sets JSESSIONID on
every reply) never gets it back, so one caller's backend session cannot serve another caller."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from itertools import count
from typing import Any

import httpx

from adapter.api.auth import hash_key
from adapter.demo.simulators import bank
from adapter.settings import ApiKey, AuthSettings
from tests.conftest import BANK_PASSWORD, BANK_USER, project_settings, running_stack

ACCOUNTS = ("DE89370400440532013000", "DE02120300000000202051")


class SessionSettingBackend:
    """A WSGI wrapper that opens a new session on each reply without one, as Axis does, and records the Cookie
    header of every request it receives."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.cookies: list[str | None] = []
        self._ids = count(1)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self._lock:
            self.cookies.append(environ.get("HTTP_COOKIE"))
            session = f"JSESSIONID=axis-{next(self._ids):04d}; Path=/corebanking"

        def with_session(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            return start_response(status, [*headers, ("Set-Cookie", session)], *rest)

        return self.app(environ, with_session)


def test_a_backend_session_cookie_is_never_sent_back_for_any_caller() -> None:
    backend = SessionSettingBackend(bank.create_app(username=BANK_USER, password=BANK_PASSWORD))
    callers = {name: f"{name}-key" for name in ("mobile-app", "branch-portal", "batch")}
    keys = [ApiKey(name=name, hash=hash_key(key)) for name, key in callers.items()]
    settings = project_settings(auth=AuthSettings(api_keys=keys))
    with running_stack(bank_app=backend, settings=settings) as stack:
        for round_ in range(4):
            for key in callers.values():
                account = ACCOUNTS[round_ % 2]
                reply = httpx.get(f"{stack.url}/v1/accounts/{account}/balance", headers={"X-API-Key": key})
                assert reply.status_code == 200, reply.text
                assert "set-cookie" not in reply.headers, "the backend's session must not reach the JSON caller"
    assert len(backend.cookies) == 4 * len(callers)
    assert backend.cookies == [None] * len(backend.cookies), f"cookies sent to the backend: {backend.cookies}"

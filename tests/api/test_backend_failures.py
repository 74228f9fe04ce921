"""A backend that is down or too slow: 502 and 504, fast, and the facade stays healthy."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from adapter.demo.simulators import bank
from adapter.testing import free_port
from tests.api.problem import assert_problem
from tests.conftest import BANK_PASSWORD, BANK_USER, running_stack

MAIN = "DE89370400440532013000"


def test_stopped_backend_is_502() -> None:
    closed = free_port()  # nothing listens there
    with running_stack(env={"BANK_URL": f"http://127.0.0.1:{closed}/corebanking"}) as stack:
        started = time.monotonic()
        body = assert_problem(stack.client.get(f"/v1/accounts/{MAIN}/balance"), 502, "backend-unavailable")
        assert time.monotonic() - started < 5
        assert "127.0.0.1" not in body["detail"]
        # The ERP routes do not share the bank's fate.
        assert stack.client.get("/v1/customers/100042").status_code == 200


def _slow(app: Callable[..., Iterable[bytes]], release: threading.Event) -> Callable[..., Iterable[bytes]]:
    def slow_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        release.wait(timeout=5)
        return app(environ, start_response)

    return slow_app


def test_slow_backend_is_504_and_the_next_call_works() -> None:
    release = threading.Event()
    slow = _slow(bank.create_app(username=BANK_USER, password=BANK_PASSWORD), release)
    with running_stack(bank_app=slow, env={"BANK_TIMEOUT": "0.3"}) as stack:
        started = time.monotonic()
        assert_problem(stack.client.get(f"/v1/accounts/{MAIN}"), 504, "backend-timeout")
        assert time.monotonic() - started < 3
        release.set()
        assert stack.client.get(f"/v1/accounts/{MAIN}").status_code == 200


def test_backend_with_wrong_credentials_is_502_without_its_message() -> None:
    with running_stack(env={"BANK_PASSWORD": "wrong"}) as stack:
        response = stack.client.get(f"/v1/accounts/{MAIN}")
        body = assert_problem(response, 502, "backend-fault")
        assert "authenticated" not in body["detail"]
        assert "security token" not in response.text

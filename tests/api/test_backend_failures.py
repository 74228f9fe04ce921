"""A backend that is down or too slow: 502 and 504, and the facade stays healthy.

No assertion reads a clock: that the facade gave up before a slow backend answered is shown by the backend itself,
which is still holding the call (an event) when the 504 arrives."""

from __future__ import annotations

import threading
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
        body = assert_problem(stack.client.get(f"/v1/accounts/{MAIN}/balance"), 502, "backend-unavailable")
        assert "127.0.0.1" not in body["detail"]
        # The ERP routes do not share the bank's fate.
        assert stack.client.get("/v1/customers/100042").status_code == 200


class Held:
    """The bank simulator, except that the first call is held until the test releases it."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.release = threading.Event()
        self.answered = threading.Event()  # set when the held call goes on to the real backend
        self._first = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self._first.acquire(blocking=False):
            self.release.wait(timeout=120)
            self.answered.set()
        return self.app(environ, start_response)


def test_slow_backend_is_504_and_the_next_call_works() -> None:
    held = Held(bank.create_app(username=BANK_USER, password=BANK_PASSWORD))
    # 2 s: far above what a loaded machine needs for the next call, far below the held call's 120 s.
    with running_stack(bank_app=held, env={"BANK_TIMEOUT": "2"}) as stack:
        assert_problem(stack.client.get(f"/v1/accounts/{MAIN}"), 504, "backend-timeout")
        assert not held.answered.is_set(), "the 504 came only after the backend answered"
        held.release.set()
        assert stack.client.get(f"/v1/accounts/{MAIN}").status_code == 200


def test_backend_with_wrong_credentials_is_502_without_its_message() -> None:
    with running_stack(env={"BANK_PASSWORD": "wrong"}) as stack:
        response = stack.client.get(f"/v1/accounts/{MAIN}")
        body = assert_problem(response, 502, "backend-fault")
        assert "authenticated" not in body["detail"]
        assert "security token" not in response.text

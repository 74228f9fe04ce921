"""Resilience per backend, end to end on the real facade and the bank simulator: a hanging backend opens the breaker
and later calls answer 503 with Retry-After without reaching it; a recovered backend closes it after the probe;
retries happen for a GET and never for a POST without ``retry: safe``; a full bulkhead answers 503; retries never
stretch the deadline. The state machine itself is driven by a clock the test moves."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from adapter.exceptions import BackendTimeout, BackendUnavailable, BulkheadFull, CircuitOpen
from adapter.ops.events import Event, Events
from adapter.ops.resilience import CLOSED, HALF_OPEN, OPEN, Breaker, Policy, Resilience
from adapter.settings import Resilience as Defaults
from tests.api.problem import assert_problem
from tests.conftest import running_stack
from tests.ops.project import MAIN, SAVINGS, Backend, bank_mapping, bank_settings

TRANSFER = {
    "debtorAccount": MAIN,
    "creditorAccount": SAVINGS,
    "creditorName": "Alice Martin",
    "amount": {"amount": "1.00", "currency": "EUR"},
}


def test_a_hanging_backend_opens_the_breaker_and_a_recovered_one_closes_it(tmp_path: Path) -> None:
    backend = Backend()
    backend.mode = "hang"
    folder = bank_mapping(
        tmp_path,
        routes={"getAccount": {"limits": [{"rate": "100/minute"}]}},  # behind the traffic wrapper, RateLimit on 503s
        # open_for leaves a loaded machine ample time to make the five refused calls before the half-open probe
        resilience={"breaker": {"failures": 3, "window": 60, "open_for": 5}},
    )
    try:
        # 2 s, not less: the half-open probe must be answered within it on a loaded machine (a 0.5 s timeout made
        # every probe time out during one slow CI run)
        with running_stack(bank_app=backend, settings=bank_settings(folder), env={"BANK_TIMEOUT": "2"}) as stack:
            for _ in range(3):
                assert_problem(stack.client.get(f"/v1/accounts/{MAIN}"), 504, "backend-timeout")
            assert backend.calls["GetAccount"] == 3

            started = time.monotonic()
            refused = [stack.client.get(f"/v1/accounts/{MAIN}") for _ in range(5)]
            elapsed = time.monotonic() - started
            for response in refused:
                assert_problem(response, 503, "circuit-open")
                assert 1 <= int(response.headers["retry-after"]) <= 5
                assert response.headers["ratelimit-policy"] == '"route-minute";q=100;w=60'
            assert backend.calls["GetAccount"] == 3, "an open breaker must not call the backend"
            assert elapsed < 1.0 * len(refused), "503s of an open breaker come at once, not after a timeout"

            backend.mode = "ok"
            backend.release()
            assert _closes_again(stack.client, int(refused[-1].headers["retry-after"]))
            assert [stack.client.get(f"/v1/accounts/{MAIN}").status_code for _ in range(3)] == [200] * 3
    finally:
        backend.release()


def _closes_again(client: httpx.Client, retry_after: int) -> bool:
    """After Retry-After the next call is the half-open probe; on a loaded machine it may still time out, which
    re-opens the breaker for another round: the breaker must close within a few rounds."""
    for _ in range(5):
        time.sleep(retry_after + 0.1)
        answer = client.get(f"/v1/accounts/{MAIN}")
        if answer.status_code == 200:
            return True
        retry_after = int(answer.headers.get("retry-after", "1"))
    return False


def test_a_get_is_retried_and_a_post_is_not(tmp_path: Path) -> None:
    backend = Backend()
    backend.mode = "503"
    folder = bank_mapping(tmp_path, resilience={"retries": {"attempts": 3, "backoff": {"initial": 0.01}}})
    with running_stack(bank_app=backend, settings=bank_settings(folder)) as stack:
        assert_problem(stack.client.get(f"/v1/accounts/{MAIN}/balance"), 502, "backend-unavailable")
        assert backend.calls["GetBalance"] == 3
        body = {**TRANSFER, "clientReference": "no-retry"}
        assert_problem(stack.client.post("/v1/transfers", json=body), 502, "backend-unavailable")
        assert backend.calls["TransferFunds"] == 1, "a POST is never sent twice unless its route says retry: safe"


def test_a_post_marked_safe_is_retried_and_a_retry_can_succeed(tmp_path: Path) -> None:
    backend = Backend()
    backend.mode = "503"
    folder = bank_mapping(
        tmp_path,
        routes={"createTransfer": {"retry": "safe"}},
        resilience={"retries": {"attempts": 2, "backoff": {"initial": 0.01}}},
    )
    with running_stack(bank_app=backend, settings=bank_settings(folder)) as stack:
        body = {**TRANSFER, "clientReference": "retried"}
        assert_problem(stack.client.post("/v1/transfers", json=body), 502, "backend-unavailable")
        assert backend.calls["TransferFunds"] == 2
        backend.mode = "ok"
        assert stack.client.get(f"/v1/accounts/{MAIN}/balance").status_code == 200
        assert backend.calls["GetBalance"] == 1


def test_a_full_bulkhead_answers_503_at_once(tmp_path: Path) -> None:
    backend = Backend()
    backend.mode = "hang"
    folder = bank_mapping(tmp_path, resilience={"bulkhead": {"max_concurrent": 1}})
    try:
        with running_stack(bank_app=backend, settings=bank_settings(folder), env={"BANK_TIMEOUT": "5"}) as stack:

            async def two_at_once() -> list[int]:
                import httpx

                headers = dict(stack.client.headers)
                async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=10) as client:
                    first = asyncio.ensure_future(client.get(f"/v1/accounts/{MAIN}"))
                    while backend.calls["GetAccount"] == 0:
                        await asyncio.sleep(0.01)
                    second = await client.get(f"/v1/accounts/{MAIN}")
                    assert_problem(second, 503, "backend-busy")
                    assert second.headers["retry-after"] == "1"
                    backend.release()
                    return [(await first).status_code, second.status_code]

            assert asyncio.run(two_at_once()) == [200, 503]
            assert backend.calls["GetAccount"] == 1
    finally:
        backend.release()


# -- the state machine, on a clock the test moves ---------------------------------------------------------------


def _policy(**overrides: float) -> Policy:
    return Policy.resolve(None, Defaults(**overrides), timeout=1.0)  # type: ignore[arg-type]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_breaker_counts_failures_in_a_row_within_the_window_and_probes_once() -> None:
    seen: list[Event] = []
    events = Events()
    events.subscribe(seen.append)
    clock = Clock()
    policy = Policy.resolve(None, Defaults(breaker={"failures": 3, "window": 10, "open_for": 5}), timeout=1.0)
    breaker = Breaker("bank", policy, events, clock)
    for _ in range(2):
        assert breaker.admit()
        breaker.record(failed=True)
    breaker.record(failed=False)  # a success in between starts the count again
    for _ in range(2):
        breaker.record(failed=True)
    clock.now += 11  # outside the window: the older failures no longer count
    breaker.record(failed=True)
    assert breaker.state == CLOSED
    breaker.record(failed=True)
    breaker.record(failed=True)
    assert breaker.state == OPEN and not breaker.admit()
    assert breaker.retry_after() == 5
    clock.now += 5
    assert breaker.admit() and breaker.state == HALF_OPEN  # the probe
    assert not breaker.admit()  # only one probe at a time
    breaker.record(failed=True)
    assert breaker.state == OPEN
    clock.now += 5
    assert breaker.admit()
    breaker.record(failed=None)  # the probe's caller went away: the next call probes instead
    assert breaker.admit()
    breaker.record(failed=False)
    assert breaker.state == CLOSED and breaker.admit()
    assert [e.outcome for e in seen if e.kind == "breaker"] == ["open", "half-open", "open", "half-open", "closed"]


def test_retries_fit_in_the_deadline_and_only_failures_are_retried() -> None:
    async def run() -> None:
        events = Events()
        policy = Policy.resolve(
            None, Defaults(deadline=0.5, retries={"attempts": 10, "backoff_initial": 0.4, "backoff_max": 0.4}), 1.0
        )
        guard = Resilience("bank", policy, events)
        calls = 0

        async def down() -> None:
            nonlocal calls
            calls += 1
            raise BackendUnavailable("down")

        with pytest.raises(BackendUnavailable):
            await guard.call(down, retry=True)
        assert 2 <= calls < 10, "retries stop where the next pause would pass the deadline (10 would take ~2 s)"

        async def slow() -> None:  # as the HTTP client does: its own timeout (here 0.3 s) ends each attempt
            await asyncio.sleep(0.3)
            raise BackendTimeout("the backend did not answer in time")

        started = time.monotonic()
        with pytest.raises(BackendTimeout):
            await guard.call(slow, retry=True)
        assert time.monotonic() - started < 1.5, "a retry is cut at the deadline (10 attempts would take 3 s)"

        async def answers_with_a_fault() -> None:
            nonlocal calls
            calls += 1
            raise ValueError("a fault is an answer")

        calls = 0
        with pytest.raises(ValueError):
            await guard.call(answers_with_a_fault, retry=True)
        assert calls == 1 and guard.breaker.failures == 0

    asyncio.run(run())


def test_an_open_breaker_and_a_full_bulkhead_refuse_without_calling() -> None:
    async def run() -> None:
        guard = Resilience("bank", _policy(max_concurrent=1, breaker={"failures": 1}), Events())

        async def down() -> None:
            raise BackendUnavailable("down")

        with pytest.raises(BackendUnavailable):
            await guard.call(down, retry=False)
        with pytest.raises(CircuitOpen) as refused:
            await guard.call(down, retry=False)
        assert refused.value.headers()["Retry-After"] == "15"

        other = Resilience("erp", _policy(max_concurrent=1), Events())
        gate = asyncio.Event()

        async def held() -> str:
            await gate.wait()
            return "ok"

        first = asyncio.ensure_future(other.call(held, retry=False))
        await asyncio.sleep(0)
        with pytest.raises(BulkheadFull):
            await other.call(held, retry=False)
        gate.set()
        assert await first == "ok" and other.in_flight == 0

    asyncio.run(run())

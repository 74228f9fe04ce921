"""Idempotency-Key on the real facade (memory records, one instance), counted at the bank simulator: a retry with
the same key and body replays the first answer without a second transfer; another body is a 422; a retry while the
first is in flight is a 409 with Retry-After; a key expires; a route may require one; a 5xx releases the key."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from adapter.settings import Idempotency
from tests.api.problem import assert_problem
from tests.conftest import running_stack
from tests.ops.project import MAIN, SAVINGS, Backend, bank_mapping, bank_settings


def transfer(reference: str, amount: str = "1.00") -> dict[str, object]:
    return {
        "debtorAccount": MAIN,
        "creditorAccount": SAVINGS,
        "creditorName": "Alice Martin",
        "amount": {"amount": amount, "currency": "EUR"},
        "clientReference": reference,
    }


def test_same_key_same_body_replays_and_another_body_is_422(tmp_path: Path) -> None:
    backend = Backend()
    with running_stack(bank_app=backend, settings=bank_settings(bank_mapping(tmp_path))) as stack:
        key = {"Idempotency-Key": '"7f1c2e0a-replay"'}  # a Structured Field String, as the draft writes it
        first = stack.client.post("/v1/transfers", json=transfer("idem-1"), headers=key)
        assert first.status_code == 201 and "idempotent-replayed" not in first.headers
        again = stack.client.post(
            "/v1/transfers", json=transfer("idem-1"), headers={"Idempotency-Key": "7f1c2e0a-replay"}
        )
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["x-request-id"] != first.headers["x-request-id"]
        assert backend.calls["TransferFunds"] == 1

        other = stack.client.post("/v1/transfers", json=transfer("idem-1", "2.00"), headers=key)
        assert_problem(other, 422, "idempotency-key-reused")
        assert backend.calls["TransferFunds"] == 1

        # Without a key, the route is as it was: a second identical body is a second call (here: a duplicate).
        plain = stack.client.post("/v1/transfers", json=transfer("idem-1"))
        assert_problem(plain, 409, "duplicate-client-reference")
        assert backend.calls["TransferFunds"] == 2


def test_a_business_error_is_replayed_too(tmp_path: Path) -> None:
    backend = Backend()
    with running_stack(bank_app=backend, settings=bank_settings(bank_mapping(tmp_path))) as stack:
        key = {"Idempotency-Key": "too-much"}
        first = stack.client.post("/v1/transfers", json=transfer("idem-big", "99999999.00"), headers=key)
        assert_problem(first, 422, "insufficient-funds")
        again = stack.client.post("/v1/transfers", json=transfer("idem-big", "99999999.00"), headers=key)
        # The stored answer, byte for byte: its requestId names the request that made it, the header this one.
        assert (again.status_code, again.content) == (422, first.content)
        assert again.headers["content-type"] == "application/problem+json"
        assert again.headers["idempotent-replayed"] == "true"
        assert backend.calls["TransferFunds"] == 1


def test_a_retry_while_the_first_is_in_flight_is_409(tmp_path: Path) -> None:
    backend = Backend(delay={"TransferFunds": 1.0})
    with running_stack(bank_app=backend, settings=bank_settings(bank_mapping(tmp_path))) as stack:
        key = {"Idempotency-Key": "slow-one"}
        answers: list[httpx.Response] = []
        first = threading.Thread(
            target=lambda: answers.append(stack.client.post("/v1/transfers", json=transfer("idem-slow"), headers=key))
        )
        first.start()
        while backend.calls["TransferFunds"] == 0:
            time.sleep(0.01)
        busy = stack.client.post("/v1/transfers", json=transfer("idem-slow"), headers=key)
        body = assert_problem(busy, 409, "idempotency-key-in-flight")
        assert "still being processed" in body["detail"]
        assert int(busy.headers["retry-after"]) >= 1
        first.join(timeout=15)
        assert answers[0].status_code == 201
        assert stack.client.post("/v1/transfers", json=transfer("idem-slow"), headers=key).status_code == 201
        assert backend.calls["TransferFunds"] == 1


def test_a_required_key_a_bad_key_and_a_released_key(tmp_path: Path) -> None:
    backend = Backend()
    folder = bank_mapping(tmp_path, routes={"createTransfer": {"idempotency": "required"}})
    with running_stack(bank_app=backend, settings=bank_settings(folder)) as stack:
        missing = stack.client.post("/v1/transfers", json=transfer("idem-req"))
        assert_problem(missing, 400, "idempotency-key-missing")
        bad = stack.client.post("/v1/transfers", json=transfer("idem-req"), headers={"Idempotency-Key": "x" * 300})
        assert_problem(bad, 400, "bad-request")
        assert backend.calls["TransferFunds"] == 0

        backend.mode = "503"
        key = {"Idempotency-Key": "released"}
        assert_problem(
            stack.client.post("/v1/transfers", json=transfer("idem-req"), headers=key), 502, "backend-unavailable"
        )
        backend.mode = "ok"  # the outcome of a 5xx is not kept: the retry runs
        assert stack.client.post("/v1/transfers", json=transfer("idem-req"), headers=key).status_code == 201
        assert backend.calls["TransferFunds"] == 2


def test_keys_expire(tmp_path: Path) -> None:
    backend = Backend()
    settings = bank_settings(bank_mapping(tmp_path), idempotency=Idempotency(expires=0.5))
    with running_stack(bank_app=backend, settings=settings) as stack:
        key = {"Idempotency-Key": "short-lived"}
        assert stack.client.post("/v1/transfers", json=transfer("idem-exp"), headers=key).status_code == 201
        time.sleep(0.6)
        later = stack.client.post("/v1/transfers", json=transfer("idem-exp"), headers=key)
        assert_problem(later, 409, "duplicate-client-reference")  # the key was forgotten: the bank saw it again
        assert "idempotent-replayed" not in later.headers
        assert backend.calls["TransferFunds"] == 2

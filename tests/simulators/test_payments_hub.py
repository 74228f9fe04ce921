"""The payments hub simulator: a JSON API with its own validation, 404s and 409s."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from adapter.demo.simulators.payments_hub import HubState, create_app, iban_valid
from adapter.testing import serve_asgi

ORDER = {
    "debtorAccount": "DE89370400440532013000",
    "creditor": {"name": "Alice Martin", "iban": "FR7630006000011234567890189"},
    "amount": {"value": "1250.50", "currency": "EUR"},
    "endToEndId": "E2E-1",
    "remittanceInformation": ["Invoice 1"],
}


@pytest.fixture
def hub() -> Iterator[tuple[httpx.Client, HubState]]:
    state = HubState()
    with serve_asgi(create_app(state=state)) as url, httpx.Client(base_url=url) as client:
        yield client, state


def future(days: int = 10) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def test_iban_check_digits() -> None:
    assert iban_valid("DE89370400440532013000") and iban_valid("FR7630006000011234567890189")
    assert not iban_valid("DE00370400440532013000") and not iban_valid("de89370400440532013000")


def test_submit_then_get_and_cancel(hub: tuple[httpx.Client, HubState]) -> None:
    client, state = hub
    created = client.post("/payments", json={**ORDER, "requestedExecutionDate": future()})
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["amount"], body["cancelledAt"]) == (
        "scheduled",
        {"value": "1250.50", "currency": "EUR"},
        None,
    )
    assert client.get(f"/payments/{body['id']}").json() == body
    cancelled = client.post(f"/payments/{body['id']}/cancel", json={"reason": "twice"})
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["cancellationReason"] == "twice"
    again = client.post(f"/payments/{body['id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "NOT_CANCELLABLE"


def test_today_is_booked_at_once(hub: tuple[httpx.Client, HubState]) -> None:
    client, _ = hub
    booked = client.post("/payments", json={**ORDER, "requestedExecutionDate": date.today().isoformat()})
    assert booked.json()["status"] == "booked"


def test_validation_lists_every_problem(hub: tuple[httpx.Client, HubState]) -> None:
    client, _ = hub
    reply = client.post(
        "/payments",
        json={**ORDER, "debtorAccount": "DE02100100100006820101", "amount": {"value": "1.001", "currency": "USD"},
              "requestedExecutionDate": "2020-01-01"},
    )  # fmt: skip
    assert reply.status_code == 400
    assert [e["field"] for e in reply.json()["errors"]] == [
        "debtorAccount", "amount.value", "amount.currency", "requestedExecutionDate"
    ]  # fmt: skip


def test_duplicates_unknowns_and_search(hub: tuple[httpx.Client, HubState]) -> None:
    client, _ = hub
    order = {**ORDER, "requestedExecutionDate": future()}
    assert client.post("/payments", json=order).status_code == 201
    duplicate = client.post("/payments", json=order)
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "DUPLICATE_END_TO_END_ID"
    assert client.get("/payments/PAY-999999").status_code == 404
    found = client.get("/payments", params={"debtorAccount": ORDER["debtorAccount"], "status": "cancelled"})
    assert [p["id"] for p in found.json()["payments"]] == ["PAY-000004"]
    assert client.get("/payments", params={"debtorAccount": "DE00"}).status_code == 400
    assert client.post("/payments", content=b"[1]", headers={"content-type": "application/json"}).status_code == 400

"""The core-banking routes end to end: JSON over HTTP → facade → SOAP 1.1 with WS-Security → Spyne simulator."""

from __future__ import annotations

import httpx
import pytest

from tests.api.problem import assert_problem

MAIN = "DE89370400440532013000"
RICH = "DE02120300000000202051"
BLOCKED = "DE75512108001245126199"
FOREIGN = "FR7630006000011234567890189"


def transfer(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "debtorAccount": MAIN,
        "creditorAccount": FOREIGN,
        "creditorName": "Alice Martin",
        "amount": {"amount": "10.00", "currency": "EUR"},
        "remittanceInformation": "Invoice 2026-001",
        "clientReference": "ref-default",
    }
    body.update(overrides)
    return body


def test_account_details(api: httpx.Client) -> None:
    response = api.get(f"/v1/accounts/{MAIN}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    account = response.json()
    assert account["iban"] == MAIN
    assert account["status"] == "enabled"
    assert account["currency"] == "EUR"
    assert account["product"] == "current"
    assert account["openedOn"].count("-") == 2


def test_iban_with_spaces_and_lower_case_is_normalised(api: httpx.Client) -> None:
    response = api.get("/v1/accounts/de89 3704 0044 0532 0130 00")
    assert response.status_code == 200
    assert response.json()["iban"] == MAIN


def test_blocked_account_is_shown_as_blocked(api: httpx.Client) -> None:
    assert api.get(f"/v1/accounts/{BLOCKED}").json()["status"] == "blocked"


def test_balance_of_sixteen_significant_digits_is_exact(api: httpx.Client) -> None:
    response = api.get(f"/v1/accounts/{RICH}/balance")
    assert response.status_code == 200
    # Compare the raw bytes: a float anywhere on the way would have printed 98765432109876.55 or 9.87…e13.
    assert b'"booked":{"amount":"98765432109876.54","currency":"EUR"}' in response.content
    assert response.json()["iban"] == RICH


def test_balance_keeps_trailing_zero(api: httpx.Client) -> None:
    booked = api.get(f"/v1/accounts/{MAIN}/balance").json()["booked"]
    assert booked == {"amount": "1250.50", "currency": "EUR"}


def test_statement_pages(api: httpx.Client) -> None:
    query = {"from": "2026-01-01", "to": "2026-03-31", "pageSize": "10"}
    first = api.get(f"/v1/accounts/{MAIN}/transactions", params={**query, "page": "1"}).json()
    assert first["totalEntries"] >= 25
    assert first["hasMore"] is True
    assert len(first["transactions"]) == 10
    last_page = (first["totalEntries"] + 9) // 10
    last = api.get(f"/v1/accounts/{MAIN}/transactions", params={**query, "page": str(last_page)}).json()
    assert last["hasMore"] is False
    assert len(last["transactions"]) == first["totalEntries"] - 10 * (last_page - 1)
    ids = [entry["entryId"] for entry in first["transactions"]]
    assert len(set(ids)) == len(ids)


def test_statement_entry_shape_nil_and_lists(api: httpx.Client) -> None:
    query = {"from": "2026-01-01", "to": "2026-03-31", "page": "1", "pageSize": "100"}
    entries = api.get(f"/v1/accounts/{MAIN}/transactions", params=query).json()["transactions"]
    assert {entry["creditDebit"] for entry in entries} == {"credit", "debit"}
    for entry in entries:
        assert set(entry["amount"]) == {"amount", "currency"}
        assert isinstance(entry["amount"]["amount"], str)
    # xsi:nil counterparty or remittance arrives as JSON null, not as an absent key or an empty object.
    assert any(entry.get("counterparty", "absent") is None for entry in entries)
    assert any(entry.get("remittanceInformation", "absent") is None for entry in entries)


def test_statement_with_one_entry_is_still_a_list(api: httpx.Client) -> None:
    query = {"from": "2026-01-01", "to": "2026-03-31", "page": "1", "pageSize": "1"}
    body = api.get(f"/v1/accounts/{MAIN}/transactions", params=query).json()
    assert isinstance(body["transactions"], list) and len(body["transactions"]) == 1


def test_statement_outside_any_entry_is_an_empty_list(api: httpx.Client) -> None:
    query = {"from": "1999-01-01", "to": "1999-01-31"}
    body = api.get(f"/v1/accounts/{MAIN}/transactions", params=query).json()
    assert body["transactions"] == []
    assert body["totalEntries"] == 0


def test_statement_query_is_validated_by_schema_types(api: httpx.Client) -> None:
    response = api.get(f"/v1/accounts/{MAIN}/transactions", params={"from": "yesterday", "page": "two"})
    body = assert_problem(response, 422, "validation-error")
    fields = {error["field"]: error["message"] for error in body["errors"]}
    assert fields["query.from"].startswith("must be a date")
    assert fields["query.to"] == "is required"
    assert fields["query.page"] == "must be an integer"


def test_unknown_account_is_404(api: httpx.Client) -> None:
    response = api.get("/v1/accounts/DE00000000000000000000/balance")
    body = assert_problem(response, 404, "account-not-found")
    assert body["title"] == "Account not found"
    assert "DE00000000000000000000" in body["detail"]


def test_transfer_created_moves_money_and_reads_back(api: httpx.Client) -> None:
    before = api.get(f"/v1/accounts/{MAIN}/balance").json()["booked"]["amount"]
    response = api.post(
        "/v1/transfers", json=transfer(clientReference="ref-readback", amount={"amount": 12.3, "currency": "EUR"})
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/v1/transfers/{created['transferId']}"
    after = api.get(f"/v1/accounts/{MAIN}/balance").json()["booked"]["amount"]
    from decimal import Decimal

    assert Decimal(before) - Decimal(after) == Decimal("12.30")
    read = api.get(response.headers["location"]).json()
    assert read["transferId"] == created["transferId"]
    assert read["amount"] == {"amount": "12.3", "currency": "EUR"}
    assert read["creditorAccount"] == FOREIGN
    assert read["clientReference"] == "ref-readback"
    assert read["remittanceInformation"] == "Invoice 2026-001"


def test_insufficient_funds_is_422(api: httpx.Client) -> None:
    response = api.post(
        "/v1/transfers", json=transfer(clientReference="ref-big", amount={"amount": "99999.00", "currency": "EUR"})
    )
    body = assert_problem(response, 422, "insufficient-funds")
    assert MAIN in body["detail"]


def test_blocked_account_is_422(api: httpx.Client) -> None:
    response = api.post("/v1/transfers", json=transfer(debtorAccount=BLOCKED, clientReference="ref-blocked"))
    assert_problem(response, 422, "account-blocked")


def test_duplicate_client_reference_is_409(api: httpx.Client) -> None:
    first = api.post("/v1/transfers", json=transfer(clientReference="ref-twice"))
    assert first.status_code == 201
    second = api.post("/v1/transfers", json=transfer(clientReference="ref-twice"))
    problem = assert_problem(second, 409, "duplicate-client-reference")
    # The error rule's `extensions` carry the fault detail's TransferId: the caller learns which transfer it made.
    assert problem["transferId"] == first.json()["transferId"]


def test_unknown_transfer_is_404(api: httpx.Client) -> None:
    assert_problem(api.get("/v1/transfers/TRF-999999"), 404, "transfer-not-found")


@pytest.mark.parametrize(
    ("body", "status", "problem_type"),
    [
        (b'{"debtorAccount": ', 400, "invalid-json"),
        (b'{"a": 1, "a": 2}', 400, "invalid-json"),
        (b"[1, 2", 400, "invalid-json"),
        (b"\xff\xfe", 400, "invalid-json"),
        (b'{"amount": NaN}', 400, "invalid-json"),
    ],
)
def test_unusable_json_is_400(api: httpx.Client, body: bytes, status: int, problem_type: str) -> None:
    response = api.post("/v1/transfers", content=body, headers={"content-type": "application/json"})
    assert_problem(response, status, problem_type)


def test_missing_and_ill_typed_fields_are_named(api: httpx.Client) -> None:
    body = transfer(amount={"amount": "ten", "currency": "EUR"}, requestedExecutionDate="next week")
    del body["creditorName"]
    problem = assert_problem(api.post("/v1/transfers", json=body), 422, "validation-error")
    fields = {error["field"]: error["message"] for error in problem["errors"]}
    assert fields == {
        "body.creditorName": "is required",
        "body.amount.amount": "must be a decimal number (a JSON number or a numeric string)",
        "body.requestedExecutionDate": "must be a date (YYYY-MM-DD, optionally with a timezone offset)",
    }


def test_body_must_be_json(api: httpx.Client) -> None:
    response = api.post(
        "/v1/transfers", content=b"debtor=1", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert_problem(response, 415, "unsupported-media-type")


def test_request_id_is_echoed_or_made(api: httpx.Client) -> None:
    given = api.get(f"/v1/accounts/{MAIN}", headers={"X-Request-ID": "trace-42"})
    assert given.headers["x-request-id"] == "trace-42"
    made = api.get(f"/v1/accounts/{MAIN}", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] not in ("", "bad id with spaces")


def test_unknown_route_and_method_are_problems(api: httpx.Client) -> None:
    assert_problem(api.get("/v1/nothing-here"), 404, "not-found")
    assert_problem(api.delete(f"/v1/accounts/{MAIN}"), 405, "method-not-allowed")

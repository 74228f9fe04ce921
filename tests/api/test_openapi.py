"""The facade documents itself: OpenAPI 3.1 derived from the mappings and the contracts' XSD types."""

from __future__ import annotations

from typing import Any

import httpx

from adapter.mapping.jsonschema import DECIMAL_PATTERN


def _doc(api: httpx.Client) -> dict[str, Any]:
    response = api.get("/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


def test_every_mapped_route_is_described(api: httpx.Client) -> None:
    paths = _doc(api)["paths"]
    expected = {
        ("get", "/v1/accounts/{iban}"),
        ("get", "/v1/accounts/{iban}/balance"),
        ("get", "/v1/accounts/{iban}/transactions"),
        ("post", "/v1/transfers"),
        ("get", "/v1/transfers/{transferId}"),
        ("post", "/v1/sales-orders"),
        ("get", "/v1/sales-orders/{orderNumber}"),
        ("get", "/v1/sales-orders"),
        ("post", "/v1/sales-orders/{orderNumber}/cancel"),
        ("get", "/v1/customers/{customerId}"),
    }
    assert expected <= {(method, path) for path, ops in paths.items() for method in ops}


def test_schemas_follow_the_xsd(api: httpx.Client) -> None:
    paths = _doc(api)["paths"]
    balance = paths["/v1/accounts/{iban}/balance"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    booked = balance["properties"]["booked"]["properties"]
    assert booked["amount"] == {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
    assert balance["properties"]["asOf"]["pattern"].startswith("^(")  # xsd:dateTime: its offset may be absent
    statement = paths["/v1/accounts/{iban}/transactions"]["get"]
    params = {p["name"]: p for p in statement["parameters"]}
    assert params["from"]["required"] is True and "pattern" in params["from"]["schema"]
    assert params["page"]["required"] is False and params["page"]["schema"]["type"] == "integer"
    entries = statement["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["transactions"]
    assert entries["type"] == "array"
    assert entries["items"]["properties"]["creditDebit"]["enum"] == ["credit", "debit"]


def test_request_bodies_and_error_responses(api: httpx.Client) -> None:
    create = _doc(api)["paths"]["/v1/transfers"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"debtorAccount", "creditorAccount", "creditorName", "amount", "clientReference"}
    assert body["properties"]["amount"]["required"] == ["amount", "currency"]
    assert {"201", "400", "404", "409", "422", "502", "504"} <= set(create["responses"])
    assert "Location" in create["responses"]["201"]["headers"]
    orders = _doc(api)["paths"]["/v1/sales-orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert orders["properties"]["items"]["type"] == "array"
    assert orders["properties"]["items"]["items"]["required"] == ["materialId", "quantity"]


def test_docs_and_health(api: httpx.Client) -> None:
    assert api.get("/docs").status_code == 200
    assert api.get("/healthz").json() == {"status": "ok"}

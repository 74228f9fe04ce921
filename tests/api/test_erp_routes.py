"""The sales-order routes end to end: JSON over HTTP → facade → SOAP 1.2 → Spyne SAP-style simulator."""

from __future__ import annotations

import httpx
import pytest

from tests.api.problem import assert_problem


def test_one_order_customer_gives_a_one_item_list(api: httpx.Client) -> None:
    orders = api.get("/v1/sales-orders", params={"customerId": "100042"}).json()["orders"]
    assert isinstance(orders, list) and len(orders) == 1
    assert orders[0]["customerId"] == "100042"


def test_no_order_customer_gives_an_empty_list(api: httpx.Client) -> None:
    assert api.get("/v1/sales-orders", params={"customerId": "100044"}).json() == {"orders": []}


def test_three_order_customer_and_status_filter(api: httpx.Client) -> None:
    orders = api.get("/v1/sales-orders", params={"customerId": "100043"}).json()["orders"]
    assert len(orders) == 3
    statuses = {order["status"] for order in orders}
    assert {"open", "completed"} <= statuses
    open_only = api.get("/v1/sales-orders", params={"customerId": "100043", "status": "open"}).json()["orders"]
    assert open_only and all(order["status"] == "open" for order in open_only)


def test_unknown_status_word_is_422_listing_the_allowed_ones(api: httpx.Client) -> None:
    response = api.get("/v1/sales-orders", params={"customerId": "100043", "status": "A"})
    body = assert_problem(response, 422, "validation-error")
    assert body["errors"] == [
        {"field": "query.status", "message": "must be one of: cancelled, completed, inProcess, open"}
    ]


@pytest.mark.parametrize("customer", ["100042", "0000100042", "00100042"])
def test_leading_zeros_are_accepted_either_way_and_shown_without(api: httpx.Client, customer: str) -> None:
    response = api.get(f"/v1/customers/{customer}")
    assert response.status_code == 200, response.text
    assert response.json()["customerId"] == "100042"
    assert response.json()["currency"] == "EUR"


def test_order_with_items_and_exact_decimals(api: httpx.Client) -> None:
    order_number = api.get("/v1/sales-orders", params={"customerId": "100042"}).json()["orders"][0]["orderNumber"]
    response = api.get(f"/v1/sales-orders/{order_number.zfill(10)}")
    assert response.status_code == 200
    order = response.json()
    assert order["orderNumber"] == order_number
    assert order["items"] and order["items"][0]["position"] == "10"
    # Quantities are exact JSON numbers (the mapping says `number`), money stays an exact string.
    assert b'"quantity":2.000' in response.content
    assert order["netValue"]["currency"] == "EUR"
    from decimal import Decimal

    total = sum(Decimal(item["netValue"]) for item in order["items"])
    assert Decimal(order["netValue"]["amount"]) == total


def test_create_read_list_cancel(api: httpx.Client) -> None:
    created = api.post(
        "/v1/sales-orders",
        json={
            "customerId": 100044,
            "items": [{"materialId": "mat-1001", "quantity": "1.5"}, {"materialId": "MAT-1002", "quantity": 3}],
        },
    )
    assert created.status_code == 201, created.text
    number = created.json()["orderNumber"]
    assert created.headers["location"] == f"/v1/sales-orders/{number}"
    order = api.get(created.headers["location"]).json()
    assert order["customerId"] == "100044" and order["status"] == "open"
    assert [item["materialId"] for item in order["items"]] == ["MAT-1001", "MAT-1002"]
    listed = api.get("/v1/sales-orders", params={"customerId": "100044"}).json()["orders"]
    assert [o["orderNumber"] for o in listed] == [number]
    cancelled = api.post(f"/v1/sales-orders/{number}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert len(cancelled.json()["messages"]) == 1
    assert api.get(f"/v1/sales-orders/{number}").json()["status"] == "cancelled"
    again = api.post(f"/v1/sales-orders/{number}/cancel")
    body = assert_problem(again, 422, "rejected-by-the-erp-system")
    assert "already cancelled" in body["detail"]


def test_unknown_material_is_422_with_the_sap_message(api: httpx.Client) -> None:
    response = api.post(
        "/v1/sales-orders", json={"customerId": "100042", "items": [{"materialId": "MAT-9999", "quantity": 1}]}
    )
    body = assert_problem(response, 422, "rejected-by-the-erp-system")
    assert body["detail"] == "Material MAT-9999 does not exist"


def test_unknown_order_and_customer_are_404(api: httpx.Client) -> None:
    body = assert_problem(api.get("/v1/sales-orders/9999"), 404, "not-found")
    assert body["detail"] == "Sales document 0000009999 does not exist"
    assert_problem(api.get("/v1/customers/100099"), 404, "not-found")


def test_too_long_number_is_rejected_before_sap(api: httpx.Client) -> None:
    body = assert_problem(api.get("/v1/customers/12345678901"), 422, "validation-error")
    assert body["errors"][0]["field"] == "path.customerId"

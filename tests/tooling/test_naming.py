"""Names guessed for scaffolded routes."""

from __future__ import annotations

import pytest

from adapter.tooling.naming import Verb, camel, looks_like_id, parse_operation, words


@pytest.mark.parametrize(
    ("operation", "verb", "resource"),
    [
        ("GetAccount", Verb.READ, "account"),
        ("ListSalesOrders", Verb.READ, "sales-orders"),
        ("FindCustomerByName", Verb.READ, "customer-by-name"),
        ("checkVat", Verb.READ, "vat"),
        ("CreateOrder", Verb.CREATE, "order"),
        ("SubmitClaim", Verb.CREATE, "claim"),
        ("Add", Verb.CREATE, ""),
        ("UpdateAddress", Verb.UPDATE, "address"),
        ("SetPassword", Verb.UPDATE, "password"),
        ("DeleteUser", Verb.DELETE, "user"),
        ("RemoveItem", Verb.DELETE, "item"),
        ("CancelBooking", Verb.CANCEL, "booking"),
        ("Z_SALESORDER_CANCEL", Verb.CANCEL, "salesorder"),
        ("BAPI_CUSTOMER_GETDETAIL", Verb.ACTION, "customer-getdetail"),
        ("Account_GetData", Verb.READ, "account-data"),
        ("ConversionRate", Verb.ACTION, "conversion-rate"),
    ],
)
def test_verbs_and_resources(operation: str, verb: Verb, resource: str) -> None:
    parsed = parse_operation(operation)
    assert (parsed.verb, parsed.resource) == (verb, resource)


@pytest.mark.parametrize(
    ("xml_name", "json_name"),
    [
        ("ORDER_HEADER_IN", "orderHeaderIn"),
        ("DebtorIBAN", "debtorIban"),
        ("intA", "intA"),
        ("AddResult", "addResult"),
        ("GetXMLData", "getXmlData"),
        ("árfolyam", "arfolyam"),
        ("Last-Name", "lastName"),
        ("_", "value"),
    ],
)
def test_camel_case_json_names(xml_name: str, json_name: str) -> None:
    assert camel(xml_name) == json_name


def test_words_and_identifiers() -> None:
    assert words("Z_SALESORDER_GET") == ["z", "salesorder", "get"]
    assert all(looks_like_id(name) for name in ("AccountId", "IBAN", "orderNumber", "ID", "customer_code"))
    assert not any(looks_like_id(name) for name in ("Amount", "Valid", "Paid"))

"""Served-contract mappings: checked against the contract with file:line:column, and applied on plain data (SOAP
input → HTTP call, HTTP reply → SOAP output or declared fault) without any network."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from adapter.exceptions import BackendProtocolError, DeclaredFault, MappingErrors, RequestValidationError
from adapter.mapping.restplan import HttpReply, http_call, soap_output, text
from adapter.project import ServedBinding, load_served_binding

ROOT = Path(__file__).resolve().parents[2]

HEADER = """\
version: 1
contract: {wsdl: bank/payment_orders.wsdl}
endpoint: {path: /soap/po}
backend: {url: "http://hub"}
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    file = tmp_path / "m.yaml"
    file.write_text(text)
    with pytest.raises(MappingErrors) as caught:
        load_served_binding(file, ROOT / "wsdl", {})
    return [error.detail.replace(str(file), "m.yaml") for error in caught.value.errors]


def test_every_mistake_is_reported_with_its_place(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        HEADER
        + """\
errors:
  - {status: 404, fault: PaymentNotFound}
operations:
  GetPaymentOrdr:
    method: GET
    path: /payments/{PaymentOrderId}
  SubmitPaymentOrder:
    method: POST
    path: /payments/{PaymentId}
    body:
      creditor: { fields: { name: Creditor.Nam } }
    response:
      PaymentOrderId: bdy.id
      Status: body.status
  CancelPaymentOrder:
    method: GET
    path: /payments/{Reason}/cancel
    body: { reason: Reason }
    response: { PaymentOrderId: body.id, Status: body.status, CancelledAt: body.at }
    errors:
      - status: 409
        fault: NotCancellable
        detail: { Status: body.status }
""",
    )
    assert found == [
        "m.yaml:6:26: no declared fault 'PaymentNotFound'; did you mean 'PaymentOrderNotFound'? (errors.0.fault)",
        "m.yaml:8:3: no operation 'GetPaymentOrdr' in the contract; did you mean 'GetPaymentOrder'? "
        "(operations.GetPaymentOrdr)",
        "m.yaml:15:35: 'Creditor.Nam' is not in the SOAP request; did you mean 'Creditor.Name'? "
        "(operations.SubmitPaymentOrder.body.creditor.fields.name)",
        "m.yaml:17:23: a source starts with body, headers, status or input; did you mean 'body'? "
        "(operations.SubmitPaymentOrder.response.PaymentOrderId)",
        "m.yaml:17:7: required element 'CreatedAt' of SubmitPaymentOrderResponse is not mapped "
        "(operations.SubmitPaymentOrder.response)",
        "m.yaml:13:11: 'PaymentId' is not in the SOAP request; it has: DebtorIBAN, Creditor, Amount, "
        "RequestedExecutionDate, EndToEndId, RemittanceLine (operations.SubmitPaymentOrder.path)",
        "m.yaml:22:11: a GET request has no body (operations.CancelPaymentOrder.body)",
        "m.yaml:27:17: required element 'PaymentOrderId' of NotCancellable is not mapped "
        "(operations.CancelPaymentOrder.errors.0.detail)",
        "m.yaml:21:11: {Reason} must be a required single value of the SOAP request "
        "(operations.CancelPaymentOrder.path)",
        "m.yaml:8:3: operation 'GetPaymentOrder' of the contract is not mapped (operations)",
        "m.yaml:8:3: operation 'ListPaymentOrders' of the contract is not mapped (operations)",
    ]


def test_format_mistakes_name_the_key_and_a_suggestion(tmp_path: Path) -> None:
    found = problems(tmp_path, HEADER + "operations:\n  GetPaymentOrder:\n    metod: GET\n    path: /p\n")
    assert "m.yaml:7:5: unknown key 'metod'; did you mean 'method'? (operations.GetPaymentOrder.metod)" in found


def test_a_contract_that_cannot_be_served_is_refused_at_its_reference(tmp_path: Path) -> None:
    found = problems(tmp_path, HEADER.replace("payment_orders", "nowhere") + "operations: {}\n")
    assert found[0].startswith("m.yaml:2:18: ") and "not found" in found[0]


# -- applying a compiled mapping -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> ServedBinding:
    return load_served_binding(ROOT / "mappings" / "payment_orders.yaml", ROOT / "wsdl", {})


def test_soap_input_to_an_http_call(shipped: ServedBinding) -> None:
    submit = shipped.service.calls["SubmitPaymentOrder"]
    call = http_call(
        submit,
        {
            "DebtorIBAN": "DE89370400440532013000",
            "Creditor": {"Name": "A", "IBAN": "FR7630006000011234567890189"},
            "Amount": {"_value": Decimal("0.10"), "Ccy": "EUR"},
            "RequestedExecutionDate": date(2026, 12, 24),
            "EndToEndId": "007",
            "RemittanceLine": ["one"],
        },
    )
    assert (call.method, call.path, call.query) == ("POST", "/payments", ())
    assert call.body == {
        "debtorAccount": "DE89370400440532013000",
        "creditor": {"name": "A", "iban": "FR7630006000011234567890189"},  # no BIC sent: no key, not null
        "amount": {"value": Decimal("0.10"), "currency": "EUR"},
        "requestedExecutionDate": date(2026, 12, 24),
        "endToEndId": "007",
        "remittanceInformation": ["one"],
    }
    get = http_call(shipped.service.calls["GetPaymentOrder"], {"PaymentOrderId": "PAY 1;ü"})
    assert (get.path, get.body) == ("/payments/PAY%201%3B%C3%BC", None)  # one segment, all but unreserved escaped
    with pytest.raises(RequestValidationError, match="PaymentOrderId: cannot be sent as a path segment"):
        http_call(shipped.service.calls["GetPaymentOrder"], {"PaymentOrderId": "PAY/1 ?"})  # moves the path
    listed = http_call(shipped.service.calls["ListPaymentOrders"], {"DebtorIBAN": "DE1", "Status": "ACCEPTED"})
    assert listed.query == (("debtorAccount", "DE1"), ("status", "scheduled"))
    assert http_call(shipped.service.calls["ListPaymentOrders"], {"DebtorIBAN": "DE1"}).query == (
        ("debtorAccount", "DE1"),
    )


def test_a_reply_to_soap_output_with_xsd_types(shipped: ServedBinding) -> None:
    reply = HttpReply(201, {}, {"id": "PAY-7", "status": "booked", "createdAt": "2026-01-01T09:00:00Z"})
    output = soap_output(shipped.service.calls["SubmitPaymentOrder"], reply, {})
    assert output == {
        "PaymentOrderId": "PAY-7",
        "Status": "EXECUTED",
        "CreatedAt": "2026-01-01T09:00:00Z",  # the lexical form, offset and all
    }


def test_error_replies_become_declared_faults(shipped: ServedBinding) -> None:
    cancel = shipped.service.calls["CancelPaymentOrder"]
    refused = HttpReply(409, {}, {"code": "NOT_CANCELLABLE", "message": "no\x00 way", "status": "booked"})
    with pytest.raises(DeclaredFault) as caught:
        soap_output(cancel, refused, {"PaymentOrderId": "PAY-1"})
    assert (caught.value.fault, caught.value.code, caught.value.detail) == ("NotCancellable", "Client", "no way")
    assert caught.value.data == {"PaymentOrderId": "PAY-1", "Status": "EXECUTED"}
    with pytest.raises(DeclaredFault) as missing:  # the file-wide 404 rule, which Cancel's fault list allows
        soap_output(cancel, HttpReply(404, {}, None), {"PaymentOrderId": "PAY-1"})
    assert (missing.value.fault, missing.value.detail) == ("PaymentOrderNotFound", "PaymentOrderNotFound")


def test_unmapped_replies_are_protocol_errors(shipped: ServedBinding) -> None:
    submit = shipped.service.calls["SubmitPaymentOrder"]
    assert all(plan.fault != "PaymentOrderNotFound" for plan in submit.errors)  # Submit does not declare it
    for reply in (
        HttpReply(404, {}, {"code": "NOT_FOUND"}),
        HttpReply(409, {}, {"code": "SOMETHING_ELSE"}),  # `when` does not hold
        HttpReply(302, {"location": "/elsewhere"}),
        HttpReply(201, {}, {"id": "PAY-7"}),  # required parts missing
        HttpReply(201, {}, {"id": "PAY-7", "status": "unknown", "createdAt": "2026-01-01T09:00:00Z"}),
    ):
        with pytest.raises(BackendProtocolError):
            soap_output(submit, reply, {})


def test_url_text() -> None:
    assert [text(v) for v in (Decimal("1E+2"), True, date(2026, 1, 2), 7, "x")] == [
        "100",
        "true",
        "2026-01-02",
        "7",
        "x",
    ]


# -- backend request headers and SOAP header blocks -------------------------------------------------------------

TREASURY = """\
version: 1
contract: {wsdl: treasury.wsdl}
endpoint: {path: /soap/t}
backend: {url: "http://rest"}
operations:
  GetStatement:
    method: GET
    path: /statements/{AccountId}
    headers:
      X-User: _header.AuditHeader.UserId
      X-Channel: _header.AuditHeader.Channel
      X-Source: { value: soap }
    query: { from: From, to: To }
    response:
      Total: body.total
      _header: { fields: { ServerInfo: { fields: { Node: headers.x-node, Version: { value: "1" } } } } }
  RegisterParty:
    method: POST
    path: /parties
    headers: { X-Kind: Party._type }
    body: { party: { from: Party, fields: { type: _type, name: Name, givenName: GivenName } }, ref: Reference }
    response: { PartyId: body.id, Party: { from: body.party, fields: { _type: type, Name: name, GivenName: given } } }
  QuoteRate:
    method: POST
    path: /quotes
    headers: { X-Tenors: Tenors }
    body: { pair: Pair, tenors: Tenors }
    response: { Rate: body.rate, Tenors: body.tenors, QuotedAt: body.at }
"""


def treasury_binding(tmp_path: Path, text: str = TREASURY) -> ServedBinding:
    file = tmp_path / "t.yaml"
    file.write_text(text)
    return load_served_binding(file, ROOT / "tests" / "wsdl", {})


def test_header_blocks_derived_types_and_lists_feed_the_http_call(tmp_path: Path) -> None:
    calls = treasury_binding(tmp_path).service.calls
    statement = {"AccountId": "ACC-000001", "From": "2024-01-01+01:00", "To": "2024-01-31"}
    call = http_call(calls["GetStatement"], {**statement, "_header": {"AuditHeader": {"UserId": "u-1"}}})
    assert call.headers == (("X-User", "u-1"), ("X-Source", "soap"))  # no Channel sent: no header, not an empty one
    assert call.query == (("from", "2024-01-01+01:00"), ("to", "2024-01-31"))
    party = {"Party": {"_type": "Person", "Name": "Ada", "GivenName": "A"}, "Reference": "R"}
    registered = http_call(calls["RegisterParty"], party)
    assert registered.headers == (("X-Kind", "Person"),)
    assert registered.body == {"party": {"type": "Person", "name": "Ada", "givenName": "A"}, "ref": "R"}
    quoted = http_call(calls["QuoteRate"], {"Pair": "EURUSD", "Tenors": ["ON", "1W"]})
    assert (quoted.headers, quoted.body) == ((("X-Tenors", "ON, 1W"),), {"pair": "EURUSD", "tenors": ["ON", "1W"]})


@pytest.mark.parametrize("value", ["u\r\nX-Admin: 1", "u\x00", "u\x7f", "名前"])
def test_a_header_value_that_would_break_the_header_is_refused(tmp_path: Path, value: str) -> None:
    calls = treasury_binding(tmp_path).service.calls
    statement = {"AccountId": "ACC-000001", "From": "2024-01-01", "To": "2024-01-31"}
    with pytest.raises(RequestValidationError, match="X-User: cannot be sent as an HTTP header value"):
        http_call(calls["GetStatement"], {**statement, "_header": {"AuditHeader": {"UserId": value}}})


def test_header_names_are_checked(tmp_path: Path) -> None:
    text = TREASURY.replace("X-Source: { value: soap }", "Content-Type: { value: x }\n      Bad Name: To")
    text = text.replace("X-User: _header.AuditHeader.UserId", "X-User: _header.AuditHeader.UserID")
    found = problems_in(tmp_path, text)
    assert found == [
        "t.yaml:10:15: '_header.AuditHeader.UserID' is not in the SOAP request; did you mean "
        "'_header.AuditHeader.UserId'? (operations.GetStatement.headers.X-User)",
        "t.yaml:12:7: Content-Type is set by the adapter itself and cannot be mapped "
        "(operations.GetStatement.headers.Content-Type)",
        "t.yaml:13:7: 'Bad Name' is not an HTTP header name (RFC 9110 §5.1: a token) "
        "(operations.GetStatement.headers.Bad Name)",
    ]


def problems_in(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(MappingErrors) as caught:
        treasury_binding(tmp_path, text)
    return [error.detail.replace(str(tmp_path / "t.yaml"), "t.yaml") for error in caught.value.errors]

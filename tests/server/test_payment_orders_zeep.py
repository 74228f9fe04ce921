"""zeep, built from the ORIGINAL contract file, calls every operation of the served contract over SOAP 1.1 and 1.2:
each success and each declared fault, with the payments hub answering for real. Every reply is checked against the
contract's XSD by xmlschema."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import xmlschema
import zeep.exceptions
from lxml import etree

from adapter.testing import assert_valid_reply
from tests.server.conftest import TNS, Served, SoapClient

CLIENTS = [("1.1", False), ("1.1", True), ("1.2", True)]
DEBTOR = "DE89370400440532013000"


@pytest.fixture(params=CLIENTS, ids=lambda p: f"soap{p[0]}-{'digest' if p[1] else 'text'}")
def soap(request: pytest.FixtureRequest, served: Served, schema: xmlschema.XMLSchemaBase) -> Any:
    version, digest = request.param
    client = served.zeep(version, digest=digest)
    yield client.service
    for received in client.history._buffer:  # every reply of the test, faults included, fits the contract
        assert_valid_reply(schema, etree.tostring(received["received"]["envelope"]))


def fault(call: Callable[[], Any]) -> tuple[str, str, etree._Element]:
    """The code, reason and detail entry of the fault ``call`` raises."""
    with pytest.raises(zeep.exceptions.Fault) as caught:
        call()
    entries = list(caught.value.detail) if caught.value.detail is not None else []
    return str(caught.value.code), caught.value.message, entries[0] if entries else None


def order(**changes: Any) -> dict[str, Any]:
    base = {
        "DebtorIBAN": DEBTOR,
        "Creditor": {"Name": "Alice Martin", "IBAN": "FR7630006000011234567890189", "BIC": "AGRIFRPP882"},
        "Amount": {"_value_1": Decimal("98765432109876.54"), "Ccy": "EUR"},
        "RequestedExecutionDate": date.today() + timedelta(days=30),
        "EndToEndId": f"000{datetime.now(UTC).timestamp():.6f}".replace(".", ""),
        "RemittanceLine": ["Invoice 0042"],
    }
    return {**base, **changes}


def test_submit_and_read_back_exactly(soap: Any, served: Served) -> None:
    sent = order()
    reply = soap.SubmitPaymentOrder(**sent)
    assert reply.Status == "ACCEPTED"
    assert reply.CreatedAt.tzinfo is not None
    stored = served.hub.payments[reply.PaymentOrderId]
    assert stored.amount == Decimal("98765432109876.54")  # 16 digits: no float on the way
    assert stored.end_to_end_id == sent["EndToEndId"] and stored.end_to_end_id.startswith("000")
    assert stored.remittance == ("Invoice 0042",)
    assert stored.creditor == {"name": "Alice Martin", "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP882"}

    got = soap.GetPaymentOrder(PaymentOrderId=reply.PaymentOrderId)
    assert got.Amount._value_1 == Decimal("98765432109876.54") and got.Amount.Ccy == "EUR"
    assert got.RequestedExecutionDate == sent["RequestedExecutionDate"]
    assert got.RemittanceLine == ["Invoice 0042"]  # one occurrence of a repeated element is still a list
    assert got.CancelledAt is None  # sent as xsi:nil
    assert got.Status == "ACCEPTED"


def test_submit_for_today_is_executed_without_optional_parts(soap: Any) -> None:
    sent = order(RequestedExecutionDate=date.today(), RemittanceLine=[])
    del sent["Creditor"]["BIC"]
    reply = soap.SubmitPaymentOrder(**sent)
    assert reply.Status == "EXECUTED"
    got = soap.GetPaymentOrder(PaymentOrderId=reply.PaymentOrderId)
    assert got.Creditor.BIC is None and got.RemittanceLine == []


def test_submit_refused_by_the_hub_is_validation_failed_with_every_field(soap: Any) -> None:
    bad = order(
        Creditor={"Name": "Alice Martin", "IBAN": "FR7630006000011234567890180"},  # check digits wrong
        Amount={"_value_1": Decimal("10.00"), "Ccy": "USD"},
        RequestedExecutionDate=date(2020, 1, 1),
    )
    code, message, detail = fault(lambda: soap.SubmitPaymentOrder(**bad))
    assert code.endswith(("Client", "Sender"))
    assert message == "The payment cannot be accepted"
    assert detail.tag == f"{{{TNS}}}ValidationFailed"
    fields = [e.findtext(f"{{{TNS}}}Field") for e in detail.iterfind(f"{{{TNS}}}FieldError")]
    assert fields == ["creditor.iban", "amount.currency", "requestedExecutionDate"]


def test_duplicate_end_to_end_id_is_validation_failed(soap: Any) -> None:
    sent = order()
    soap.SubmitPaymentOrder(**sent)
    _, message, detail = fault(lambda: soap.SubmitPaymentOrder(**sent))
    assert "was already used" in message
    error = detail.find(f"{{{TNS}}}FieldError")
    assert error.findtext(f"{{{TNS}}}Field") == "EndToEndId"


def test_get_unknown_is_payment_order_not_found(soap: Any) -> None:
    code, message, detail = fault(lambda: soap.GetPaymentOrder(PaymentOrderId="PAY-999999"))
    assert code.endswith(("Client", "Sender"))
    assert message == "Payment PAY-999999 does not exist"
    assert detail.tag == f"{{{TNS}}}PaymentOrderNotFound"
    assert detail.findtext(f"{{{TNS}}}PaymentOrderId") == "PAY-999999"


def test_cancel_a_scheduled_order(soap: Any, served: Served) -> None:
    created = soap.SubmitPaymentOrder(**order())
    reply = soap.CancelPaymentOrder(PaymentOrderId=created.PaymentOrderId, Reason="Entered twice")
    assert reply.PaymentOrderId == created.PaymentOrderId
    assert reply.Status == "CANCELLED"
    assert isinstance(reply.CancelledAt, datetime)
    assert served.hub.payments[created.PaymentOrderId].cancellation_reason == "Entered twice"
    assert soap.GetPaymentOrder(PaymentOrderId=created.PaymentOrderId).CancelledAt == reply.CancelledAt


def test_cancel_unknown_is_payment_order_not_found(soap: Any) -> None:
    _, _, detail = fault(lambda: soap.CancelPaymentOrder(PaymentOrderId="PAY-999998"))
    assert detail.tag == f"{{{TNS}}}PaymentOrderNotFound"


def test_cancel_an_executed_order_is_not_cancellable(soap: Any) -> None:
    code, message, detail = fault(lambda: soap.CancelPaymentOrder(PaymentOrderId="PAY-000001"))
    assert code.endswith(("Client", "Sender"))
    assert message == "Payment PAY-000001 is booked and can no longer be cancelled"
    assert detail.tag == f"{{{TNS}}}NotCancellable"
    assert detail.findtext(f"{{{TNS}}}Status") == "EXECUTED"


def test_list_by_debtor_and_status(soap: Any) -> None:
    everything = soap.ListPaymentOrders(DebtorIBAN=DEBTOR)
    ids = [o.PaymentOrderId for o in everything]
    assert ids[:4] == ["PAY-000001", "PAY-000002", "PAY-000003", "PAY-000004"]
    cancelled = soap.ListPaymentOrders(DebtorIBAN=DEBTOR, Status="CANCELLED")
    assert cancelled and all(o.Status == "CANCELLED" for o in cancelled)
    assert soap.ListPaymentOrders(DebtorIBAN="DE02120300000000202051") == []


def test_list_with_a_bad_account_is_validation_failed(soap: Any) -> None:
    # The schema's IBAN pattern allows it; the hub's check digits do not.
    _, _, detail = fault(lambda: soap.ListPaymentOrders(DebtorIBAN="DE00370400440532013000"))
    assert detail.tag == f"{{{TNS}}}ValidationFailed"
    assert detail.find(f"{{{TNS}}}FieldError").findtext(f"{{{TNS}}}Field") == "debtorAccount"


def test_soap12_faults_are_sender_with_http_400(served: Served) -> None:
    client: SoapClient = served.zeep("1.2", digest=True)
    with pytest.raises(zeep.exceptions.Fault):
        client.service.GetPaymentOrder(PaymentOrderId="PAY-999999")
    envelope = etree.fromstring(client.last_reply())
    assert envelope.findtext(".//{*}Code/{*}Value").endswith(":Sender")

"""suds (suds-community), built from the ORIGINAL contract file, calls every operation of the served contract over
SOAP 1.1 with a WS-Security UsernameToken: each success and each declared fault."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import xmlschema
from suds import WebFault
from suds.client import Client
from suds.plugin import MessagePlugin
from suds.wsse import Security, UsernameToken

from adapter.testing import assert_valid_reply
from tests.server.conftest import CONTRACT, PASSWORD, USER, Served

DEBTOR = "DE89370400440532013000"


class Replies(MessagePlugin):  # type: ignore[misc]
    """Keeps every raw reply suds receives."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    def received(self, context: Any) -> None:
        self.raw.append(context.reply)


def client(served: Served, password: str = PASSWORD, *, nonce: bool = False, **options: Any) -> Any:
    """A suds client from the original contract; its token is PasswordText, with a Nonce and Created if asked."""
    soap = Client(CONTRACT.as_uri(), location=served.url, port="PaymentOrderSoap11Port", **options)
    security = Security()
    token = UsernameToken(USER, password)
    if nonce:
        token.setnonce()
        token.setcreated()
    security.tokens.append(token)
    soap.set_options(wsse=security)
    return soap


@pytest.fixture
def suds(served: Served, schema: xmlschema.XMLSchemaBase) -> Any:
    replies = Replies()
    yield client(served, plugins=[replies])
    assert replies.raw
    for raw in replies.raw:
        assert_valid_reply(schema, raw)


def listed(value: Any) -> list[Any]:
    """suds unmarshals a fault detail without the schema: one occurrence of a repeated element is no list there."""
    return value if isinstance(value, list) else [value]


def web_fault(call: Callable[[], Any]) -> Any:
    with pytest.raises(WebFault) as caught:
        call()
    return caught.value.fault


def new_order(client: Any, **changes: Any) -> Any:
    order = client.factory.create("ns0:SubmitPaymentOrder")  # noqa: F841 - documents the element suds knows
    creditor = client.factory.create("ns0:Creditor")
    creditor.Name, creditor.IBAN = "Alice Martin", "FR7630006000011234567890189"
    amount = client.factory.create("ns0:Amount")
    amount.value, amount._Ccy = Decimal("1250.50"), "EUR"
    values = {
        "DebtorIBAN": DEBTOR,
        "Creditor": creditor,
        "Amount": amount,
        "RequestedExecutionDate": (date.today() + timedelta(days=7)).isoformat(),
        "EndToEndId": f"SUDS-{id(changes)}",
        "RemittanceLine": ["Rechnung 0815", "Kunde 0042"],
    }
    return {**values, **changes}


def test_submit_get_list_and_cancel(suds: Any, served: Served) -> None:
    order = new_order(suds)
    created = suds.service.SubmitPaymentOrder(**order)
    assert created.Status == "ACCEPTED"
    assert served.hub.payments[created.PaymentOrderId].amount == Decimal("1250.50")

    got = suds.service.GetPaymentOrder(PaymentOrderId=created.PaymentOrderId)
    assert Decimal(str(got.Amount.value)) == Decimal("1250.50") and got.Amount._Ccy == "EUR"
    assert got.RemittanceLine == ["Rechnung 0815", "Kunde 0042"]
    assert got.CancelledAt is None

    listed = suds.service.ListPaymentOrders(DebtorIBAN=DEBTOR, Status="ACCEPTED")
    assert created.PaymentOrderId in [o.PaymentOrderId for o in listed]

    cancelled = suds.service.CancelPaymentOrder(PaymentOrderId=created.PaymentOrderId)
    assert cancelled.Status == "CANCELLED" and cancelled.CancelledAt is not None


def test_declared_faults(suds: Any) -> None:
    refused = web_fault(lambda: suds.service.SubmitPaymentOrder(**new_order(suds, RequestedExecutionDate="2020-01-01")))
    assert refused.faultcode.endswith(":Client")
    assert listed(refused.detail.ValidationFailed.FieldError)[0].Field == "requestedExecutionDate"

    missing = web_fault(lambda: suds.service.GetPaymentOrder(PaymentOrderId="PAY-424242"))
    assert missing.faultstring == "Payment PAY-424242 does not exist"
    assert missing.detail.PaymentOrderNotFound.PaymentOrderId == "PAY-424242"

    gone = web_fault(lambda: suds.service.CancelPaymentOrder(PaymentOrderId="PAY-424242"))
    assert gone.detail.PaymentOrderNotFound.PaymentOrderId == "PAY-424242"

    booked = web_fault(lambda: suds.service.CancelPaymentOrder(PaymentOrderId="PAY-000002"))
    assert booked.detail.NotCancellable.Status == "EXECUTED"

    bad_account = web_fault(lambda: suds.service.ListPaymentOrders(DebtorIBAN="DE00370400440532013000"))
    assert listed(bad_account.detail.ValidationFailed.FieldError)[0].Field == "debtorAccount"


def test_wrong_password_is_failed_authentication(served: Served) -> None:
    wrong = client(served, "not-the-password")
    fault = web_fault(lambda: wrong.service.GetPaymentOrder(PaymentOrderId="PAY-000001"))
    assert fault.faultcode == "wsse:FailedAuthentication"


def test_a_token_sent_twice_is_a_replay(served: Served) -> None:
    # suds writes the token it was given on every call: with a Nonce, the second call replays the first.
    static = client(served, nonce=True)
    assert static.service.GetPaymentOrder(PaymentOrderId="PAY-000001").PaymentOrderId == "PAY-000001"
    fault = web_fault(lambda: static.service.GetPaymentOrder(PaymentOrderId="PAY-000001"))
    assert fault.faultcode == "wsse:FailedAuthentication"

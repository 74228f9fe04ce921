"""Money and identifiers are exact through the served contract: SOAP → JSON → hub → JSON → SOAP, for any amount the
contract and the hub accept, and any end-to-end id with its leading zeros."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.conftest import Served

CENTS = st.integers(min_value=1, max_value=10**16 - 1).map(lambda cents: Decimal(cents).scaleb(-2))
IDS = itertools.count(1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=CENTS, zeros=st.integers(min_value=0, max_value=6))
def test_amounts_and_ids_round_trip_exactly(served: Served, amount: Decimal, zeros: int) -> None:
    soap: Any = served.zeep("1.1").service
    end_to_end = "0" * zeros + f"{next(IDS)}X"
    created = soap.SubmitPaymentOrder(
        DebtorIBAN="DE89370400440532013000",
        Creditor={"Name": "Exact", "IBAN": "FR7630006000011234567890189"},
        Amount={"_value_1": amount, "Ccy": "EUR"},
        RequestedExecutionDate=date.today() + timedelta(days=1),
        EndToEndId=end_to_end,
    )
    assert served.hub.payments[created.PaymentOrderId].amount == amount
    got = soap.GetPaymentOrder(PaymentOrderId=created.PaymentOrderId)
    assert got.Amount._value_1 == amount and str(got.Amount._value_1) == str(amount)
    assert got.EndToEndId == end_to_end

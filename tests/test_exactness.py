"""Money is exact end to end: 16+ significant digits survive JSON → SOAP → JSON in requests and replies."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import running_stack

RICH = "DE02120300000000202051"
MAIN = "DE89370400440532013000"


@pytest.fixture(scope="module")
def exact_api() -> Iterator[httpx.Client]:
    with running_stack() as stack:
        yield stack.client


def test_sixteen_digit_balance_is_exact(exact_api: httpx.Client) -> None:
    body = exact_api.get(f"/v1/accounts/{RICH}/balance").json()
    assert body["booked"]["amount"] == "98765432109876.54"
    assert float(body["booked"]["amount"]) != Decimal(body["booked"]["amount"])  # a float could not hold it


# Amounts of 16 to 18 significant digits with cents, below the rich account's balance.
amounts = st.integers(min_value=10**15, max_value=9 * 10**15).map(lambda cents: Decimal(cents).scaleb(-2))


_references = itertools.count(1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=amounts, as_number=st.booleans())
def test_amounts_round_trip_exactly(exact_api: httpx.Client, amount: Decimal, as_number: bool) -> None:
    text = format(amount, "f")
    json_amount = text if as_number else f'"{text}"'  # a JSON number or a numeric string: both exact
    # Money goes out from the rich account and straight back, so the balance never runs dry.
    for debtor, creditor in ((RICH, MAIN), (MAIN, RICH)):
        body = (
            f'{{"debtorAccount": "{debtor}", "creditorAccount": "{creditor}", "creditorName": "Round Trip",'
            f' "amount": {{"amount": {json_amount}, "currency": "EUR"}}, "clientReference": "rt-{next(_references)}"}}'
        )
        created = exact_api.post("/v1/transfers", content=body, headers={"content-type": "application/json"})
        assert created.status_code == 201, created.text
        read = exact_api.get(created.headers["location"]).json()
        assert read["amount"] == {"amount": text, "currency": "EUR"}
    assert exact_api.get(f"/v1/accounts/{RICH}/balance").json()["booked"]["amount"] == "98765432109876.54"

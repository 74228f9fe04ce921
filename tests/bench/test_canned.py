"""The canned bank of ``make bench`` answers what the contract allows. A smoke test: nothing here is timed."""

from __future__ import annotations

import pytest
import xmlschema

from bench import canned
from bench.backends import rest_router, soap_router


def test_every_canned_reply_is_valid_against_the_core_banking_contract() -> None:
    replies = canned.soap_replies()
    canned.check_replies(replies)
    assert 3_500 < len(replies["balance"]) < 4_000  # the 3.7 KB balance reply
    assert replies["statement-500"].count(b"<tns:Entry>") == canned.LARGE_ROWS


def test_an_invalid_reply_is_refused() -> None:
    broken = canned.balance_reply().replace(canned.BALANCE_IBAN.encode(), b"not-an-iban")
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        canned.check_replies({"balance": broken})


def test_the_canned_bank_picks_its_reply_by_operation_and_page_size() -> None:
    route = soap_router()
    replies = canned.soap_replies()

    def statement(size: int) -> bytes:
        return f"<s:Body><b:GetStatement><b:PageSize>{size}</b:PageSize></b:GetStatement></s:Body>".encode()

    assert route(b"POST", b"/", canned.get_balance_request()).endswith(replies["balance"])
    assert route(b"POST", b"/", statement(25)).endswith(replies["statement-25"])
    assert route(b"POST", b"/", statement(100)).endswith(replies["statement-500"])
    assert route(b"POST", b"/", b"<Other/>").startswith(b"HTTP/1.1 500")


def test_the_canned_hub_answers_one_payment() -> None:
    route = rest_router()
    assert route(b"GET", b"/payments/PAY-000001", b"").endswith(canned.payment_reply())
    assert route(b"GET", b"/payments/PAY-9", b"").startswith(b"HTTP/1.1 404")

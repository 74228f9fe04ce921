"""The core-banking simulator against its hand-written contract, over real HTTP.

The client is built by zeep from ``wsdl/bank/core_banking.wsdl`` (never from the simulator's ?wsdl)
and signs every call with a WS-Security UsernameToken; the raw bytes of every reply, success or
fault, are validated against the contract's schema as they arrive.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xmlschema
import zeep
from lxml import etree
from zeep.exceptions import Fault
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from adapter.demo.simulators.bank import BankState, create_app
from adapter.testing import assert_valid_reply, body_payloads, contract_schema, serve_wsgi

CONTRACT = Path(__file__).resolve().parents[2] / "wsdl" / "bank" / "core_banking.wsdl"
TNS = "http://example.com/bank/corebanking/v1"
BINDING = f"{{{TNS}}}CoreBankingSoapBinding"
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
FAILED_AUTHENTICATION = "The security token could not be authenticated or authorized"
OPERATIONS = {"GetAccount", "GetBalance", "GetStatement", "TransferFunds", "GetTransfer"}

CURRENT = "DE89370400440532013000"
SAVINGS = "DE02120300000000202051"
BLOCKED = "DE75512108001245126199"
UNKNOWN = "DE00123456780000000000"
FOREIGN = "FR7630006000011234567890189"
NOW = datetime(2026, 4, 15, 9, 30, tzinfo=UTC)  # the simulator's clock in these tests
Q1 = {"FromDate": date(2026, 1, 1), "ToDate": date(2026, 3, 31)}


def _contract_schema() -> xmlschema.XMLSchemaBase:
    return contract_schema(CONTRACT)


class ValidatingTransport(Transport):  # type: ignore[misc]
    """A zeep transport that checks every raw reply against the contract and keeps the last one."""

    def __init__(self, schema: xmlschema.XMLSchemaBase) -> None:
        super().__init__()
        self.session.trust_env = False  # loopback only: no proxy from the environment
        self.schema = schema
        self.replies = 0
        self.reply = b""
        self.status = 0

    def post(self, address: str, message: bytes, headers: dict[str, str]) -> Any:
        response = super().post(address, message, headers)
        assert_valid_reply(self.schema, response.content)
        assert response.headers["Content-Type"].startswith("text/xml")
        self.replies += 1
        self.reply, self.status = response.content, response.status_code
        return response


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchemaBase:
    return _contract_schema()


@pytest.fixture(scope="module")
def transport(schema: xmlschema.XMLSchemaBase) -> ValidatingTransport:
    return ValidatingTransport(schema)


def _client(transport: ValidatingTransport, wsse: Any = None) -> zeep.Client:
    return zeep.Client(str(CONTRACT), transport=transport, wsse=wsse)


@pytest.fixture(scope="module")
def client(transport: ValidatingTransport) -> zeep.Client:
    return _client(transport, UsernameToken("bank-user", "bank-pass"))


@pytest.fixture
def state() -> BankState:
    return BankState(clock=lambda: NOW)


@pytest.fixture
def url(state: BankState) -> Iterator[str]:
    """A simulator on fresh seed data, for one test."""
    with serve_wsgi(create_app(state=state)) as base:
        yield f"{base}/corebanking"


@pytest.fixture
def bank(client: zeep.Client, url: str) -> Any:
    return client.create_service(BINDING, url)


def amount(client: zeep.Client, value: str, ccy: str = "EUR") -> Any:
    return client.get_type(f"{{{TNS}}}Amount")(Decimal(value), Ccy=ccy)


def money(value: Any) -> tuple[Decimal, str]:
    """A zeep Amount as (value, currency)."""
    return value._value_1, value.Ccy


def transfer(bank: Any, client: zeep.Client, **fields: Any) -> Any:
    order = {
        "DebtorIBAN": CURRENT,
        "CreditorIBAN": FOREIGN,
        "CreditorName": "Durand SARL",
        "Amount": amount(client, "100.00"),
        "ClientReference": "INV-2026-0042",
    }
    return bank.TransferFunds(**{**order, **fields})


def balances(bank: Any, iban: str) -> tuple[Decimal, Decimal]:
    reply = bank.GetBalance(IBAN=iban)
    return reply.Booked._value_1, reply.Available._value_1


def fault_code(envelope: bytes) -> etree.QName:
    """The Fault's faultcode, resolved as the QName SOAP 1.1 §4.4.1 says it is."""
    (fault,) = body_payloads(envelope)
    code = fault.find("faultcode")
    assert code is not None and code.text
    prefix, _, local = code.text.partition(":")
    return etree.QName(code.nsmap[prefix], local)


def detail_entry(envelope: bytes) -> etree._Element:
    (fault,) = body_payloads(envelope)
    (entry,) = fault.find("detail")
    return entry


def text(element: etree._Element, name: str) -> str | None:
    return element.findtext(f"{{{TNS}}}{name}")


def wire_amount(element: etree._Element, name: str) -> tuple[Decimal, str | None]:
    found = element.find(f"{{{TNS}}}{name}")
    assert found is not None and found.text
    return Decimal(found.text), found.get("Ccy")


# ---------------------------------------------------------------------------------------- contract


def test_contract_loads_in_zeep_without_warnings(caplog: pytest.LogCaptureFixture) -> None:
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING):
        warnings.simplefilter("error")
        loaded = zeep.Client(str(CONTRACT))
    assert not caplog.records
    binding = loaded.wsdl.bindings[BINDING]
    assert set(binding._operations) == OPERATIONS
    for name, operation in binding._operations.items():
        assert operation.soapaction == f"{TNS}/{name}"
    assert set(binding._operations["TransferFunds"].faults) == {
        "AccountNotFound",
        "InsufficientFunds",
        "AccountBlocked",
        "DuplicateReference",
        "InvalidAmount",
    }
    assert set(binding._operations["GetTransfer"].faults) == {"TransferNotFound"}
    for name in ("GetAccount", "GetBalance", "GetStatement"):
        assert set(binding._operations[name].faults) == {"AccountNotFound"}
    port = loaded.wsdl.services["CoreBankingService"].ports["CoreBankingPort"]
    assert port.binding_options["address"] == "http://localhost:8001/corebanking"


def test_contract_requires_a_username_token_by_policy() -> None:
    wsdl = etree.parse(str(CONTRACT)).getroot()
    ns = {
        "wsdl": "http://schemas.xmlsoap.org/wsdl/",
        "wsp": "http://www.w3.org/ns/ws-policy",
        "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
        "sp": "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702",
    }
    (reference,) = wsdl.xpath("wsdl:binding/wsp:PolicyReference/@URI", namespaces=ns)
    (policy,) = wsdl.xpath(f"wsp:Policy[@wsu:Id='{reference[1:]}']", namespaces=ns)
    assert policy.xpath(".//sp:SupportingTokens//sp:UsernameToken", namespaces=ns)
    assert "UsernameToken" in "".join(wsdl.xpath("wsdl:documentation/text()", namespaces=ns))


def test_contract_schema_declares_the_agreed_names(schema: xmlschema.XMLSchemaBase) -> None:
    elements = {name for name in schema.maps.elements if name.startswith(f"{{{TNS}}}")}
    messages = {f"{{{TNS}}}{op}{suffix}" for op in OPERATIONS for suffix in ("", "Response")}
    faults = {"AccountNotFound", "InsufficientFunds", "AccountBlocked", "DuplicateReference"}
    faults |= {"TransferNotFound", "InvalidAmount"}
    assert elements == messages | {f"{{{TNS}}}{name}" for name in faults}
    types = {"Amount", "AccountType", "AccountStatus", "CreditDebitCode", "TransferStatus", "IBAN"}
    assert {f"{{{TNS}}}{name}" for name in types} <= set(schema.maps.types)


def test_wsdl_endpoint_serves_the_contract_with_its_own_address(transport: ValidatingTransport, url: str) -> None:
    reply = transport.session.get(f"{url}?wsdl")
    assert reply.status_code == 200
    expected = CONTRACT.read_text(encoding="utf-8").replace("http://localhost:8001/corebanking", url)
    assert reply.text == expected


# --------------------------------------------------------------------------------------- operations


def test_get_account(bank: Any) -> None:
    account = bank.GetAccount(IBAN=CURRENT)  # zeep unwraps a single-member response
    assert account.IBAN == CURRENT
    assert (account.Name, account.Currency, account.Type) == ("Girokonto", "EUR", "CURRENT")
    assert (account.Status, account.OwnerName) == ("ACTIVE", "Max Mustermann")
    assert account.OpenedOn == date(2015, 4, 1)


def test_get_account_shows_a_blocked_account(bank: Any) -> None:
    account = bank.GetAccount(IBAN=BLOCKED)
    assert (account.IBAN, account.Status, account.Type) == (BLOCKED, "BLOCKED", "CURRENT")


def test_get_balance(bank: Any, transport: ValidatingTransport) -> None:
    reply = bank.GetBalance(IBAN=CURRENT)
    assert reply.IBAN == CURRENT
    assert money(reply.Booked) == money(reply.Available) == (Decimal("1250.50"), "EUR")
    assert reply.AsOf == NOW
    (payload,) = body_payloads(transport.reply)
    assert payload.tag == f"{{{TNS}}}GetBalanceResponse"
    assert [etree.QName(child).localname for child in payload] == [
        "IBAN",
        "Booked",
        "Available",
        "AsOf",
    ]
    assert wire_amount(payload, "Booked") == (Decimal("1250.50"), "EUR")


def test_sixteen_digit_balance_is_exact(bank: Any, transport: ValidatingTransport) -> None:
    booked, available = balances(bank, SAVINGS)
    assert booked == available == Decimal("98765432109876.54")
    assert float(booked) != booked  # the point of the seed: a float cannot hold it
    assert b'Ccy="EUR">98765432109876.54</tns:Booked>' in transport.reply


def test_blocked_account_balance_is_readable(bank: Any) -> None:
    assert balances(bank, BLOCKED) == (Decimal("310.00"), Decimal("310.00"))


def test_statement_of_the_first_quarter(bank: Any, transport: ValidatingTransport) -> None:
    reply = bank.GetStatement(IBAN=CURRENT, **Q1, PageNumber=1, PageSize=100)
    entries = reply.Entry
    assert reply.TotalEntries == len(entries) >= 25 and reply.MoreEntries is False
    dates = [e.BookingDate for e in entries]
    assert dates == sorted(dates) and dates[0] >= date(2026, 1, 1) and dates[-1] <= date(2026, 3, 31)
    assert {e.CreditDebit for e in entries} == {"CRDT", "DBIT"}
    assert all(e.Amount.Ccy == "EUR" and e.Amount._value_1 > 0 for e in entries)
    assert len({e.EntryId for e in entries}) == len(entries)
    signed = sum(e.Amount._value_1 * (1 if e.CreditDebit == "CRDT" else -1) for e in entries)
    assert Decimal("1000.00") + signed == Decimal("1250.50")  # opening balance + entries = Booked
    # zeep 4.3.3 reads <Counterparty xsi:nil="true"/> as a Counterparty whose members are all None.
    parties = [(e.Counterparty.Name, e.Counterparty.IBAN) for e in entries]
    assert {bool(name) for name, _ in parties} == {True, False}
    assert any(name and iban for name, iban in parties) and any(name and not iban for name, iban in parties)
    assert any(e.RemittanceInfo is None for e in entries)
    # On the wire a missing counterparty or remittance is xsi:nil, not left out.
    (payload,) = body_payloads(transport.reply)
    nils = {"Counterparty": 0, "RemittanceInfo": 0}
    for entry in payload.iterfind(f"{{{TNS}}}Entry"):
        for name in nils:
            element = entry.find(f"{{{TNS}}}{name}")
            assert element is not None
            nils[name] += element.get(XSI_NIL) == "true"
    assert nils == {"Counterparty": 5, "RemittanceInfo": 9}


def test_statement_date_range_is_inclusive(bank: Any) -> None:
    day = date(2026, 1, 2)
    reply = bank.GetStatement(IBAN=CURRENT, FromDate=day, ToDate=day, PageNumber=1, PageSize=10)
    assert [e.BookingDate for e in reply.Entry] == [day, day]
    assert reply.TotalEntries == 2


def test_statement_pages(bank: Any) -> None:
    whole = bank.GetStatement(IBAN=CURRENT, **Q1, PageNumber=1, PageSize=100).Entry
    pages = [bank.GetStatement(IBAN=CURRENT, **Q1, PageNumber=n, PageSize=10) for n in (1, 2, 3, 4)]
    assert [p.TotalEntries for p in pages] == [len(whole)] * 4
    assert [p.MoreEntries for p in pages] == [True, True, True, False]
    assert [e.EntryId for p in pages for e in p.Entry] == [e.EntryId for e in whole]
    beyond = bank.GetStatement(IBAN=CURRENT, **Q1, PageNumber=9, PageSize=10)
    assert beyond.Entry == [] and beyond.TotalEntries == len(whole) and not beyond.MoreEntries


def test_statement_outside_the_seed_is_empty(bank: Any) -> None:
    reply = bank.GetStatement(
        IBAN=SAVINGS, FromDate=date(2025, 1, 1), ToDate=date(2025, 12, 31), PageNumber=1, PageSize=5
    )
    assert (reply.Entry, reply.TotalEntries, reply.MoreEntries) == ([], 0, False)


def test_transfer_between_our_accounts_moves_money(bank: Any, client: zeep.Client) -> None:
    reply = transfer(
        bank,
        client,
        CreditorIBAN=SAVINGS,
        CreditorName="Max Mustermann",
        Amount=amount(client, "250.25"),
        RemittanceInfo="Sondertilgung",
    )
    assert (reply.TransferId, reply.Status) == ("TRF-000001", "EXECUTED")
    assert balances(bank, CURRENT) == (Decimal("1000.25"), Decimal("1000.25"))
    assert balances(bank, SAVINGS)[0] == Decimal("98765432110126.79")
    today = {"FromDate": NOW.date(), "ToDate": NOW.date(), "PageNumber": 1, "PageSize": 10}
    (debit,) = bank.GetStatement(IBAN=CURRENT, **today).Entry
    assert (debit.CreditDebit, money(debit.Amount)) == ("DBIT", (Decimal("250.25"), "EUR"))
    assert (debit.Counterparty.Name, debit.Counterparty.IBAN) == ("Max Mustermann", SAVINGS)
    assert debit.RemittanceInfo == "Sondertilgung" and debit.ValueDate == NOW.date()
    (credit,) = bank.GetStatement(IBAN=SAVINGS, **today).Entry
    assert (credit.CreditDebit, credit.Counterparty.IBAN) == ("CRDT", CURRENT)
    assert credit.EntryId != debit.EntryId


def test_transfer_to_another_bank_debits_only_the_debtor(
    bank: Any, client: zeep.Client, transport: ValidatingTransport
) -> None:
    reply = transfer(bank, client, Amount=amount(client, "0.01"))
    assert reply.Status == "EXECUTED"
    assert balances(bank, CURRENT) == (Decimal("1250.49"), Decimal("1250.49"))
    got = bank.GetTransfer(TransferId=reply.TransferId)
    assert (got.TransferId, got.DebtorIBAN, got.CreditorIBAN) == (reply.TransferId, CURRENT, FOREIGN)
    assert (got.CreditorName, money(got.Amount)) == ("Durand SARL", (Decimal("0.01"), "EUR"))
    assert (got.ClientReference, got.Status) == ("INV-2026-0042", "EXECUTED")
    assert (got.ExecutionDate, got.CreatedAt) == (NOW.date(), NOW)
    assert got.RemittanceInfo is None
    (payload,) = body_payloads(transport.reply)
    remittance = payload.find(f"{{{TNS}}}Transfer/{{{TNS}}}RemittanceInfo")
    assert remittance is not None and remittance.get(XSI_NIL) == "true"


def test_sixteen_digit_transfer_is_exact(bank: Any, client: zeep.Client) -> None:
    value = "98765432109876.53"
    reply = transfer(bank, client, DebtorIBAN=SAVINGS, CreditorIBAN=CURRENT, Amount=amount(client, value))
    assert reply.Status == "EXECUTED"
    assert balances(bank, SAVINGS) == (Decimal("0.01"), Decimal("0.01"))
    assert balances(bank, CURRENT)[0] == Decimal("98765432111127.03")
    assert money(bank.GetTransfer(TransferId=reply.TransferId).Amount) == (Decimal(value), "EUR")


def test_back_dated_transfer_is_executed_with_its_value_date(bank: Any, client: zeep.Client) -> None:
    reply = transfer(bank, client, ExecutionDate=date(2026, 4, 1))
    assert reply.Status == "EXECUTED"
    today = {"FromDate": NOW.date(), "ToDate": NOW.date(), "PageNumber": 1, "PageSize": 10}
    (entry,) = bank.GetStatement(IBAN=CURRENT, **today).Entry
    assert (entry.BookingDate, entry.ValueDate) == (NOW.date(), date(2026, 4, 1))


def test_forward_dated_transfer_reserves_funds(bank: Any, client: zeep.Client) -> None:
    reply = transfer(bank, client, ExecutionDate=date(2026, 5, 4), Amount=amount(client, "1000.00"))
    assert reply.Status == "ACCEPTED"
    assert balances(bank, CURRENT) == (Decimal("1250.50"), Decimal("250.50"))
    got = bank.GetTransfer(TransferId=reply.TransferId)
    assert (got.Status, got.ExecutionDate) == ("ACCEPTED", date(2026, 5, 4))
    later = {"FromDate": NOW.date(), "ToDate": date(2026, 12, 31), "PageNumber": 1, "PageSize": 10}
    assert bank.GetStatement(IBAN=CURRENT, **later).TotalEntries == 0
    with pytest.raises(Fault):  # the reservation counts against what is available
        transfer(bank, client, ClientReference="INV-2026-0043", Amount=amount(client, "250.51"))


def test_concurrent_transfers_keep_the_books_exact(bank: Any, client: zeep.Client) -> None:
    def send(n: int) -> str:
        reply = transfer(bank, client, CreditorIBAN=SAVINGS, ClientReference=f"C-{n}", Amount=amount(client, "1.10"))
        return str(reply.TransferId)

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(send, range(20)))
    assert len(set(ids)) == 20
    assert balances(bank, CURRENT)[0] == Decimal("1250.50") - Decimal("22.00")
    assert balances(bank, SAVINGS)[0] == Decimal("98765432109876.54") + Decimal("22.00")


# -------------------------------------------------------------------------------------------- faults


def assert_client_fault(
    transport: ValidatingTransport, raised: pytest.ExceptionInfo[Fault], detail: str
) -> etree._Element:
    """A Client fault with ``detail`` as its only detail entry; returns that entry."""
    assert transport.status == 500  # SOAP 1.1 §6.2
    assert fault_code(transport.reply) == etree.QName(SOAP11_ENV, "Client")
    assert raised.value.message
    entry = detail_entry(transport.reply)
    assert entry.tag == f"{{{TNS}}}{detail}"
    return entry


@pytest.mark.parametrize("operation", ["GetAccount", "GetBalance", "GetStatement", "TransferFunds"])
def test_unknown_account(bank: Any, client: zeep.Client, transport: ValidatingTransport, operation: str) -> None:
    calls = {
        "GetAccount": lambda: bank.GetAccount(IBAN=UNKNOWN),
        "GetBalance": lambda: bank.GetBalance(IBAN=UNKNOWN),
        "GetStatement": lambda: bank.GetStatement(IBAN=UNKNOWN, **Q1, PageNumber=1, PageSize=1),
        "TransferFunds": lambda: transfer(bank, client, DebtorIBAN=UNKNOWN),
    }
    with pytest.raises(Fault) as raised:
        calls[operation]()
    entry = assert_client_fault(transport, raised, "AccountNotFound")
    assert text(entry, "IBAN") == UNKNOWN
    assert UNKNOWN in raised.value.message


def test_insufficient_funds(bank: Any, client: zeep.Client, transport: ValidatingTransport) -> None:
    with pytest.raises(Fault) as raised:
        transfer(bank, client, Amount=amount(client, "1250.51"))
    entry = assert_client_fault(transport, raised, "InsufficientFunds")
    assert text(entry, "IBAN") == CURRENT
    assert wire_amount(entry, "Available") == (Decimal("1250.50"), "EUR")
    assert wire_amount(entry, "Requested") == (Decimal("1250.51"), "EUR")
    assert balances(bank, CURRENT) == (Decimal("1250.50"), Decimal("1250.50"))


@pytest.mark.parametrize("side", ["DebtorIBAN", "CreditorIBAN"])
def test_blocked_account_is_neither_debited_nor_credited(
    bank: Any, client: zeep.Client, transport: ValidatingTransport, side: str
) -> None:
    with pytest.raises(Fault) as raised:
        transfer(bank, client, **{side: BLOCKED}, Amount=amount(client, "10.00"))
    entry = assert_client_fault(transport, raised, "AccountBlocked")
    assert text(entry, "IBAN") == BLOCKED
    assert text(entry, "Reason")
    assert balances(bank, BLOCKED)[0] == Decimal("310.00")
    assert balances(bank, CURRENT)[0] == Decimal("1250.50")


def test_duplicate_reference(bank: Any, client: zeep.Client, transport: ValidatingTransport) -> None:
    first = transfer(bank, client)
    with pytest.raises(Fault) as raised:
        transfer(bank, client, CreditorIBAN=SAVINGS, Amount=amount(client, "5.00"))
    entry = assert_client_fault(transport, raised, "DuplicateReference")
    assert (text(entry, "ClientReference"), text(entry, "TransferId")) == (
        "INV-2026-0042",
        first.TransferId,
    )
    assert balances(bank, CURRENT)[0] == Decimal("1150.50")
    # The reference is per debtor: another account may use it.
    assert transfer(bank, client, DebtorIBAN=SAVINGS).Status == "EXECUTED"


@pytest.mark.parametrize(
    ("value", "ccy", "reason"),
    [
        ("100.00", "USD", "Currency USD"),
        ("0.00", "EUR", "greater than zero"),
        ("-5.00", "EUR", "greater than zero"),
        ("10.005", "EUR", "2 decimal places"),
        ("1000000000000000000.00", "EUR", "18 integer digits"),
    ],
)
def test_invalid_amount(
    bank: Any, client: zeep.Client, transport: ValidatingTransport, value: str, ccy: str, reason: str
) -> None:
    with pytest.raises(Fault) as raised:
        transfer(bank, client, Amount=amount(client, value, ccy))
    entry = assert_client_fault(transport, raised, "InvalidAmount")
    assert wire_amount(entry, "Requested") == (Decimal(value), ccy)
    assert reason in (text(entry, "Reason") or "")
    assert balances(bank, CURRENT)[0] == Decimal("1250.50")


def test_unknown_transfer(bank: Any, transport: ValidatingTransport) -> None:
    with pytest.raises(Fault) as raised:
        bank.GetTransfer(TransferId="TRF-999999")
    entry = assert_client_fault(transport, raised, "TransferNotFound")
    assert text(entry, "TransferId") == "TRF-999999"


def test_request_outside_the_contract_is_a_client_fault(bank: Any, transport: ValidatingTransport) -> None:
    with pytest.raises(Fault):
        bank.GetStatement(IBAN=CURRENT, **Q1, PageNumber=1, PageSize=101)
    code = fault_code(transport.reply)
    assert code.namespace == SOAP11_ENV and code.localname.startswith("Client")


# ---------------------------------------------------------------------------------------- WS-Security


@pytest.mark.parametrize(
    "token",
    [
        UsernameToken("bank-user", "wrong"),
        UsernameToken("someone", "bank-pass"),
        UsernameToken("bank-user", "wrong", use_digest=True),
        UsernameToken("bank-user"),
        None,
    ],
    ids=["wrong-password", "wrong-user", "wrong-digest", "no-password", "no-token"],
)
def test_failed_authentication(
    transport: ValidatingTransport, url: str, state: BankState, token: UsernameToken | None
) -> None:
    service = _client(transport, token).create_service(BINDING, url)
    with pytest.raises(Fault) as raised:
        service.TransferFunds(
            DebtorIBAN=CURRENT,
            CreditorIBAN=FOREIGN,
            CreditorName="Mallory",
            Amount={"_value_1": Decimal("1000.00"), "Ccy": "EUR"},
            ClientReference="steal",
        )
    assert raised.value.message == FAILED_AUTHENTICATION
    assert fault_code(transport.reply) == etree.QName(WSSE, "FailedAuthentication")
    assert transport.status == 500
    assert state.transfers == {} and state.accounts[CURRENT].booked == Decimal("1250.50")


def test_password_digest_is_accepted(transport: ValidatingTransport, url: str) -> None:
    token = UsernameToken("bank-user", "bank-pass", use_digest=True)
    service = _client(transport, token).create_service(BINDING, url)
    assert service.GetBalance(IBAN=CURRENT).Booked._value_1 == Decimal("1250.50")


def test_other_credentials_can_be_configured(transport: ValidatingTransport) -> None:
    with serve_wsgi(create_app(username="acme", password="s3cret")) as base:
        good = _client(transport, UsernameToken("acme", "s3cret")).create_service(BINDING, base)
        assert good.GetAccount(IBAN=CURRENT).IBAN == CURRENT
        default = _client(transport, UsernameToken("bank-user", "bank-pass"))
        with pytest.raises(Fault, match=FAILED_AUTHENTICATION):
            default.create_service(BINDING, base).GetAccount(IBAN=CURRENT)

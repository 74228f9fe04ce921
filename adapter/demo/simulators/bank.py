"""A legacy core-banking system: a Spyne SOAP 1.1 service for ``wsdl/bank/core_banking.wsdl``.

    app = create_app()                     # a WSGI callable with fresh seed data
    with serve_wsgi(app) as url: ...       # adapter.testing

The books live in a :class:`BankState`, in memory, one per app, behind a lock (the WSGI server is
threaded). What the contract leaves to the implementation is decided here:

- Every request needs a WS-Security UsernameToken, PasswordText or PasswordDigest; otherwise
  the reply is a Fault ``wsse:FailedAuthentication``. Digest freshness and nonce reuse are not
  checked.
- TransferFunds without ExecutionDate, or with one not after today, is EXECUTED at once: the
  debtor gets a DBIT entry booked today, valued on the execution date, and a creditor account of
  this bank the matching CRDT entry. A later ExecutionDate makes it ACCEPTED: the amount is
  reserved (Available drops, Booked does not) and nothing is booked, as the simulator has no
  end-of-day run.
- A creditor IBAN that is not one of ours belongs to another bank: only the debtor is debited.
- Checks, in this order: unknown debtor → AccountNotFound; ClientReference already used by the
  debtor → DuplicateReference; amount not above zero, with more than 2 decimals or 18 integer
  digits, or not in the accounts' currency → InvalidAmount; debtor or creditor not ACTIVE →
  AccountBlocked; amount above Available → InsufficientFunds.
- Replies carry ``xsi:nil="true"`` for a missing counterparty or remittance information.
- ``GET ?wsdl`` returns the hand-written contract, its address pointed at this server.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

from lxml import etree
from spyne import Application, Fault, Service
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication
from spyne.util.appreg import unregister_application
from spyne.util.xml import get_object_as_xml

from adapter import xml
from adapter.demo import files
from adapter.demo.simulators import bank_models as m
from adapter.demo.simulators._spyne import bare_operation, is_wsdl_request, serve_contract
from adapter.exceptions import AdapterError
from adapter.settings import XmlLimits

__all__ = ["CONTRACT", "BankError", "BankState", "create_app"]

CONTRACT = files.contract("bank/core_banking.wsdl")
CONTRACT_ADDRESS = "http://localhost:8001/corebanking"
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
PASSWORD_TEXT = f"{_PROFILE}#PasswordText"
PASSWORD_DIGEST = f"{_PROFILE}#PasswordDigest"
FAILED_AUTHENTICATION = "The security token could not be authenticated or authorized"

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_INTEGER_DIGITS = 18


# --------------------------------------------------------------------------------------- the books


@dataclass(frozen=True)
class Party:
    """The other side of a statement entry."""

    name: str
    iban: str | None = None


@dataclass(frozen=True)
class Entry:
    """A booked statement line. ``amount`` is positive; ``credit_debit`` gives the direction."""

    entry_id: str
    booking_date: date
    value_date: date
    amount: Decimal
    credit_debit: str
    counterparty: Party | None = None
    remittance: str | None = None

    @property
    def signed(self) -> Decimal:
        return self.amount if self.credit_debit == "CRDT" else -self.amount


@dataclass
class Account:
    """An account of this bank. ``reserved``: funds of accepted, not yet executed transfers."""

    iban: str
    name: str
    type: str
    status: str
    owner: str
    opened_on: date
    booked: Decimal
    currency: str = "EUR"
    reserved: Decimal = ZERO
    block_reason: str | None = None
    entries: list[Entry] = field(default_factory=list)

    @property
    def available(self) -> Decimal:
        return self.booked - self.reserved


@dataclass(frozen=True)
class TransferOrder:
    """A TransferFunds request."""

    debtor_iban: str
    creditor_iban: str
    creditor_name: str
    amount: Decimal
    currency: str
    client_reference: str
    remittance: str | None = None
    execution_date: date | None = None


@dataclass(frozen=True)
class Transfer:
    """An order the bank took: what GetTransfer returns."""

    transfer_id: str
    order: TransferOrder
    execution_date: date
    status: str
    created_at: datetime


@dataclass(frozen=True)
class StatementPage:
    entries: list[Entry]
    total: int
    more: bool
    currency: str


class BankError(Exception):
    """A business error: the service answers it with a Client fault carrying ``detail``.

    ``detail`` is an instance of a contract fault element (``bank_models.AccountNotFound`` …).
    """

    def __init__(self, faultstring: str, detail: Any) -> None:
        super().__init__(faultstring)
        self.faultstring = faultstring
        self.detail = detail


def _money(value: Decimal, ccy: str) -> Any:
    return m.Amount(Ccy=ccy, value=value)


def _amount_problem(order: TransferOrder, currency: str) -> str | None:
    amount = order.amount
    if order.currency != currency:
        return f"Currency {order.currency} differs from the account currency {currency}"
    if amount <= 0:
        return "The amount must be greater than zero"
    # adjusted() needs no decimal context, so the quantize() below cannot overflow the precision.
    if amount.adjusted() >= MAX_INTEGER_DIGITS:
        return f"The amount has more than {MAX_INTEGER_DIGITS} integer digits"
    if amount != amount.quantize(CENT):
        return f"{currency} amounts have at most 2 decimal places"
    return None


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class BankState:
    """The bank's books: the seeded accounts, the transfers taken since, and the clock for "today".

    Every public method takes the lock, so one state can serve a threaded WSGI server.
    """

    accounts: dict[str, Account] = field(default_factory=lambda: seed_accounts())
    transfers: dict[str, Transfer] = field(default_factory=dict)
    clock: Callable[[], datetime] = _utc_now
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def account(self, iban: str) -> Account:
        """The account, or :class:`BankError` (AccountNotFound)."""
        with self._lock:
            return self._account(iban)

    def balance(self, iban: str) -> tuple[Decimal, Decimal, str]:
        """Booked, available and currency, read together."""
        with self._lock:
            account = self._account(iban)
            return account.booked, account.available, account.currency

    def statement(self, iban: str, start: date, end: date, page: int, size: int) -> StatementPage:
        """Page ``page`` (1-based) of the entries booked from ``start`` to ``end`` inclusive."""
        with self._lock:
            account = self._account(iban)
            found = [e for e in account.entries if start <= e.booking_date <= end]
        found.sort(key=lambda e: (e.booking_date, e.entry_id))
        first = (page - 1) * size
        more = first + size < len(found)
        return StatementPage(found[first : first + size], len(found), more, account.currency)

    def transfer(self, order: TransferOrder) -> Transfer:
        """Check and carry out ``order`` (rules and their order: see the module docstring)."""
        with self._lock:
            debtor = self._account(order.debtor_iban)
            creditor = self.accounts.get(order.creditor_iban)
            self._check(order, debtor, creditor)
            now = self.clock().replace(microsecond=0)
            execution = order.execution_date or now.date()
            status = "EXECUTED" if execution <= now.date() else "ACCEPTED"
            transfer = Transfer(f"TRF-{len(self.transfers) + 1:06d}", order, execution, status, now)
            if status == "EXECUTED":
                self._post(debtor, transfer, "DBIT", Party(order.creditor_name, order.creditor_iban))
                if creditor is not None:
                    self._post(creditor, transfer, "CRDT", Party(debtor.owner, debtor.iban))
            else:
                debtor.reserved += order.amount
            self.transfers[transfer.transfer_id] = transfer
            return transfer

    def get_transfer(self, transfer_id: str) -> Transfer:
        """The transfer, or :class:`BankError` (TransferNotFound)."""
        with self._lock:
            transfer = self.transfers.get(transfer_id)
        if transfer is None:
            detail = m.TransferNotFound(TransferId=transfer_id)
            raise BankError(f"Transfer {transfer_id} does not exist", detail)
        return transfer

    def _account(self, iban: str) -> Account:
        account = self.accounts.get(iban)
        if account is None:
            raise BankError(f"Account {iban} does not exist", m.AccountNotFound(IBAN=iban))
        return account

    def _check(self, order: TransferOrder, debtor: Account, creditor: Account | None) -> None:
        ref = order.client_reference
        for taken in self.transfers.values():
            if taken.order.debtor_iban == debtor.iban and taken.order.client_reference == ref:
                detail = m.DuplicateReference(ClientReference=ref, TransferId=taken.transfer_id)
                raise BankError(f"ClientReference {ref} was already used", detail)
        parties = [debtor] if creditor is None else [debtor, creditor]
        for account in parties:
            problem = _amount_problem(order, account.currency)
            if problem is not None:
                requested = _money(order.amount, order.currency)
                raise BankError(problem, m.InvalidAmount(Requested=requested, Reason=problem))
        for account in parties:
            if account.status != "ACTIVE":
                detail = m.AccountBlocked(IBAN=account.iban, Reason=account.block_reason)
                raise BankError(f"Account {account.iban} is {account.status.lower()}", detail)
        if order.amount > debtor.available:
            detail = m.InsufficientFunds(
                IBAN=debtor.iban,
                Available=_money(debtor.available, debtor.currency),
                Requested=_money(order.amount, order.currency),
            )
            raise BankError(f"Insufficient funds on account {debtor.iban}", detail)

    def _post(self, account: Account, transfer: Transfer, cd: str, party: Party) -> None:
        entry_id = f"ENT-{sum(len(a.entries) for a in self.accounts.values()) + 1:06d}"
        order = transfer.order
        booked_on, valued_on = transfer.created_at.date(), transfer.execution_date
        entry = Entry(entry_id, booked_on, valued_on, order.amount, cd, party, order.remittance)
        account.entries.append(entry)
        account.booked += entry.signed


# --------------------------------------------------------------------------------------- seed data

_Row = tuple[str, str, str, Party | None, str | None]

_LANDLORD = Party("Hausverwaltung Schmidt GmbH", "DE44500105175407324931")
_INSURER = Party("Allianz Versicherungs-AG", "DE71700800000900444200")
_POWER = Party("Stadtwerke München GmbH", "DE72701500000000203133")
_TELEKOM = Party("Telekom Deutschland GmbH", "DE16700202700005713153")
_EMPLOYER = Party("Muster Maschinenbau AG", "DE91100000000123456789")
_TRAVEL = Party("TUI Deutschland GmbH", "DE12250400660351820000")
_TAX = Party("Finanzamt München", "DE05700000000070001506")
_ERIKA = Party("Erika Mustermann", "DE75512108001245126100")
_SAVINGS = Party("Max Mustermann", "DE02120300000000202051")
_CURRENT = Party("Max Mustermann", "DE89370400440532013000")
_REWE, _NETFLIX = Party("REWE Markt GmbH"), Party("Netflix International B.V.")

# Max Mustermann's current account, Q1 2026: (booking date, amount, CRDT/DBIT, counterparty,
# remittance). The opening balance is 1000.00; the entries add up to +250.50, so Booked is 1250.50.
_CURRENT_ROWS: list[_Row] = [
    ("2026-01-02", "1350.00", "DBIT", _LANDLORD, "Miete Januar 2026"),
    ("2026-01-02", "412.80", "DBIT", _INSURER, "Beitrag 2026 Vertrag 7001234"),
    ("2026-01-05", "64.90", "DBIT", _POWER, "Abschlag Strom 01/2026"),
    ("2026-01-08", "87.43", "DBIT", _REWE, None),
    ("2026-01-12", "200.00", "DBIT", None, "Bargeldauszahlung Geldautomat"),
    ("2026-01-15", "12.99", "DBIT", _NETFLIX, None),
    ("2026-01-20", "45.20", "DBIT", _TELEKOM, "Rechnung 01/2026 Kd-Nr 4711"),
    ("2026-01-30", "2850.00", "CRDT", _EMPLOYER, "Gehalt Januar 2026"),
    ("2026-01-30", "500.00", "DBIT", _SAVINGS, "Sparrate"),
    ("2026-01-31", "9.90", "DBIT", None, "Kontoführungsentgelt 01/2026"),
    ("2026-02-02", "1350.00", "DBIT", _LANDLORD, "Miete Februar 2026"),
    ("2026-02-03", "1024.25", "DBIT", _TRAVEL, "Reise 2026-0815"),
    ("2026-02-05", "64.90", "DBIT", _POWER, "Abschlag Strom 02/2026"),
    ("2026-02-07", "132.18", "DBIT", _REWE, None),
    ("2026-02-14", "58.00", "DBIT", Party("Blumen Meier"), None),
    ("2026-02-15", "12.99", "DBIT", _NETFLIX, None),
    ("2026-02-20", "45.20", "DBIT", _TELEKOM, "Rechnung 02/2026 Kd-Nr 4711"),
    ("2026-02-23", "84.50", "CRDT", _TAX, "Erstattung ESt 2024"),
    ("2026-02-27", "2850.00", "CRDT", _EMPLOYER, "Gehalt Februar 2026"),
    ("2026-02-27", "500.00", "DBIT", _SAVINGS, "Sparrate"),
    ("2026-02-28", "9.90", "DBIT", None, "Kontoführungsentgelt 02/2026"),
    ("2026-03-02", "1350.00", "DBIT", _LANDLORD, "Miete März 2026"),
    ("2026-03-05", "64.90", "DBIT", _POWER, "Abschlag Strom 03/2026"),
    ("2026-03-06", "96.37", "DBIT", _REWE, None),
    ("2026-03-10", "150.00", "DBIT", None, "Bargeldauszahlung Geldautomat"),
    ("2026-03-12", "299.00", "DBIT", Party("MediaMarkt"), None),
    ("2026-03-15", "12.99", "DBIT", _NETFLIX, None),
    ("2026-03-18", "25.00", "CRDT", _ERIKA, None),
    ("2026-03-20", "45.20", "DBIT", _TELEKOM, "Rechnung 03/2026 Kd-Nr 4711"),
    ("2026-03-27", "2850.00", "CRDT", _EMPLOYER, "Gehalt März 2026"),
    ("2026-03-27", "500.00", "DBIT", _SAVINGS, "Sparrate"),
    ("2026-03-31", "9.90", "DBIT", None, "Kontoführungsentgelt 03/2026"),
]

# The savings account ends on 98765432109876.54: 16 digits, more than a float holds exactly.
_SAVINGS_ROWS: list[_Row] = [
    ("2026-01-30", "500.00", "CRDT", _CURRENT, "Sparrate"),
    ("2026-02-27", "500.00", "CRDT", _CURRENT, "Sparrate"),
    ("2026-03-27", "500.00", "CRDT", _CURRENT, "Sparrate"),
    ("2026-03-31", "1234567.89", "CRDT", None, "Zinsgutschrift Q1 2026"),
]

_BLOCKED_ROWS: list[_Row] = [
    ("2026-01-15", "1800.00", "CRDT", Party("Beispiel Logistik GmbH"), "Lohn 01/2026"),
    ("2026-02-16", "1490.00", "DBIT", None, "Pfändung Az. 12 M 345/26"),
]

# (IBAN, name, type, status, owner, opened on, balance before the first entry, entries), kept as a table.
_ACCOUNTS = [
    ("DE89370400440532013000", "Girokonto", "CURRENT", "ACTIVE", "Max Mustermann", "2015-04-01",
     "1000.00", _CURRENT_ROWS),
    ("DE02120300000000202051", "Tagesgeld", "SAVINGS", "ACTIVE", "Max Mustermann", "2018-09-17",
     "98765430873808.65", _SAVINGS_ROWS),
    ("DE75512108001245126199", "Girokonto", "CURRENT", "BLOCKED", "Hans Beispiel", "2021-02-01",
     "0.00", _BLOCKED_ROWS),
]  # fmt: skip
_BLOCK_REASON = "Garnishment order of 2026-02-12"


def seed_accounts() -> dict[str, Account]:
    """The accounts the demo and the tests rely on, as a fresh copy on every call."""
    ids = count(1)
    accounts: dict[str, Account] = {}
    for iban, name, kind, status, owner, opened, opening, rows in _ACCOUNTS:
        entries = []
        for day, amount, cd, party, remittance in rows:
            booked_on = date.fromisoformat(day)
            entry_id = f"ENT-{next(ids):06d}"
            entries.append(Entry(entry_id, booked_on, booked_on, Decimal(amount), cd, party, remittance))
        booked = Decimal(opening) + sum((e.signed for e in entries), ZERO)
        reason = _BLOCK_REASON if status == "BLOCKED" else None
        opened_on = date.fromisoformat(opened)
        accounts[iban] = Account(
            iban, name, kind, status, owner, opened_on, booked, block_reason=reason, entries=entries
        )
    return accounts


# ------------------------------------------------------------------------------------- SOAP service


_operation = bare_operation


def _entry(entry: Entry, currency: str) -> Any:
    party = entry.counterparty
    return m.StatementEntry(
        EntryId=entry.entry_id,
        BookingDate=entry.booking_date,
        ValueDate=entry.value_date,
        Amount=_money(entry.amount, currency),
        CreditDebit=entry.credit_debit,
        Counterparty=m.Counterparty(Name=party.name, IBAN=party.iban) if party else None,
        RemittanceInfo=entry.remittance,
    )


def _transfer(transfer: Transfer) -> Any:
    order = transfer.order
    return m.Transfer(
        TransferId=transfer.transfer_id,
        DebtorIBAN=order.debtor_iban,
        CreditorIBAN=order.creditor_iban,
        CreditorName=order.creditor_name,
        Amount=_money(order.amount, order.currency),
        RemittanceInfo=order.remittance,
        ExecutionDate=transfer.execution_date,
        ClientReference=order.client_reference,
        Status=transfer.status,
        CreatedAt=transfer.created_at,
    )


class CoreBankingService(Service):
    """The contract's five operations, on the :class:`BankState` that ``create_app`` puts in
    ``ctx.udc``."""

    @classmethod
    def call_wrapper(cls, ctx: Any, args: Any = None) -> Any:
        try:
            return super().call_wrapper(ctx, args)
        except BankError as error:
            # SOAP 1.1 §4.4: the declared element goes inside <detail>; Spyne writes the faultcode
            # as soap11env:Client.
            entry = get_object_as_xml(error.detail, type(error.detail))
            raise Fault(faultcode="Client", faultstring=error.faultstring, detail=entry) from None

    @_operation("GetAccount", m.GetAccount, m.GetAccountResponse)
    def get_account(ctx: Any, request: Any) -> Any:
        a = ctx.udc.account(request.IBAN)
        account = m.Account(
            IBAN=a.iban,
            Name=a.name,
            Currency=a.currency,
            Type=a.type,
            Status=a.status,
            OwnerName=a.owner,
            OpenedOn=a.opened_on,
        )
        return m.GetAccountResponse(Account=account)

    @_operation("GetBalance", m.GetBalance, m.GetBalanceResponse)
    def get_balance(ctx: Any, request: Any) -> Any:
        booked, available, currency = ctx.udc.balance(request.IBAN)
        return m.GetBalanceResponse(
            IBAN=request.IBAN,
            Booked=_money(booked, currency),
            Available=_money(available, currency),
            AsOf=ctx.udc.clock().replace(microsecond=0),
        )

    @_operation("GetStatement", m.GetStatement, m.GetStatementResponse)
    def get_statement(ctx: Any, request: Any) -> Any:
        r = request
        page = ctx.udc.statement(r.IBAN, r.FromDate, r.ToDate, r.PageNumber, r.PageSize)
        entries = [_entry(e, page.currency) for e in page.entries]
        return m.GetStatementResponse(Entry=entries, TotalEntries=page.total, MoreEntries=page.more)

    @_operation("TransferFunds", m.TransferFunds, m.TransferFundsResponse)
    def transfer_funds(ctx: Any, request: Any) -> Any:
        r = request
        order = TransferOrder(
            debtor_iban=r.DebtorIBAN,
            creditor_iban=r.CreditorIBAN,
            creditor_name=r.CreditorName,
            amount=r.Amount.value,
            currency=r.Amount.Ccy,
            client_reference=r.ClientReference,
            remittance=r.RemittanceInfo,
            execution_date=r.ExecutionDate,
        )
        transfer = ctx.udc.transfer(order)
        return m.TransferFundsResponse(TransferId=transfer.transfer_id, Status=transfer.status)

    @_operation("GetTransfer", m.GetTransfer, m.GetTransferResponse)
    def get_transfer(ctx: Any, request: Any) -> Any:
        return m.GetTransferResponse(Transfer=_transfer(ctx.udc.get_transfer(request.TransferId)))


# -------------------------------------------------------------------------------------- WS-Security


def _token_valid(token: etree._Element, username: str, password: str) -> bool:
    """Username Token Profile 1.0 §3.1: PasswordText, or Base64(SHA-1(nonce + created + pwd))."""
    secret = token.find(f"{{{WSSE}}}Password")
    if secret is None:
        return False
    kind = secret.get("Type", PASSWORD_TEXT)  # §3.1: PasswordText is the default
    if kind == PASSWORD_TEXT:
        expected = password
    elif kind == PASSWORD_DIGEST:
        created = (token.findtext(f"{{{WSU}}}Created") or "").strip()
        try:
            nonce = base64.b64decode((token.findtext(f"{{{WSSE}}}Nonce") or "").strip(), validate=True)
        except binascii.Error:
            return False
        digest = hashlib.sha1(nonce + created.encode() + password.encode()).digest()
        expected = base64.b64encode(digest).decode("ascii")
    else:
        return False
    user = (token.findtext(f"{{{WSSE}}}Username") or "").strip()
    given = (secret.text or "").strip()
    user_ok = hmac.compare_digest(user.encode(), username.encode())
    return hmac.compare_digest(given.encode(), expected.encode()) and user_ok


def _failed_authentication() -> bytes:
    # WSS SOAP Message Security 1.0 §12: faultcode is the QName wsse:FailedAuthentication. Written
    # here, not by Spyne: Spyne prefixes every faultcode with its envelope prefix, and its namespace
    # cleanup would drop a wsse declaration that only text uses.
    envelope = etree.Element(f"{{{SOAP11_ENV}}}Envelope", nsmap={"soap11env": SOAP11_ENV, "wsse": WSSE})
    body = etree.SubElement(envelope, f"{{{SOAP11_ENV}}}Body")
    fault = etree.SubElement(body, f"{{{SOAP11_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = "wsse:FailedAuthentication"
    etree.SubElement(fault, "faultstring").text = FAILED_AUTHENTICATION
    return xml.tostring(envelope, declaration=True)


def _reply(start_response: StartResponse, status: str, document: bytes) -> list[bytes]:
    headers = [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(document)))]
    start_response(status, headers)
    return [document]


class SecurityGate:
    """WSGI middleware before Spyne: authenticates every POST, serves the contract on ``?wsdl``."""

    def __init__(self, app: WsgiApplication, username: str, password: str) -> None:
        self.app = app
        self.username = username
        self.password = password
        self.fault = _failed_authentication()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if is_wsdl_request(environ):
            return serve_contract(CONTRACT, CONTRACT_ADDRESS, environ, start_response)
        if method != "POST":
            return self._spyne(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)  # for Spyne, which reads it again
        if self._authenticated(body) is False:
            # SOAP 1.1 §6.2: a fault travels with HTTP 500.
            return _reply(start_response, "500 Internal Server Error", self.fault)
        return self._spyne(environ, start_response)

    def _spyne(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        reply: Iterable[bytes] = self.app(environ, start_response)  # Spyne is untyped
        return reply

    def _authenticated(self, body: bytes) -> bool | None:
        """None when the body is no SOAP 1.1 envelope, which Spyne answers with a Client fault."""
        try:
            envelope: etree._Element = xml.parse(body, XmlLimits())
        except AdapterError:
            return None
        if envelope.tag != f"{{{SOAP11_ENV}}}Envelope":
            return None
        path = f"{{{SOAP11_ENV}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken"
        tokens = envelope.iterfind(path)
        return any(_token_valid(token, self.username, self.password) for token in tokens)


def create_app(
    *, username: str = "bank-user", password: str = "bank-pass", state: BankState | None = None
) -> SecurityGate:
    """The core-banking simulator as a WSGI callable, on ``state`` or on fresh seed data."""
    books = state if state is not None else BankState()
    app = Application(
        [CoreBankingService],
        tns=m.TNS,
        name="CoreBankingService",
        in_protocol=Soap11(validator="lxml"),
        out_protocol=Soap11(),
    )
    # Spyne keeps every Application in a process-wide registry; nothing here uses it: no globals.
    unregister_application(app)
    app.event_manager.add_listener("method_call", lambda ctx: setattr(ctx, "udc", books))
    return SecurityGate(WsgiApplication(app), username, password)

"""Spyne types of the core-banking simulator: ``wsdl/bank/core_banking.wsdl``, element for element.

The hand-written contract is the source of truth; these classes exist so that Spyne reads and
writes exactly the documents it describes. Every class is in the contract's namespace, every member
has the contract's name, order, occurrence and nillability, and each request and response class is
named after its wrapper element (the service uses ``_body_style='bare'``, so Spyne writes these
classes as the Body entry itself).

Spyne's defaults are not XML Schema's (members are ``minOccurs=0`` and nillable unless told
otherwise), so every member is declared through :func:`_required`, :func:`_optional` or
:func:`_nillable`.
"""

from __future__ import annotations

from typing import Any

from spyne import (
    Boolean,
    ComplexModel,
    Date,
    DateTime,
    Decimal,
    Integer32,
    Unicode,
    XmlAttribute,
    XmlData,
)

TNS = "http://example.com/bank/corebanking/v1"


def _required(model: Any) -> Any:
    return model.customize(min_occurs=1, nillable=False)


def _optional(model: Any) -> Any:
    return model.customize(min_occurs=0, nillable=False)


def _nillable(model: Any, *, always: bool = False) -> Any:
    """``minOccurs="0" nillable="true"``; with ``always``, Spyne writes ``xsi:nil`` for None.

    Spyne leaves out a ``minOccurs=0`` member whose value is None, so the reply members that the
    contract documents as "sent nil when absent" are ``min_occurs=1`` on the Spyne side.
    """
    return model.customize(min_occurs=1 if always else 0, nillable=True)


def _simple(base: Any, name: str, **facets: Any) -> Any:
    return base.customize(type_name=name, __namespace__=TNS, **facets)


# ------------------------------------------------------------------------------------ simple types

IBAN = _simple(Unicode, "IBAN", pattern="[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
CurrencyCode = _simple(Unicode, "CurrencyCode", pattern="[A-Z]{3}")
Max35Text = _simple(Unicode, "Max35Text", min_len=1, max_len=35)
Max140Text = _simple(Unicode, "Max140Text", min_len=1, max_len=140)
AccountType = _simple(Unicode, "AccountType", values=["CURRENT", "SAVINGS", "LOAN"])
AccountStatus = _simple(Unicode, "AccountStatus", values=["ACTIVE", "BLOCKED", "CLOSED"])
CreditDebitCode = _simple(Unicode, "CreditDebitCode", values=["CRDT", "DBIT"])
TransferStatus = _simple(Unicode, "TransferStatus", values=["ACCEPTED", "PENDING", "EXECUTED", "REJECTED"])
PageNumber = _simple(Integer32, "PageNumber", ge=1)
PageSize = _simple(Integer32, "PageSize", ge=1, le=100)
# "{:f}": str(Decimal) would write exponents ("1E+2"), which xsd:decimal does not allow.
_DecimalText = Decimal(str_format="{:f}")


# ----------------------------------------------------------------------------------- complex types


class Amount(ComplexModel):
    """``<Amount Ccy="EUR">1250.50</Amount>``: xsd:decimal content, required currency attribute."""

    __namespace__ = TNS
    _type_info = [
        ("Ccy", XmlAttribute(CurrencyCode, use="required")),
        ("value", XmlData(_DecimalText)),
    ]


class Account(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("IBAN", _required(IBAN)),
        ("Name", _required(Max140Text)),
        ("Currency", _required(CurrencyCode)),
        ("Type", _required(AccountType)),
        ("Status", _required(AccountStatus)),
        ("OwnerName", _required(Max140Text)),
        ("OpenedOn", _required(Date)),
    ]


class Counterparty(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("Name", _required(Max140Text)),
        ("IBAN", _optional(IBAN)),
    ]


class StatementEntry(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("EntryId", _required(Max35Text)),
        ("BookingDate", _required(Date)),
        ("ValueDate", _required(Date)),
        ("Amount", _required(Amount)),
        ("CreditDebit", _required(CreditDebitCode)),
        ("Counterparty", _nillable(Counterparty, always=True)),
        ("RemittanceInfo", _nillable(Max140Text, always=True)),
    ]


class Transfer(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("TransferId", _required(Max35Text)),
        ("DebtorIBAN", _required(IBAN)),
        ("CreditorIBAN", _required(IBAN)),
        ("CreditorName", _required(Max140Text)),
        ("Amount", _required(Amount)),
        ("RemittanceInfo", _nillable(Max140Text, always=True)),
        ("ExecutionDate", _required(Date)),
        ("ClientReference", _required(Max35Text)),
        ("Status", _required(TransferStatus)),
        ("CreatedAt", _required(DateTime)),
    ]


# ---------------------------------------------------------------------- operation wrapper elements


class GetAccount(ComplexModel):
    __namespace__ = TNS
    _type_info = [("IBAN", _required(IBAN))]


class GetAccountResponse(ComplexModel):
    __namespace__ = TNS
    _type_info = [("Account", _required(Account))]


class GetBalance(ComplexModel):
    __namespace__ = TNS
    _type_info = [("IBAN", _required(IBAN))]


class GetBalanceResponse(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("IBAN", _required(IBAN)),
        ("Booked", _required(Amount)),
        ("Available", _required(Amount)),
        ("AsOf", _required(DateTime)),
    ]


class GetStatement(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("IBAN", _required(IBAN)),
        ("FromDate", _required(Date)),
        ("ToDate", _required(Date)),
        ("PageNumber", _required(PageNumber)),
        ("PageSize", _required(PageSize)),
    ]


class GetStatementResponse(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        # Repeated element, no wrapper: max_occurs, not spyne.Array (which would add one).
        ("Entry", StatementEntry.customize(min_occurs=0, max_occurs="unbounded", nillable=False)),
        ("TotalEntries", _required(Integer32)),
        ("MoreEntries", _required(Boolean)),
    ]


class TransferFunds(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("DebtorIBAN", _required(IBAN)),
        ("CreditorIBAN", _required(IBAN)),
        ("CreditorName", _required(Max140Text)),
        ("Amount", _required(Amount)),
        ("RemittanceInfo", _nillable(Max140Text)),
        ("ExecutionDate", _optional(Date)),
        ("ClientReference", _required(Max35Text)),
    ]


class TransferFundsResponse(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("TransferId", _required(Max35Text)),
        ("Status", _required(TransferStatus)),
    ]


class GetTransfer(ComplexModel):
    __namespace__ = TNS
    _type_info = [("TransferId", _required(Max35Text))]


class GetTransferResponse(ComplexModel):
    __namespace__ = TNS
    _type_info = [("Transfer", _required(Transfer))]


# ---------------------------------------------------------------------------- fault detail entries
# Written into <detail> by CoreBankingService.call_wrapper: the members of a Spyne Fault subclass
# would land next to faultcode instead, where SOAP 1.1 §4.4 allows nothing of the application.


class AccountNotFound(ComplexModel):
    __namespace__ = TNS
    _type_info = [("IBAN", _required(IBAN))]


class InsufficientFunds(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("IBAN", _required(IBAN)),
        ("Available", _required(Amount)),
        ("Requested", _required(Amount)),
    ]


class AccountBlocked(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("IBAN", _required(IBAN)),
        ("Reason", _optional(Max140Text)),
    ]


class DuplicateReference(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("ClientReference", _required(Max35Text)),
        ("TransferId", _required(Max35Text)),
    ]


class InvalidAmount(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("Requested", _required(Amount)),
        ("Reason", _required(Max140Text)),
    ]


class TransferNotFound(ComplexModel):
    __namespace__ = TNS
    _type_info = [("TransferId", _required(Max35Text))]

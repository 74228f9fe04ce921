"""What the canned backends answer: pre-rendered replies of the core-banking contract and of the payments hub.

Every SOAP reply carries the headers a signing core-banking stack sends back (WS-Addressing, a WS-Security
Timestamp, an X.509 token and a signature over Timestamp and Body). They make the balance reply about 3.7 KB, as in
the issue's measurements, and nobody checks them: the signature is shaped like one but signs nothing. The Body payloads
are checked against ``wsdl/bank/core_banking.wsdl`` by :func:`check_replies`, once at start-up and by a smoke test.

The contract caps ``PageSize`` at 100. The 500-row statement is therefore the reply to a request for ``PageSize`` 100:
this canned bank ignores the page size above 25, as some backends do, and sends every entry of the range at once
(``TotalEntries`` 500, ``MoreEntries`` false). The reply stays valid: ``Entry`` is ``maxOccurs="unbounded"``.
"""

from __future__ import annotations

import json
import random
from base64 import b64encode
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "wsdl" / "bank" / "core_banking.wsdl"
TNS = "http://example.com/bank/corebanking/v1"

BALANCE_IBAN = "DE02120300000000202051"
STATEMENT_IBAN = "DE89370400440532013000"
BOOKED, AVAILABLE, CURRENCY = "98765432109876.54", "98765432104876.54", "EUR"
AS_OF = "2026-04-15T09:30:00+00:00"
FROM_DATE, TO_DATE = "2026-01-01", "2026-12-31"
SMALL_PAGE, LARGE_PAGE = 25, 100  # PageSize of the two statement requests; LARGE_PAGE is answered with LARGE_ROWS
LARGE_ROWS = 500

_PARTIES = [
    ("Hausverwaltung Schmidt GmbH", "DE44500105175407324931"),
    ("Allianz Versicherungs-AG", "DE71700800000900444200"),
    ("ACME Software GmbH", "DE89370400440532013000"),
    ("Stadtwerke Musterstadt GmbH", "DE12500105170648489890"),
    ("REWE Markt GmbH", None),  # Counterparty without IBAN: card payments
    ("Max Mustermann", "DE02120300000000202051"),
]
_REMITTANCES = [
    "Miete {month} 2026",
    "Beitrag KFZ-Versicherung Vertrag 7001234",
    "Gehalt {month} 2026 Personalnummer 004711",
    "SEPA-Lastschrift Strom Abschlag {month} Kundennummer 3300456",
    "Kartenzahlung REWE SAGT DANKE 4312",
    "Sparrate {month}",
]
_AMOUNTS = ["1350.00", "412.80", "3245.67", "86.40", "23.19", "500.00", "1999.95", "7.50", "640.25", "12000.00"]
_MONTHS = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()


@dataclass(frozen=True)
class Row:
    """One statement entry as the canned bank books it (and as the checks expect to see it in JSON)."""

    entry_id: str
    booked: date
    amount: str
    credit_debit: str
    party: tuple[str, str | None] | None
    remittance: str | None


def rows(count: int) -> list[Row]:
    """``count`` deterministic entries spread over the statement's date range."""
    first, days = date.fromisoformat(FROM_DATE), 360
    return [_row(i, first + timedelta(days=i * days // count)) for i in range(count)]


def _row(i: int, day: date) -> Row:
    party = None if i % 9 == 8 else _PARTIES[i % len(_PARTIES)]  # every ninth: a bank fee, no counterparty
    text = None if i % 5 == 4 else _REMITTANCES[i % len(_REMITTANCES)].format(month=_MONTHS[day.month - 1])
    credit_debit = "CRDT" if party and party[0] in ("ACME Software GmbH", "Max Mustermann") else "DBIT"
    return Row(f"ENT-{i + 1:06d}", day, _AMOUNTS[i % len(_AMOUNTS)], credit_debit, party, text)


# ------------------------------------------------------------------------------------------- SOAP replies

_ENVELOPE = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:wsa="http://www.w3.org/2005/08/addressing" \
xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" \
xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" \
xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <soapenv:Header>
    <wsa:Action>http://example.com/bank/corebanking/v1/{operation}Response</wsa:Action>
    <wsa:MessageID>urn:uuid:6f1c2a9e-3b0d-4d8e-9a51-{serial:012d}</wsa:MessageID>
    <wsa:RelatesTo>urn:uuid:0b7e4c1a-8f25-4a3c-b6d9-{serial:012d}</wsa:RelatesTo>
    <wsa:To>http://www.w3.org/2005/08/addressing/anonymous</wsa:To>
    <wsse:Security>
      <wsu:Timestamp wsu:Id="TS-1">
        <wsu:Created>2026-04-15T09:30:00.000Z</wsu:Created>
        <wsu:Expires>2026-04-15T09:35:00.000Z</wsu:Expires>
      </wsu:Timestamp>
      <wsse:BinarySecurityToken wsu:Id="X509-1" \
EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary" \
ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3">{certificate}\
</wsse:BinarySecurityToken>
      <ds:Signature Id="SIG-1">
        <ds:SignedInfo>
          <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
          <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>{references}
        </ds:SignedInfo>
        <ds:SignatureValue>{signature}</ds:SignatureValue>
        <ds:KeyInfo>
          <wsse:SecurityTokenReference>
            <wsse:Reference URI="#X509-1" \
ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"/>
          </wsse:SecurityTokenReference>
        </ds:KeyInfo>
      </ds:Signature>
    </wsse:Security>
  </soapenv:Header>
  <soapenv:Body wsu:Id="Body-1">
{payload}
  </soapenv:Body>
</soapenv:Envelope>
"""
_REFERENCE = """
          <ds:Reference URI="#{target}">
            <ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>
            <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
            <ds:DigestValue>{digest}</ds:DigestValue>
          </ds:Reference>"""


def _noise(size: int, seed: int) -> str:
    return b64encode(random.Random(seed).randbytes(size)).decode("ascii")


def envelope(operation: str, payload: str, serial: int = 1) -> bytes:
    """``payload`` inside a SOAP 1.1 envelope with the headers of a signed reply."""
    references = "".join(_REFERENCE.format(target=t, digest=_noise(32, i)) for i, t in enumerate(("TS-1", "Body-1")))
    text = _ENVELOPE.format(
        operation=operation,
        serial=serial,
        certificate=_noise(520, 7),  # an ECDSA P-256 certificate: about half a KB of DER
        references=references,
        signature=_noise(64, 8),  # r and s of P-256
        payload=payload,
    )
    return text.encode("utf-8")


def _amount(tag: str, value: str) -> str:
    return f'<tns:{tag} Ccy="{CURRENCY}">{value}</tns:{tag}>'


def balance_reply() -> bytes:
    payload = (
        f'    <tns:GetBalanceResponse xmlns:tns="{TNS}">\n'
        f"      <tns:IBAN>{BALANCE_IBAN}</tns:IBAN>\n      {_amount('Booked', BOOKED)}\n"
        f"      {_amount('Available', AVAILABLE)}\n      <tns:AsOf>{AS_OF}</tns:AsOf>\n"
        "    </tns:GetBalanceResponse>"
    )
    return envelope("GetBalance", payload)


def _entry(row: Row) -> str:
    nil = ' xsi:nil="true"/>'
    if row.party is None:
        party = f"<tns:Counterparty{nil}"
    else:
        iban = f"<tns:IBAN>{row.party[1]}</tns:IBAN>" if row.party[1] else ""
        party = f"<tns:Counterparty><tns:Name>{row.party[0]}</tns:Name>{iban}</tns:Counterparty>"
    text = (
        f"<tns:RemittanceInfo>{row.remittance}</tns:RemittanceInfo>" if row.remittance else f"<tns:RemittanceInfo{nil}"
    )
    day = row.booked.isoformat()
    return (
        f"      <tns:Entry>\n        <tns:EntryId>{row.entry_id}</tns:EntryId>\n"
        f"        <tns:BookingDate>{day}</tns:BookingDate>\n        <tns:ValueDate>{day}</tns:ValueDate>\n"
        f"        {_amount('Amount', row.amount)}\n        <tns:CreditDebit>{row.credit_debit}</tns:CreditDebit>\n"
        f"        {party}\n        {text}\n      </tns:Entry>\n"
    )


def statement_reply(count: int) -> bytes:
    """One page holding ``count`` entries, all there are in the range."""
    entries = "".join(_entry(row) for row in rows(count))
    payload = (
        f'    <tns:GetStatementResponse xmlns:tns="{TNS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"{entries}      <tns:TotalEntries>{count}</tns:TotalEntries>\n"
        "      <tns:MoreEntries>false</tns:MoreEntries>\n    </tns:GetStatementResponse>"
    )
    return envelope("GetStatement", payload)


def soap_replies() -> dict[str, bytes]:
    """The canned bank's replies by name: ``balance``, ``statement-25``, ``statement-500``."""
    return {
        "balance": balance_reply(),
        f"statement-{SMALL_PAGE}": statement_reply(SMALL_PAGE),
        f"statement-{LARGE_ROWS}": statement_reply(LARGE_ROWS),
    }


def check_replies(replies: dict[str, bytes]) -> None:
    """Raise unless every reply is a SOAP 1.1 envelope whose Body payload is valid against the contract."""
    from lxml import etree
    from xmlschema.extras.wsdl import Wsdl11Document

    schema = Wsdl11Document(str(CONTRACT)).schema
    for name, reply in replies.items():
        body = etree.fromstring(reply).find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
        payloads = list(body) if body is not None else []
        if len(payloads) != 1:
            raise ValueError(f"canned reply {name!r}: the Body holds {len(payloads)} elements, not one")
        schema.validate(payloads[0])


# ------------------------------------------------------------------------------------------- REST replies

PAYMENT_ORDER_ID = "PAY-000001"
PAYMENT = {  # as adapter/demo/simulators/payments_hub.py answers GET /payments/PAY-000001
    "id": PAYMENT_ORDER_ID,
    "debtorAccount": "DE89370400440532013000",
    "creditor": {"name": "Hausverwaltung Schmidt GmbH", "iban": "DE44500105175407324931", "bic": "INGDDEFFXXX"},
    "amount": {"value": "1350.00", "currency": "EUR"},
    "requestedExecutionDate": "2026-01-02",
    "endToEndId": "RENT-2026-01",
    "remittanceInformation": ["Miete Januar 2026"],
    "status": "booked",
    "createdAt": "2026-01-01T09:00:00Z",
    "cancelledAt": None,
    "cancellationReason": None,
}


def payment_reply() -> bytes:
    return json.dumps(PAYMENT, separators=(",", ":")).encode()


# ------------------------------------------------------------------------------------------- requests

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PAYMENT_ORDERS_TNS = "http://example.com/bank/paymentorders/v1"
GET_PAYMENT_ORDER_ACTION = f"{PAYMENT_ORDERS_TNS}/GetPaymentOrder"
SOAP_USER, SOAP_PASSWORD = "bench-soap", "bench-soap-pass"


def get_payment_order_request() -> bytes:
    """What a SOAP client of the served payment-order contract posts: UsernameToken, PasswordText."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="{WSSE}" \
xmlns:po="{PAYMENT_ORDERS_TNS}">
  <soap:Header><wsse:Security><wsse:UsernameToken>
    <wsse:Username>{SOAP_USER}</wsse:Username><wsse:Password>{SOAP_PASSWORD}</wsse:Password>
  </wsse:UsernameToken></wsse:Security></soap:Header>
  <soap:Body><po:GetPaymentOrder><po:PaymentOrderId>{PAYMENT_ORDER_ID}</po:PaymentOrderId></po:GetPaymentOrder>\
</soap:Body>
</soap:Envelope>""".encode()


def get_balance_request(iban: str = BALANCE_IBAN) -> bytes:
    """A GetBalance request straight to the canned bank (the load generator's own ceiling)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
        f'<GetBalance xmlns="{TNS}"><IBAN>{iban}</IBAN></GetBalance></soapenv:Body></soapenv:Envelope>'
    ).encode()

"""A modern payments hub: the JSON service that replaced the bank's payment-order SOAP service.

    app = create_app()                      # a FastAPI app with fresh seed data
    with serve_asgi(app) as url: ...        # adapter.testing

    POST /payments                          201 the payment       400 validation   409 duplicate endToEndId
    GET  /payments/{id}                     200 the payment       404
    POST /payments/{id}/cancel              200 the payment       404              409 not cancellable
    GET  /payments?debtorAccount=&status=   200 {"payments": []}  400 validation

A payment::

    {"id": "PAY-000001", "debtorAccount": "DE89370400440532013000",
     "creditor": {"name": "Hausverwaltung Schmidt GmbH", "iban": "DE44500105175407324931", "bic": "INGDDEFFXXX"},
     "amount": {"value": "1350.00", "currency": "EUR"}, "requestedExecutionDate": "2026-01-02",
     "endToEndId": "RENT-2026-01", "remittanceInformation": ["Miete Januar 2026"],
     "status": "booked", "createdAt": "2026-01-01T09:00:00Z", "cancelledAt": null}

Amounts are exact decimal strings. Errors are ``{"code", "message"}`` objects; a 400 lists its field problems in
``errors`` (``[{"field": "amount.value", "message": "..."}]``). What the hub decides on its own:

- The debtor account must be one of the bank's (:data:`ACCOUNTS`); IBANs must pass the ISO 7064 mod-97 check.
- SEPA only: the currency is EUR, amounts are above zero with at most two decimals.
- The requested date may not lie in the past; today or earlier executes at once (``booked``), a later date is
  ``scheduled``. Only ``scheduled`` payments can be cancelled.
- An endToEndId is unique per debtor account (409 ``DUPLICATE_END_TO_END_ID``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

__all__ = ["ACCOUNTS", "HubState", "Payment", "create_app", "iban_valid"]

ACCOUNTS = ("DE89370400440532013000", "DE02120300000000202051")
STATUSES = ("scheduled", "booked", "rejected", "cancelled")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$")


def iban_valid(iban: str) -> bool:
    """ISO 13616 format and ISO 7064 MOD 97-10 check digits."""
    if not _IBAN.match(iban):
        return False
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


@dataclass(frozen=True)
class Payment:
    id: str
    debtor: str
    creditor: dict[str, str]
    amount: Decimal
    currency: str
    date: date
    end_to_end_id: str
    remittance: tuple[str, ...]
    status: str
    created_at: datetime
    cancelled_at: datetime | None = None
    cancellation_reason: str | None = None

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "debtorAccount": self.debtor,
            "creditor": self.creditor,
            "amount": {"value": format(self.amount, "f"), "currency": self.currency},
            "requestedExecutionDate": self.date.isoformat(),
            "endToEndId": self.end_to_end_id,
            "remittanceInformation": list(self.remittance),
            "status": self.status,
            "createdAt": _timestamp(self.created_at),
            "cancelledAt": _timestamp(self.cancelled_at) if self.cancelled_at else None,
            "cancellationReason": self.cancellation_reason,
        }


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


class HubError(Exception):
    def __init__(self, http_status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.http_status, self.body = http_status, {"code": code, "message": message, **extra}


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _seed() -> dict[str, Payment]:
    landlord = {"name": "Hausverwaltung Schmidt GmbH", "iban": "DE44500105175407324931", "bic": "INGDDEFFXXX"}
    insurer = {"name": "Allianz Versicherungs-AG", "iban": "DE71700800000900444200"}
    saver = {"name": "Max Mustermann", "iban": "DE02120300000000202051"}
    rows = [
        ("DE89370400440532013000", landlord, "1350.00", "2026-01-02", "RENT-2026-01", ("Miete Januar 2026",), "booked"),
        ("DE89370400440532013000", insurer, "412.80", "2026-01-02", "INS-7001234", (), "booked"),
        ("DE89370400440532013000", saver, "500.00", "2099-12-30", "SAVE-2099-12", ("Sparrate",), "scheduled"),
        ("DE89370400440532013000", landlord, "1350.00", "2026-02-02", "RENT-2026-02", (), "cancelled"),
    ]
    created = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    payments = {}
    for number, (debtor, creditor, amount, day, e2e, lines, status) in enumerate(rows, start=1):
        pid = f"PAY-{number:06d}"
        cancelled = created if status == "cancelled" else None
        day_ = date.fromisoformat(day)
        payments[pid] = Payment(
            pid, debtor, creditor, Decimal(amount), "EUR", day_, e2e, lines, status, created, cancelled
        )
    return payments


@dataclass
class HubState:
    """The hub's payments, behind a lock."""

    payments: dict[str, Payment] = field(default_factory=_seed)
    clock: Callable[[], datetime] = _utc_now
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def submit(self, order: dict[str, Any]) -> Payment:
        problems, payment = _checked(order, self.clock())
        if problems:
            raise HubError(400, "VALIDATION_FAILED", "The payment cannot be accepted", errors=problems)
        assert payment is not None
        with self._lock:
            for taken in self.payments.values():
                if taken.debtor == payment.debtor and taken.end_to_end_id == payment.end_to_end_id:
                    message = f"endToEndId {payment.end_to_end_id} was already used by {taken.id}"
                    raise HubError(409, "DUPLICATE_END_TO_END_ID", message, paymentId=taken.id)
            payment = replace(payment, id=f"PAY-{len(self.payments) + 1:06d}")
            self.payments[payment.id] = payment
            return payment

    def get(self, pid: str) -> Payment:
        with self._lock:
            found = self.payments.get(pid)
        if found is None:
            raise HubError(404, "NOT_FOUND", f"Payment {pid} does not exist")
        return found

    def cancel(self, pid: str, reason: str | None = None) -> Payment:
        with self._lock:
            found = self.payments.get(pid)
            if found is None:
                raise HubError(404, "NOT_FOUND", f"Payment {pid} does not exist")
            if found.status != "scheduled":
                message = f"Payment {pid} is {found.status} and can no longer be cancelled"
                raise HubError(409, "NOT_CANCELLABLE", message, status=found.status)
            cancelled = replace(found, status="cancelled", cancelled_at=self.clock(), cancellation_reason=reason)
            self.payments[pid] = cancelled
            return cancelled

    def search(self, debtor: str | None, status: str | None) -> list[Payment]:
        problems = []
        if not debtor or not iban_valid(debtor):
            problems.append({"field": "debtorAccount", "message": "must be a valid IBAN"})
        if status is not None and status not in STATUSES:
            problems.append({"field": "status", "message": f"must be one of {', '.join(STATUSES)}"})
        if problems:
            raise HubError(400, "VALIDATION_FAILED", "The search is not valid", errors=problems)
        with self._lock:
            found = [p for p in self.payments.values() if p.debtor == debtor and status in (None, p.status)]
        return sorted(found, key=lambda p: p.id)


def _checked(order: dict[str, Any], now: datetime) -> tuple[list[dict[str, str]], Payment | None]:
    problems: list[dict[str, str]] = []

    def problem(name: str, message: str) -> None:
        problems.append({"field": name, "message": message})

    debtor = _text(order, "debtorAccount")
    if debtor not in ACCOUNTS:
        problem("debtorAccount", "is not an account of this bank")
    creditor = order.get("creditor") if isinstance(order.get("creditor"), dict) else {}
    assert isinstance(creditor, dict)
    if not iban_valid(_text(creditor, "iban")):
        problem("creditor.iban", "fails the IBAN check digits")
    if not 1 <= len(_text(creditor, "name")) <= 70:
        problem("creditor.name", "must have 1 to 70 characters")
    if "bic" in creditor and not _BIC.match(_text(creditor, "bic")):
        problem("creditor.bic", "is not a BIC")
    amount_doc = order.get("amount") if isinstance(order.get("amount"), dict) else {}
    assert isinstance(amount_doc, dict)
    amount = _amount(amount_doc.get("value"), problem)
    if amount_doc.get("currency") != "EUR":
        problem("amount.currency", "only EUR can be paid (SEPA)")
    day = _day(order.get("requestedExecutionDate"), now.date(), problem)
    e2e = _text(order, "endToEndId")
    if not 1 <= len(e2e) <= 35:
        problem("endToEndId", "must have 1 to 35 characters")
    lines = order.get("remittanceInformation") or []
    if not isinstance(lines, list) or len(lines) > 4 or not all(isinstance(x, str) and x for x in lines):
        problem("remittanceInformation", "at most 4 non-empty lines")
    if problems or amount is None or day is None:
        return problems, None
    status = "scheduled" if day > now.date() else "booked"
    party = {k: creditor[k] for k in ("name", "iban", "bic") if k in creditor}
    return [], Payment("", debtor, party, amount, "EUR", day, e2e, tuple(lines), status, now)


def _text(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    return value if isinstance(value, str) else ""


def _amount(value: Any, problem: Callable[[str, str], None]) -> Decimal | None:
    try:
        amount = Decimal(value) if isinstance(value, (str, int, Decimal)) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        problem("amount.value", "must be a decimal number")
        return None
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        problem("amount.value", "must be above zero with at most 2 decimals")
        return None
    return amount


def _day(value: Any, today: date, problem: Callable[[str, str], None]) -> date | None:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        problem("requestedExecutionDate", "must be a date")
    elif day < today:
        problem("requestedExecutionDate", "lies in the past")
        return None
    return day


async def _object(request: Request, *, empty_ok: bool = False) -> dict[str, Any]:
    raw = await request.body()
    if not raw and empty_ok:
        return {}
    try:
        document = json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise HubError(400, "INVALID_JSON", "The body is not JSON") from None
    if not isinstance(document, dict):
        raise HubError(400, "INVALID_JSON", "The body is not a JSON object")
    return document


def _reply(status: int, body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def create_app(*, state: HubState | None = None) -> FastAPI:
    """The payments hub as an ASGI app, on ``state`` or on fresh seed data."""
    hub = state if state is not None else HubState()
    app = FastAPI(title="Payments hub", version="1.0")

    @app.exception_handler(HubError)
    async def hub_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HubError)
        return _reply(exc.http_status, exc.body)

    @app.post("/payments")
    async def submit(request: Request) -> JSONResponse:
        return _reply(201, hub.submit(await _object(request)).document())

    @app.get("/payments/{pid}")
    async def get(pid: str) -> JSONResponse:
        return _reply(200, hub.get(pid).document())

    @app.post("/payments/{pid}/cancel")
    async def cancel(pid: str, request: Request) -> JSONResponse:
        reason = (await _object(request, empty_ok=True)).get("reason")
        return _reply(200, hub.cancel(pid, reason if isinstance(reason, str) else None).document())

    @app.get("/payments")
    async def search(debtorAccount: str | None = None, status: str | None = None) -> JSONResponse:
        return _reply(200, {"payments": [p.document() for p in hub.search(debtorAccount, status)]})

    return app

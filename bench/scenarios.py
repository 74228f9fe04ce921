"""The scenarios: one request sent to one peer, and what its reply must contain before it is measured.

Routes (the facade's paths; the peers answer the same ones, soap2rest its own ``POST /call/<operation>``):

    balance         GET /v1/accounts/DE02120300000000202051/balance                          32 connections
    statement-25    GET /v1/accounts/DE89370400440532013000/transactions?...&pageSize=25      32 connections
    statement-500   the same with pageSize=100 (the contract's maximum), answered with 500 entries  8 connections
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import canned
from bench.load import Request

Check = Callable[[bytes], str | None]  # the body of a 200 → what is wrong with it, or None
API_KEY = "bench-key"
STATEMENT = f"/v1/accounts/{canned.STATEMENT_IBAN}/transactions?from={canned.FROM_DATE}&to={canned.TO_DATE}&page=1"
ROUTES = {  # route → (facade path, connections, expected entries)
    "balance": (f"/v1/accounts/{canned.BALANCE_IBAN}/balance", 32, 0),
    "statement-25": (f"{STATEMENT}&pageSize={canned.SMALL_PAGE}", 32, canned.SMALL_PAGE),
    "statement-500": (f"{STATEMENT}&pageSize={canned.LARGE_PAGE}", 8, canned.LARGE_ROWS),
}


@dataclass(frozen=True)
class Scenario:
    peer: str  # the process measured: facade, empty, naive, handwritten-aiohttp, ... or canned (the backend itself)
    route: str
    request: Request
    connections: int
    check: Check

    @property
    def name(self) -> str:
        return f"{self.peer} {self.route}"


def fetch(request: Request, timeout: float = 60.0) -> tuple[int, bytes]:
    url = urllib.parse.urlsplit(request.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=timeout)
    try:
        target = url.path + (f"?{url.query}" if url.query else "")
        conn.request(request.method, target, body=request.body or None, headers=request.headers)
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def verify(scenario: Scenario) -> bytes:
    """One request; stop the run, printing the reply, unless it is a 200 with the expected content."""
    status, body = fetch(scenario.request)
    problem = f"HTTP {status}" if status != 200 else scenario.check(body)
    if problem:
        raise SystemExit(f"scenario {scenario.name!r} is broken ({problem}); the reply was:\n{body[:1500]!r}")
    return body


# ------------------------------------------------------------------------------------------- checks


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _money(value: str) -> dict[str, str]:
    return {"amount": value, "currency": canned.CURRENCY}


def facade_balance(body: bytes) -> str | None:
    doc = _json(body)
    if not isinstance(doc, dict) or doc.get("iban") != canned.BALANCE_IBAN:
        return "no JSON object with the iban"
    if doc.get("booked") != _money(canned.BOOKED) or doc.get("available") != _money(canned.AVAILABLE):
        return f"booked/available are not exactly {canned.BOOKED} / {canned.AVAILABLE} EUR as strings"
    return None if str(doc.get("asOf", "")).startswith("2026-04-15T09:30:00") else "no asOf"


def facade_statement(entries: int) -> Check:
    rows = canned.rows(entries)

    def check(body: bytes) -> str | None:
        doc = _json(body)
        found = doc.get("transactions") if isinstance(doc, dict) else None
        if not isinstance(found, list) or len(found) != entries:
            return f"no list of {entries} transactions"
        first, last = found[0], found[-1]
        if first.get("entryId") != rows[0].entry_id or last.get("entryId") != rows[-1].entry_id:
            return "entries are not the canned ones, in order"
        if first.get("amount") != _money(rows[0].amount) or first.get("creditDebit") not in ("credit", "debit"):
            return "the first entry's amount or direction is wrong"
        return None if doc.get("totalEntries") == entries and doc.get("hasMore") is False else "totalEntries/hasMore"

    return check


def zeep_balance(body: bytes) -> str | None:
    """The naive bridge and soap2rest answer zeep's serialisation: element names as keys."""
    doc = _json(body)
    doc = doc.get("result", doc) if isinstance(doc, dict) else None  # soap2rest wraps it in {"result": ...}
    if not isinstance(doc, dict) or doc.get("IBAN") != canned.BALANCE_IBAN or not isinstance(doc.get("Booked"), dict):
        return "no JSON object with IBAN and Booked"
    return None


def zeep_statement(entries: int) -> Check:
    def check(body: bytes) -> str | None:
        doc = _json(body)
        doc = doc.get("result", doc) if isinstance(doc, dict) else None
        found = doc.get("Entry") if isinstance(doc, dict) else None
        if not isinstance(found, list) or len(found) != entries or found[0].get("EntryId") != "ENT-000001":
            return f"no Entry list of {entries} starting with ENT-000001"
        return None

    return check


def soap_element(element: str, *needles: bytes) -> Check:
    def check(body: bytes) -> str | None:
        from lxml import etree

        root = etree.fromstring(body)
        payload = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body/*")
        name = etree.QName(payload).localname if payload is not None else None
        if name != element:
            return f"the SOAP Body holds {name!r}, not {element!r}"
        missing = [n.decode() for n in needles if n not in body]
        return f"the reply lacks {missing}" if missing else None

    return check


def exactly(expected: bytes) -> Check:
    return lambda body: None if body == expected else "not the expected bytes"


def json_equal(expected: Any) -> Check:
    return lambda body: None if _json(body) == expected else f"not {expected!r}"


# ------------------------------------------------------------------------------------------- the plan


def _soap2rest(base: str, route: str) -> Request:
    """soap2rest's own surface: POST /call/<operation> with every input element as a JSON string."""
    headers = {"Content-Type": "application/json"}
    if route == "balance":
        return Request(f"{base}/call/GetBalance", "POST", json.dumps({"IBAN": canned.BALANCE_IBAN}).encode(), headers)
    size = canned.SMALL_PAGE if route == "statement-25" else canned.LARGE_PAGE
    args = {"IBAN": canned.STATEMENT_IBAN, "FromDate": canned.FROM_DATE, "ToDate": canned.TO_DATE}
    args |= {"PageNumber": "1", "PageSize": str(size)}
    return Request(f"{base}/call/GetStatement", "POST", json.dumps(args).encode(), headers)


def bridge_scenarios(peer: str, base: str) -> list[Scenario]:
    """The three routes through one bridge."""
    found = []
    for route, (path, connections, entries) in ROUTES.items():
        if peer == "soap2rest":
            request = _soap2rest(base, route)
        else:
            headers = {"X-API-Key": API_KEY} if peer == "facade" else {}
            request = Request(base + path, headers=headers)
        zeep_shape = peer in ("naive", "soap2rest")
        if route == "balance":
            check = zeep_balance if zeep_shape else facade_balance
        else:
            check = zeep_statement(entries) if zeep_shape else facade_statement(entries)
        found.append(Scenario(peer, route, request, connections, check))
    return found


def plan(urls: dict[str, str]) -> list[Scenario]:
    """Every scenario whose peer is running (``urls``: peer → base URL), in the order they are measured."""
    soap = urls["canned"]
    found = [
        Scenario(
            "canned",
            "balance",
            Request(soap, "POST", canned.get_balance_request(), {"Content-Type": "text/xml; charset=utf-8"}),
            32,
            exactly(canned.balance_reply()),
        )
    ]
    if "empty" in urls:
        found.append(Scenario("empty", "empty", Request(urls["empty"] + "/empty"), 32, json_equal({"status": "ok"})))
    for peer in ("facade", "handwritten-aiohttp", "handwritten-httpx", "naive", "soap2rest"):
        if peer in urls:
            found.extend(bridge_scenarios(peer, urls[peer]))
        if peer == "facade":
            found.append(served(urls["facade"]))
    return found


def served(facade: str) -> Scenario:
    """The other direction: a SOAP client → the served payment-order contract → the canned REST hub."""
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{canned.GET_PAYMENT_ORDER_ACTION}"'}
    request = Request(f"{facade}/soap/payment-orders", "POST", canned.get_payment_order_request(), headers)
    check = soap_element("GetPaymentOrderResponse", canned.PAYMENT_ORDER_ID.encode(), b"1350.00")
    return Scenario("facade", "served", request, 32, check)

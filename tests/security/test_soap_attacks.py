"""Attacks on the served SOAP endpoint over real HTTP.

Every attack gets a SOAP Client fault (HTTP 413 for size, 500 otherwise as SOAP 1.1 §6.2 wants), with a clean
message, quickly; the hub behind the endpoint is never called, nothing is fetched, and the next normal request works.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.security.test_facade_attacks import Listener
from tests.server.conftest import Served, served_stack
from tests.server.test_endpoint import GET, SOAP11, SOAP12, TNS, envelope, fault_of, post, token

LEAKS = ("Traceback", 'File "', "/work/", "spyne", "lxml", "zeep", "root:", "leaked")


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with served_stack() as running:
        yield running


def soap_attacks(url: str) -> dict[str, tuple[bytes, int, str]]:
    """name → (request body, HTTP status, text the fault reason contains)."""
    entities = b'<!ENTITY a "' + b"x" * 50_000 + b'">'
    return {
        "billion laughs": (
            b'<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY l "lol"><!ENTITY l2 "&l;&l;&l;&l;&l;&l;&l;&l;">'
            b'<!ENTITY l3 "&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;">]>' + envelope(GET.replace("PAY-000001", "&l3;")),
            500,
            "DTD",
        ),
        "quadratic blowup": (
            b"<!DOCTYPE s [" + entities + b"]>" + envelope(GET.replace("PAY-000001", "&a;" * 200)),
            500,
            "DTD",
        ),
        "xxe file": (
            b'<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + envelope(GET.replace("PAY-000001", "&x;")),
            500,
            "DTD",
        ),
        "xxe http": (
            b'<!DOCTYPE s [<!ENTITY x SYSTEM "' + url.encode() + b'">]>' + envelope(GET.replace("PAY-000001", "&x;")),
            500,
            "DTD",
        ),
        "external dtd": (b'<!DOCTYPE s SYSTEM "' + url.encode() + b'">' + envelope(), 500, "DTD"),
        "xinclude": (
            envelope(
                f'<po:GetPaymentOrder xmlns:po="{TNS}" xmlns:xi="http://www.w3.org/2001/XInclude">'
                f'<po:PaymentOrderId><xi:include href="{url}" parse="text"/></po:PaymentOrderId></po:GetPaymentOrder>'
            ),
            500,
            "",
        ),
        "deep nesting": (envelope(GET.replace("PAY-000001", "<a>" * 5_000 + "</a>" * 5_000)), 500, "nests deeper"),
        "100k attributes": (
            envelope(
                GET.replace(
                    "<po:GetPaymentOrder ", "<po:GetPaymentOrder " + " ".join(f'a{i}="1"' for i in range(100_000)) + " "
                )
            ),
            500,
            "more than 100 attributes",
        ),
        "10k namespace declarations": (
            envelope(
                GET.replace(
                    "<po:GetPaymentOrder ",
                    "<po:GetPaymentOrder " + " ".join(f'xmlns:p{i}="urn:{i}"' for i in range(10_000)) + " ",
                )
            ),
            500,
            "more than 50 namespaces",
        ),
        "huge text node": (envelope(GET.replace("PAY-000001", "x" * (2 * 1024 * 1024))), 500, "longer than"),
        "oversized body": (envelope(GET) + b" " * (11 * 1024 * 1024), 413, "exceeds"),
        "missing body": (
            f'<s:Envelope xmlns:s="{SOAP11}"><s:Header>{token()}</s:Header></s:Envelope>'.encode(),
            500,
            "Body",
        ),
        "duplicated body": (
            f'<s:Envelope xmlns:s="{SOAP11}"><s:Header>{token()}</s:Header><s:Body>{GET}</s:Body><s:Body>{GET}</s:Body>'
            "</s:Envelope>".encode(),
            500,
            "Body",
        ),
        "invalid utf-8": (envelope(GET).replace(b"PAY-000001", b"PAY-\xff\xfe01"), 500, "not well-formed"),
    }


@pytest.mark.parametrize("name", list(soap_attacks("http://x/")))
def test_soap_attacks(served: Served, listener: Listener, name: str) -> None:
    body, status, reason = soap_attacks(listener.url)[name]
    calls_before = len(served.hub.payments) if hasattr(served.hub, "payments") else None
    reply = post(served, body)  # the client's own timeout bounds a hang; the reason shows which limit refused it
    assert reply.status_code == status, reply.text[:300]
    code, text = fault_of(reply)
    assert code == f"{{{SOAP11}}}Client", (code, text)
    assert reason in text, text
    for leak in LEAKS:
        assert leak not in reply.text, f"{leak!r} in {reply.text[:300]}"
    assert listener.hits == 0, "an external reference was fetched"
    if calls_before is not None:
        assert len(served.hub.payments) == calls_before
    assert post(served, envelope()).status_code == 200  # the next normal request works


def test_soapaction_spoofing(served: Served) -> None:
    reply = post(served, envelope(), action="CancelPaymentOrder")  # a GetPaymentOrder body under Cancel's action
    code, text = fault_of(reply)
    assert code == f"{{{SOAP11}}}Client"
    assert "SOAPAction" in text
    assert post(served, envelope()).status_code == 200


def test_soap12_envelope_on_the_soap11_content_type(served: Served) -> None:
    reply = served.http.post(served.url, content=envelope(version="1.2"), headers={"Content-Type": "text/xml"})
    code, _ = fault_of(reply)
    assert code.endswith("}VersionMismatch")
    assert post(served, envelope()).status_code == 200


def test_soap12_attacks_get_sender_faults(served: Served, listener: Listener) -> None:
    body = b'<!DOCTYPE s [<!ENTITY x SYSTEM "' + listener.url.encode() + b'">]>' + envelope(version="1.2")
    reply = post(served, body, version="1.2")
    assert reply.status_code == 400
    assert fault_of(reply)[0] == f"{{{SOAP12}}}Sender"
    assert listener.hits == 0


def test_flood_of_bad_requests_leaves_the_endpoint_healthy(served: Served) -> None:
    with httpx.Client(timeout=10) as client:
        for _ in range(50):
            client.post(served.url, content=b"<x", headers={"Content-Type": "text/xml"})
    assert post(served, envelope()).status_code == 200

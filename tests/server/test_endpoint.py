"""The served endpoint under raw HTTP: every way a request can be wrong is answered with a SOAP fault (never an
HTML page), before the backend is called; and every way the backend can fail becomes a Server fault that says
nothing about it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapter.settings import XmlLimits
from adapter.testing import free_port, serve_asgi
from tests.conftest import project_settings
from tests.server.conftest import PASSWORD, TNS, USER, Served, served_stack

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
ACTION = "http://example.com/bank/paymentorders/v1/"
GET = f'<po:GetPaymentOrder xmlns:po="{TNS}"><po:PaymentOrderId>PAY-000001</po:PaymentOrderId></po:GetPaymentOrder>'


def token(user: str = USER, password: str = PASSWORD) -> str:
    return (
        f'<wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken><wsse:Username>{user}</wsse:Username>'
        f"<wsse:Password>{password}</wsse:Password></wsse:UsernameToken></wsse:Security>"
    )


def envelope(body: str = GET, *, version: str = "1.1", header: str | None = None) -> bytes:
    env = SOAP11 if version == "1.1" else SOAP12
    head = token() if header is None else header
    return f'<s:Envelope xmlns:s="{env}"><s:Header>{head}</s:Header><s:Body>{body}</s:Body></s:Envelope>'.encode()


def post(
    served: Served, content: bytes, *, version: str = "1.1", action: str = "GetPaymentOrder", **headers: str
) -> httpx.Response:
    if version == "1.1":
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{ACTION}{action}"', **headers}
    else:
        headers = {"Content-Type": f'application/soap+xml; charset=utf-8; action="{ACTION}{action}"', **headers}
    return served.http.post(served.url, content=content, headers=headers)


def fault_of(reply: httpx.Response) -> tuple[str, str]:
    """(code, reason) of a SOAP 1.1 or 1.2 fault reply; the code's prefix resolved to a namespace."""
    root = etree.fromstring(reply.content)
    fault = root.find("{*}Body/{*}Fault")
    assert fault is not None, reply.text
    if root.tag == f"{{{SOAP11}}}Envelope":
        code, text = fault.find("faultcode"), fault.findtext("faultstring")
    else:
        values = fault.findall("{*}Code//{*}Value")
        code, text = values[-1], fault.findtext("{*}Reason/{*}Text")
    prefix, _, local = code.text.rpartition(":")
    return f"{{{code.nsmap[prefix]}}}{local}", text or ""


def test_a_valid_raw_call(served: Served) -> None:
    reply = post(served, envelope())
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/xml; charset=utf-8"
    assert b"<tns:PaymentOrderId>PAY-000001</tns:PaymentOrderId>" in reply.content
    reply = post(served, envelope(version="1.2"), version="1.2")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/soap+xml; charset=utf-8"


@pytest.fixture(scope="module")
def small() -> Iterator[Served]:
    settings = project_settings(soap_users={USER: PASSWORD}, xml=XmlLimits(max_bytes=4096))
    with served_stack(settings) as running:
        yield running


def test_too_large_is_413_with_a_client_fault(small: Served) -> None:
    padding = "x" * 5000
    reply = post(small, envelope(f"<!-- {padding} -->{GET}"))
    assert reply.status_code == 413
    assert fault_of(reply) == (f"{{{SOAP11}}}Client", "the request exceeds 4096 bytes")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
        yield envelope()[:100]
        yield b" " * 5000

    streamed = small.http.post(small.url, content=chunks(), headers={"Content-Type": "text/xml"})
    assert streamed.status_code == 413
    soap12 = post(small, envelope(f"<!-- {padding} -->{GET}", version="1.2"), version="1.2")
    assert (soap12.status_code, fault_of(soap12)[0]) == (413, f"{{{SOAP12}}}Sender")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<s:Envelope", "not well-formed XML"),
        (b'<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', "DTD"),
        (b"<x/>", "the request is not a SOAP envelope"),
        (envelope(f"{GET}{GET}"), "the SOAP Body must hold exactly one element"),
        (envelope(f'<po:Unknown xmlns:po="{TNS}"/>'), "Unknown is not an operation of this service"),
    ],
)
def test_unusable_requests_are_client_faults(served: Served, content: bytes, reason: str) -> None:
    reply = post(served, content)
    assert reply.status_code == 500  # SOAP 1.1 §6.2: every fault travels with 500
    code, text = fault_of(reply)
    assert code == f"{{{SOAP11}}}Client"
    assert reason in text


def test_many_attributes_are_refused_by_the_limit(served: Served) -> None:
    attributes = " ".join(f'a{i}="{i}"' for i in range(20_000))
    body = GET.replace("<po:GetPaymentOrder ", f"<po:GetPaymentOrder {attributes} ")
    reply = post(served, envelope(body))
    code, text = fault_of(reply)
    assert code == f"{{{SOAP11}}}Client"
    assert "attributes" in text, text  # the limit refused it, while parsing


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (GET.replace("PAY-000001", ""), "GetPaymentOrder/PaymentOrderId: shorter than 1"),
        (
            GET.replace("PaymentOrderId>", "OrderId>"),
            "GetPaymentOrder/OrderId: is not an element the contract declares here",
        ),
        (
            GET.replace("<po:PaymentOrderId>PAY-000001</po:PaymentOrderId>", ""),
            "GetPaymentOrder: lacks the required element PaymentOrderId",
        ),
        (
            f'<po:ListPaymentOrders xmlns:po="{TNS}"><po:DebtorIBAN>de89370400440532013000</po:DebtorIBAN>'
            "</po:ListPaymentOrders>",
            "ListPaymentOrders/DebtorIBAN: must match [A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}",
        ),
        (
            f'<po:ListPaymentOrders xmlns:po="{TNS}"><po:DebtorIBAN>DE89370400440532013000</po:DebtorIBAN>'
            "<po:Status>WEIRD</po:Status></po:ListPaymentOrders>",
            "ListPaymentOrders/Status: must be one of: ACCEPTED, EXECUTED, REJECTED, CANCELLED",
        ),
    ],
)
def test_requests_that_break_the_schema_never_reach_the_backend(served: Served, body: str, problem: str) -> None:
    before = dict(served.hub.payments)
    action = "ListPaymentOrders" if "List" in body else "GetPaymentOrder"
    code, text = fault_of(post(served, envelope(body), action=action))
    assert (code, text) == (f"{{{SOAP11}}}Client", f"the request does not conform to the contract: {problem}")
    assert served.hub.payments == before


def test_soapaction_must_name_the_operation_in_the_body(served: Served) -> None:
    cancel = GET.replace("GetPaymentOrder", "CancelPaymentOrder").replace("PAY-000001", "PAY-000003")
    spoofed = post(served, envelope(cancel), action="GetPaymentOrder")  # a read-only action on a cancellation
    assert fault_of(spoofed) == (
        f"{{{SOAP11}}}Client",
        f"the SOAPAction '{ACTION}GetPaymentOrder' is not the one of CancelPaymentOrder",
    )
    soap12 = post(served, envelope(cancel, version="1.2"), version="1.2", action="GetPaymentOrder")
    assert (soap12.status_code, fault_of(soap12)[0]) == (400, f"{{{SOAP12}}}Sender")
    assert served.hub.payments["PAY-000003"].status == "scheduled"
    # SOAP 1.1 §6.1.1: an empty SOAPAction says nothing about the intent; the Body decides.
    assert post(served, envelope(), SOAPAction='""').status_code == 200


def test_version_mismatch(served: Served) -> None:
    reply = post(served, envelope(version="1.2"))  # text/xml, SOAP 1.2 envelope
    assert fault_of(reply)[0] == f"{{{SOAP11}}}VersionMismatch"
    reply = post(served, envelope(), version="1.2")  # application/soap+xml, SOAP 1.1 envelope
    assert fault_of(reply)[0] == f"{{{SOAP12}}}VersionMismatch"


def test_unknown_mandatory_header_is_must_understand(served: Served) -> None:
    header = token() + f'<t:Trace xmlns:t="urn:trace" xmlns:s="{SOAP11}" s:mustUnderstand="1">x</t:Trace>'
    assert fault_of(post(served, envelope(header=header)))[0] == f"{{{SOAP11}}}MustUnderstand"


def test_methods_and_media_types(served: Served) -> None:
    get = served.http.get(served.url)
    assert (get.status_code, get.headers["allow"]) == (405, "GET, POST")
    assert fault_of(get)[0] == f"{{{SOAP11}}}Client"
    assert served.http.put(served.url, content=envelope()).status_code == 405
    json = served.http.post(served.url, content=envelope(), headers={"Content-Type": "application/json"})
    assert json.status_code == 415 and fault_of(json)[0] == f"{{{SOAP11}}}Client"


@pytest.mark.parametrize("header", ["", token(password="wrong"), token(user="nobody")])
def test_missing_or_wrong_credentials_are_failed_authentication(served: Served, header: str) -> None:
    reply = post(served, envelope(header=header))
    assert (reply.status_code, fault_of(reply)) == (
        500,
        (f"{{{WSSE}}}FailedAuthentication", "The security token could not be authenticated or authorized"),
    )
    soap12 = post(served, envelope(header=header, version="1.2"), version="1.2")
    root = etree.fromstring(soap12.content)
    assert root.findtext(".//{*}Code/{*}Value") == "soap:Sender"
    assert soap12.status_code == 400 and fault_of(soap12)[0] == f"{{{WSSE}}}FailedAuthentication"


# -- backend failures ------------------------------------------------------------------------------------------


def broken_hub() -> Starlette:
    """A payments hub gone wrong in every way a REST backend can."""

    async def payment(request: Request) -> Response:
        pid = request.path_params["pid"]
        good = {
            "id": pid,
            "debtorAccount": "DE89370400440532013000",
            "creditor": {"name": "A", "iban": "DE44500105175407324931"},
            "amount": {"value": "1.00", "currency": "EUR"},
            "requestedExecutionDate": "2026-01-02",
            "endToEndId": "E",
            "remittanceInformation": [],
            "status": "booked",
            "createdAt": "2026-01-01T09:00:00Z",
            "cancelledAt": None,
        }
        broken: dict[str, Response] = {
            "PAY-TEAPOT": Response("<html>I'm a teapot at 10.0.0.7</html>", 418, media_type="text/html"),
            "PAY-OOPS": JSONResponse({"code": "INTERNAL", "message": "NullPointerException at Hub.java:42"}, 500),
            "PAY-NOTJSON": Response("{not json", 200, media_type="application/json"),
            "PAY-NOSTATUS": JSONResponse({**good, "status": "weird"}),
            "PAY-BADIBAN": JSONResponse({**good, "debtorAccount": "not an IBAN"}),
            "PAY-MISSING": JSONResponse({"id": pid}),
        }
        return broken.get(pid, JSONResponse(good))

    return Starlette(routes=[Route("/payments/{pid}", payment)])


@pytest.fixture(scope="module")
def broken() -> Iterator[Served]:
    with serve_asgi(broken_hub()) as hub, served_stack(PAYMENTS_HUB_URL=hub) as running:
        yield running


@pytest.mark.parametrize("pid", ["PAY-TEAPOT", "PAY-OOPS", "PAY-NOTJSON", "PAY-NOSTATUS", "PAY-BADIBAN", "PAY-MISSING"])
def test_backend_failures_are_server_faults_without_internals(broken: Served, pid: str) -> None:
    reply = post(broken, envelope(GET.replace("PAY-000001", pid)))
    assert reply.status_code == 500
    code, text = fault_of(reply)
    assert code == f"{{{SOAP11}}}Server"
    assert text == "Invalid backend reply"
    for secret in ("10.0.0.7", "teapot", "NullPointer", "Hub.java", "weird", "not an IBAN", "Traceback", "spyne"):
        assert secret not in reply.text
    assert broken.http.post(broken.url, content=envelope(), headers={"Content-Type": "text/xml"}).status_code == 200


def test_backend_down_is_a_server_fault() -> None:
    with served_stack(PAYMENTS_HUB_URL=f"http://127.0.0.1:{free_port()}") as down:
        reply = post(down, envelope())
        assert fault_of(reply) == (f"{{{SOAP11}}}Server", "Backend unavailable")
        assert "127.0.0.1" not in reply.text

"""The served endpoint holds callers to the SOAP specifications where being lenient would let two readers disagree:
mustUnderstand is an xsd:boolean, SOAP 1.2 has nothing after the Body, SOAPAction and Content-Type come once, and
the address the served WSDL (or a redirect) names is configured, never taken from a Host header."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from adapter import xml
from adapter.settings import XmlLimits
from tests.conftest import project_settings
from tests.server.conftest import PASSWORD, PATH, USER, Served, served_stack
from tests.server.test_endpoint import ACTION, GET, SOAP11, SOAP12, envelope, fault_of, post, token

SOAP_ADDRESSES = ("{http://schemas.xmlsoap.org/wsdl/soap/}address", "{http://schemas.xmlsoap.org/wsdl/soap12/}address")


def _trace(version: str, value: str) -> str:
    env = SOAP11 if version == "1.1" else SOAP12
    return token() + f'<t:Trace xmlns:t="urn:trace" xmlns:s="{env}" s:mustUnderstand="{value}">x</t:Trace>'


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        ("1", "MustUnderstand"),
        ("true", "MustUnderstand"),
        (" 1", "MustUnderstand"),  # XML Schema part 2 §3.2.2: boolean's white space is collapsed
        ("\ttrue\n", "MustUnderstand"),
        ("0", "ignored"),
        ("false", "ignored"),
        (" false ", "ignored"),
        ("bogus", "Client"),
        ("TRUE", "Client"),  # xsd:boolean is case-sensitive
        ("1 0", "Client"),
        ("\u00a01", "Client"),  # a no-break space is no XML white space
        ("", "Client"),
    ],
)
def test_must_understand_is_an_xsd_boolean(served: Served, version: str, value: str, outcome: str) -> None:
    reply = post(served, envelope(header=_trace(version, value), version=version), version=version)
    if outcome == "ignored":
        assert reply.status_code == 200, reply.text
        return
    env = SOAP11 if version == "1.1" else SOAP12
    code = {"Client": "Client" if version == "1.1" else "Sender"}.get(outcome, outcome)
    assert fault_of(reply)[0] == f"{{{env}}}{code}"


def _with_trailer(version: str, trailer: str) -> bytes:
    env = SOAP11 if version == "1.1" else SOAP12
    return (
        f'<s:Envelope xmlns:s="{env}"><s:Header>{token()}</s:Header><s:Body>{GET}</s:Body>{trailer}</s:Envelope>'
    ).encode()


def test_soap12_allows_no_element_after_the_body(served: Served) -> None:
    reply = post(served, _with_trailer("1.2", '<x:Trailer xmlns:x="urn:x"/>'), version="1.2")
    assert (reply.status_code, fault_of(reply)) == (
        400,
        (f"{{{SOAP12}}}Sender", "a SOAP 1.2 envelope holds nothing after its Body"),
    )


def test_soap11_allows_qualified_elements_after_the_body(served: Served) -> None:
    assert post(served, _with_trailer("1.1", '<x:Trailer xmlns:x="urn:x"/>')).status_code == 200  # SOAP 1.1 §4
    reply = post(served, _with_trailer("1.1", "<Trailer/>"))
    assert fault_of(reply) == (f"{{{SOAP11}}}Client", "an element after the SOAP Body must be namespace-qualified")
    reply = post(served, _with_trailer("1.1", f'<s:Body xmlns:s="{SOAP11}"/>'))
    assert fault_of(reply)[0] == f"{{{SOAP11}}}Client"


def _raw_post(served: Served, content: bytes, headers: list[tuple[str, str]]) -> httpx.Response:
    return served.http.post(served.url, content=content, headers=headers)


def test_two_soapaction_headers_are_a_client_fault(served: Served) -> None:
    cancel = GET.replace("GetPaymentOrder", "CancelPaymentOrder").replace("PAY-000001", "PAY-000003")
    for first, second in (("CancelPaymentOrder", "GetPaymentOrder"), ("GetPaymentOrder", "CancelPaymentOrder")):
        headers = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", f'"{ACTION}{first}"'),
                   ("SOAPAction", f'"{ACTION}{second}"')]  # fmt: skip
        reply = _raw_post(served, envelope(cancel), headers)
        assert fault_of(reply) == (f"{{{SOAP11}}}Client", "the request has more than one SOAPAction header")
    assert served.hub.payments["PAY-000003"].status == "scheduled"
    one = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", f'"{ACTION}GetPaymentOrder"')]
    assert _raw_post(served, envelope(), one).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        [("Content-Type", "text/xml; charset=utf-8"), ("Content-Type", "text/xml; charset=utf-7")],
        [("Content-Type", "text/xml; charset=utf-8; charset=utf-7")],
        [("Content-Type", f'application/soap+xml; action="{ACTION}GetPaymentOrder"; action="{ACTION}Cancel"')],
    ],
)
def test_content_type_and_its_parameters_come_once(served: Served, headers: list[tuple[str, str]]) -> None:
    version = "1.2" if "soap+xml" in headers[0][1] else "1.1"
    reply = _raw_post(served, envelope(version=version), headers)
    assert fault_of(reply)[0] == (f"{{{SOAP11}}}Client" if version == "1.1" else f"{{{SOAP12}}}Sender")
    assert "more than once" in fault_of(reply)[1] or "more than one" in fault_of(reply)[1]


def test_a_soap12_action_must_name_the_operation(served: Served) -> None:
    quoted = _raw_post(
        served, envelope(version="1.2"), [("Content-Type", f'application/soap+xml;action="{ACTION}GetPaymentOrder"')]
    )
    assert quoted.status_code == 200
    plain = _raw_post(served, envelope(version="1.2"), [("Content-Type", "application/soap+xml; action=urn:other")])
    assert fault_of(plain)[0] == f"{{{SOAP12}}}Sender"


# -- where the contract says it is served ---------------------------------------------------------------------------


def _addresses(reply: httpx.Response) -> list[str]:
    assert reply.status_code == 200, reply.text
    document = xml.parse(reply.content, XmlLimits())
    return [element.get("location") for name in SOAP_ADDRESSES for element in document.iter(name)]


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost@evil.example", ""]
)
def test_a_foreign_host_is_never_reflected(served: Served, host: str) -> None:
    for path in (PATH, PATH + "/"):
        reply = served.http.get(served.url.replace(PATH, path), params="wsdl", headers={"Host": host})
        assert "evil" not in reply.text and "location" not in reply.headers
        assert fault_of(reply)[0] == f"{{{SOAP11}}}Client"


def test_an_allowed_host_is_used_with_its_port(served: Served) -> None:
    port = served.url.split(":")[2].split("/")[0]
    reply = served.http.get(served.url, params="wsdl", headers={"Host": f"LOCALHOST:{port}"})
    assert _addresses(reply) == [f"http://LOCALHOST:{port}{PATH}"] * 2


@pytest.fixture(scope="module")
def published() -> Iterator[Served]:
    settings = project_settings(soap_users={USER: PASSWORD}, public_url="https://soap.example.com/bank/")
    with served_stack(settings) as running:
        yield running


def test_a_public_url_is_the_address_whatever_the_host(published: Served) -> None:
    for host in ("evil.example", "localhost", None):
        headers = {"Host": host} if host else {}
        reply = published.http.get(published.url, params="wsdl", headers=headers)
        assert _addresses(reply) == [f"https://soap.example.com/bank{PATH}"] * 2
    slash = published.http.get(published.url + "/", params="wsdl", headers={"Host": "evil.example"})
    assert _addresses(slash) == [f"https://soap.example.com/bank{PATH}"] * 2  # served there too: no redirect


@pytest.fixture(scope="module")
def wildcard() -> Iterator[Served]:
    settings = project_settings(soap_users={USER: PASSWORD}, allowed_hosts=["*.bank.example"])
    with served_stack(settings) as running:
        yield running


def test_allowed_hosts_with_a_wildcard(wildcard: Served) -> None:
    reply = wildcard.http.get(wildcard.url, params="wsdl", headers={"Host": "soap.bank.example"})
    assert _addresses(reply) == [f"http://soap.bank.example{PATH}"] * 2
    for host in ("bank.example.evil", "evilbank.example", "127.0.0.1"):
        reply = wildcard.http.get(wildcard.url, params="wsdl", headers={"Host": host})
        assert fault_of(reply)[0] == f"{{{SOAP11}}}Client"

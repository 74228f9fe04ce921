"""``GET ?wsdl`` serves the contract callers generated their stubs from: the same document, only the served ports'
addresses rewritten. Compared element by element, and through zeep's reading of both."""

from __future__ import annotations

from typing import Any

import zeep
from lxml import etree

from adapter import xml
from adapter.settings import XmlLimits
from tests.server.conftest import CONTRACT, PASSWORD, TNS, USER, Served

SOAP_ADDRESS = "{http://schemas.xmlsoap.org/wsdl/soap/}address"
SOAP12_ADDRESS = "{http://schemas.xmlsoap.org/wsdl/soap12/}address"
LIMITS = XmlLimits()


def served_document(served: Served) -> bytes:
    reply = served.http.get(served.url, params="wsdl")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/xml")
    return reply.content


def test_the_served_wsdl_is_the_original_with_the_served_address(served: Served) -> None:
    original = xml.parse(CONTRACT.read_bytes(), LIMITS)
    document = xml.parse(served_document(served), LIMITS)
    addresses = [*document.iter(SOAP_ADDRESS), *document.iter(SOAP12_ADDRESS)]
    assert [a.get("location") for a in addresses] == [served.url, served.url]
    for address in addresses:  # put the published address back: then nothing else may differ
        address.set("location", "http://localhost:8000/soap/payment-orders")
    assert etree.tostring(document, method="c14n") == etree.tostring(original, method="c14n")


def _contract(wsdl: Any) -> dict[str, Any]:
    """What a client generator reads: services, ports, bindings with SOAPActions, messages, element types."""
    seen: dict[str, Any] = {"services": {}, "bindings": {}, "elements": {}}
    for name, service in wsdl.services.items():
        seen["services"][name] = sorted((port.name, port.binding.name.text) for port in service.ports.values())
    for qname, binding in wsdl.bindings.items():
        seen["bindings"][qname] = {
            name: (
                op.soapaction,
                op.style,
                op.input.body.qname.text,
                op.output.body.qname.text,
                sorted(p.element.qname.text for f in op.faults.values() for p in f.abstract.parts.values()),
            )
            for name, op in binding._operations.items()
        }
    for element in wsdl.types.elements:
        seen["elements"][element.qname.text] = element.signature(schema=wsdl.types)
    return seen


def test_zeep_reads_the_same_contract_from_both(served: Served, tmp_path: Any) -> None:
    copy = tmp_path / "served.wsdl"
    copy.write_bytes(served_document(served))
    original, again = zeep.Client(str(CONTRACT)).wsdl, zeep.Client(str(copy)).wsdl
    assert _contract(again) == _contract(original)
    assert f"{{{TNS}}}PaymentOrderSoap12Binding" in _contract(again)["bindings"]


def test_a_client_made_from_the_served_wsdl_works(served: Served) -> None:
    # What a legacy client does: fetch ?wsdl and call the address it names.
    token = zeep.wsse.username.UsernameToken(USER, PASSWORD)
    client = zeep.Client(served.url + "?wsdl", wsse=token)
    assert client.service.GetPaymentOrder(PaymentOrderId="PAY-000001").Amount.Ccy == "EUR"

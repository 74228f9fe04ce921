"""A stand-in for the public calculator service of ``calculator-soap11-12`` (dneonline.com), for loopback tests and
demos: Add, Subtract, Multiply, Divide over SOAP 1.1 and 1.2, and a Server fault for a division by zero.

Run it alone with ``python -m tests.tooling.calculator --port 8001``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Any

from lxml import etree

from adapter import xml
from adapter.settings import XmlLimits
from adapter.testing import make_wsgi_server

TEMPURI = "http://tempuri.org/"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
OPERATIONS: dict[str, Callable[[int, int], int]] = {
    "Add": lambda a, b: a + b,
    "Subtract": lambda a, b: a - b,
    "Multiply": lambda a, b: a * b,
    "Divide": lambda a, b: a // b,
}


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The WSGI app: one POST per call, the operation named by the Body's first child."""
    size = int(environ.get("CONTENT_LENGTH") or 0)
    root = xml.parse(environ["wsgi.input"].read(size), XmlLimits())
    namespace = etree.QName(root).namespace
    request = root.find(f"{{{namespace}}}Body")[0]
    name = etree.QName(request).localname
    a, b = (int(request.findtext(part) or 0) for part in ("intA", "intB"))
    try:
        body, status = _result(name, OPERATIONS[name](a, b)), "200 OK"
    except ZeroDivisionError:
        body, status = _fault(namespace, "Attempted to divide by zero."), "500 Internal Server Error"
    media = "application/soap+xml" if namespace == SOAP12 else "text/xml"
    envelope = f'<soap:Envelope xmlns:soap="{namespace}"><soap:Body>{body}</soap:Body></soap:Envelope>'
    start_response(status, [("Content-Type", f"{media}; charset=utf-8")])
    return [envelope.encode()]


def _result(name: str, value: int) -> str:
    return f'<{name}Response xmlns="{TEMPURI}"><{name}Result>{value}</{name}Result></{name}Response>'


def _fault(namespace: str, message: str) -> str:
    if namespace == SOAP12:
        return (
            "<soap:Fault><soap:Code><soap:Value>soap:Receiver</soap:Value></soap:Code>"
            f'<soap:Reason><soap:Text xml:lang="en">{message}</soap:Text></soap:Reason></soap:Fault>'
        )
    return f"<soap:Fault><faultcode>soap:Server</faultcode><faultstring>{message}</faultstring></soap:Fault>"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    port = parser.parse_args().port
    print(f"calculator on http://127.0.0.1:{port}/calculator.asmx", flush=True)
    make_wsgi_server(app, "127.0.0.1", port).serve_forever()

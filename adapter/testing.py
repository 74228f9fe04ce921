"""Test helpers used by the adapter's own tests and offered to integrators' tests.

They run real servers on ephemeral loopback ports: WSGI apps (the Spyne simulators) in a thread, ASGI apps (the
facade) under uvicorn in a thread. Nothing here mocks a network path.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import uvicorn
import xmlschema
from lxml import etree
from xmlschema.extras.wsdl import Wsdl11Document

from adapter import xml
from adapter.settings import XmlLimits

WsgiApp = Callable[..., Any]

SOAP_ENVELOPES = {
    "http://schemas.xmlsoap.org/soap/envelope/",
    "http://www.w3.org/2003/05/soap-envelope",
}


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # socketserver's 5 drops connections under a modest concurrent load


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


def make_wsgi_server(app: WsgiApp, host: str = "127.0.0.1", port: int = 0) -> WSGIServer:
    """A threaded WSGI server (one thread per request) that logs nothing."""
    return make_server(host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)


@contextmanager
def serve_wsgi(
    app: WsgiApp, host: str = "127.0.0.1", port: int = 0, *, tls: ssl.SSLContext | None = None
) -> Iterator[str]:
    """Serve a WSGI app in a background thread; yields its base URL (``http://127.0.0.1:PORT``, or https with
    ``tls``). The TLS handshake runs on the first read, in the connection's own thread: in ``accept`` it would run in
    the serving thread, where one failed or slow handshake holds up every other connection."""
    server = make_wsgi_server(app, host, port)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_asgi(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve an ASGI app under uvicorn in a background thread; yields its base URL."""
    port = port or free_port(host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def contract_schema(wsdl_path: str | Path, validation: str = "strict") -> xmlschema.XMLSchemaBase:
    """The XML Schema embedded in a WSDL 1.1 contract's ``wsdl:types``, read by xmlschema on its own (the reference
    the adapter's envelopes are checked against). ``validation="lax"`` reads a WSDL whose bindings xmlschema's WSDL
    reader does not know (SOAP 1.2)."""
    document = Wsdl11Document(str(wsdl_path), validation=validation)  # type: ignore[no-untyped-call]
    schema: xmlschema.XMLSchemaBase = document.schema
    return schema


def body_payloads(envelope: bytes) -> list[etree._Element]:
    """The child elements of a SOAP envelope's Body (SOAP 1.1 or 1.2)."""
    root = xml.parse(envelope, XmlLimits())
    if etree.QName(root).namespace not in SOAP_ENVELOPES or etree.QName(root).localname != "Envelope":
        raise AssertionError(f"not a SOAP envelope: {etree.QName(root)}")
    ns = etree.QName(root).namespace
    body = root.find(f"{{{ns}}}Body")
    if body is None:
        raise AssertionError("SOAP envelope has no Body")
    return list(body)


def assert_valid_reply(schema: xmlschema.XMLSchemaBase, envelope: bytes) -> None:
    """Assert that every Body child of ``envelope`` validates against ``schema`` (a Fault's detail entries too).
    ``xsi:type`` values are resolved with the namespace prefixes in scope where they stand."""
    payloads = body_payloads(envelope)
    assert payloads, "SOAP Body is empty"
    for payload in payloads:
        if etree.QName(payload).localname == "Fault" and etree.QName(payload).namespace in SOAP_ENVELOPES:
            for entry in _fault_detail_entries(payload):
                schema.validate(entry, namespaces=_in_scope(entry))
        else:
            schema.validate(payload, namespaces=_in_scope(payload))


def _in_scope(element: etree._Element) -> dict[str, str]:
    return {prefix or "": uri for prefix, uri in element.nsmap.items()}


def _fault_detail_entries(fault: etree._Element) -> list[etree._Element]:
    for child in fault:
        if etree.QName(child).localname in ("detail", "Detail"):
            return list(child)
    return []


class RecordingBackend:
    """A stub SOAP backend (a WSGI app, serve it with :func:`serve_wsgi`): it answers each request with the reply
    registered for its action and records what it received, so a test can assert the envelope a route sends.

    ``replies`` maps a SOAPAction (SOAP 1.1 header, or the SOAP 1.2 ``action`` media type parameter) to the reply
    envelope's bytes, or to ``(status, bytes)``; :meth:`reply` changes one between calls.
    """

    def __init__(self, replies: dict[str, bytes | tuple[int, bytes]] | None = None) -> None:
        self.replies: dict[str, tuple[int, bytes]] = {}
        for action, reply in (replies or {}).items():
            self.reply(action, reply)
        self.received: list[Received] = []

    def reply(self, action: str, reply: bytes | tuple[int, bytes]) -> None:
        self.replies[action] = reply if isinstance(reply, tuple) else (200, reply)

    @property
    def last(self) -> Received:
        assert self.received, "the backend received nothing"
        return self.received[-1]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        content_type = environ.get("CONTENT_TYPE", "")
        action = environ.get("HTTP_SOAPACTION", "").strip('"')
        if not action and "action=" in content_type:
            action = content_type.split("action=", 1)[1].split(";")[0].strip().strip('"')
        self.received.append(Received(action=action, content_type=content_type, body=body))
        status, reply = self.replies.get(action, (500, b"no reply registered for this action"))
        media = "application/soap+xml; charset=utf-8" if "soap+xml" in content_type else "text/xml; charset=utf-8"
        start_response(f"{status} {'OK' if status == 200 else 'Error'}", [("Content-Type", media)])
        return [reply]


class Received:
    """One request a :class:`RecordingBackend` received: its action, media type, bytes and parsed envelope."""

    def __init__(self, action: str, content_type: str, body: bytes) -> None:
        self.action = action
        self.content_type = content_type
        self.body = body

    @property
    def envelope(self) -> etree._Element:
        return xml.parse(self.body, XmlLimits())

    def payload(self) -> etree._Element:
        """The Body's first child element."""
        return body_payloads(self.body)[0]

    def header_blocks(self) -> list[etree._Element]:
        root = self.envelope
        header = root.find(f"{{{etree.QName(root).namespace}}}Header")
        return list(header) if header is not None else []

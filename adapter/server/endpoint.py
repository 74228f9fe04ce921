"""The HTTP side of a served contract: an ASGI app that vets a request before Spyne sees it.

In order: ``GET ?wsdl`` serves the contract; anything but ``POST`` is refused; the SOAP version comes from the
Content-Type and must match the envelope's namespace; the body is read up to the XML size limit (413 and a Client
fault above it) and parsed by the one hardened parser (:mod:`adapter.xml`); header blocks marked mustUnderstand
must be ones this endpoint processes; the UsernameToken is checked when the mapping asks for one; the Body entry
must name an operation whose SOAPAction agrees with the one the request declares (so that a gateway routing or
authorising by SOAPAction cannot be fooled). Then Spyne, in a worker thread, answers. Whatever goes wrong becomes
a SOAP fault: no request ever gets an HTML error page.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import Any

import anyio.to_thread
from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from adapter import xml
from adapter.asgi.body import read_body
from adapter.exceptions import AdapterError, RequestError, UnsupportedMediaType
from adapter.server import faults
from adapter.server.faults import ENVELOPES, MEDIA_TYPES, WSSE, MethodNotAllowed, MustUnderstand, VersionMismatch
from adapter.server.service import ServedService
from adapter.server.wsdl import ServedWsdl
from adapter.server.wsse import ClientCertGate, UsernameTokenGuard
from adapter.settings import XmlLimits

log = logging.getLogger("adapter.server")
_VERSIONS = {"text/xml": "1.1", "application/soap+xml": "1.2"}  # SOAP 1.1 §6.1.1, SOAP 1.2 part 2 §7.1.4


class SoapEndpoint:
    """One served contract at one path."""

    def __init__(
        self,
        service: ServedService,
        wsdl: ServedWsdl,
        limits: XmlLimits,
        guard: UsernameTokenGuard | None,
        cert_gate: ClientCertGate | None = None,
    ) -> None:
        self.service = service
        self.wsdl = wsdl
        self.limits = limits
        self.guard = guard
        self.cert_gate = cert_gate
        self.operations = service.bindings.by_element()
        self.versions = service.bindings.versions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        version = self._version(request)
        try:
            response = await self._respond(request, version)
        except AdapterError as exc:
            response = self.fault(exc, version)
        except Exception:
            log.exception("unexpected error on %s", request.url.path)
            response = self.fault(AdapterError("unexpected error"), version)
        await response(scope, receive, send)

    async def _respond(self, request: Request, version: str) -> Response:
        if request.method == "GET" and request.url.query.lower() in ("wsdl", "wsdl="):
            address = str(request.url.replace(query="", fragment=""))
            return Response(self.wsdl.document(address), media_type="text/xml; charset=utf-8")
        if request.method != "POST":
            raise MethodNotAllowed(f"{request.method} is not SOAP: POST an envelope, or GET ?wsdl")
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in _VERSIONS:
            raise UnsupportedMediaType("send SOAP 1.1 as text/xml or SOAP 1.2 as application/soap+xml")
        body = await read_body(request, self.limits.max_bytes)
        envelope = xml.parse(body, self.limits)
        self._vet(envelope, request, version, announced=_VERSIONS[media])
        return await anyio.to_thread.run_sync(self._spyne, request, body, version)

    def _version(self, request: Request) -> str:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        version = _VERSIONS.get(media, self.versions[0])
        return version if version in self.versions else self.versions[0]

    def _vet(self, envelope: etree._Element, request: Request, version: str, *, announced: str) -> None:
        env = ENVELOPES[version]
        if envelope.tag != f"{{{env}}}Envelope":
            if etree.QName(envelope).localname == "Envelope" and etree.QName(envelope).namespace in ENVELOPES.values():
                if announced != version:
                    raise VersionMismatch(f"this service speaks SOAP {' and '.join(self.versions)}")
                raise VersionMismatch(f"the Content-Type announces SOAP {version}; so must the envelope")
            raise RequestError("the request is not a SOAP envelope")
        _structure(envelope, env)
        header = envelope.find(f"{{{env}}}Header")
        self._understood(header, env)
        if self.cert_gate is not None:
            self.cert_gate.check(request.headers)
        if self.guard is not None:  # before anything about the Body is said to an unknown caller
            self.guard.check(header)
        body = envelope.find(f"{{{env}}}Body")
        entries = [child for child in body if isinstance(child.tag, str)] if body is not None else []
        if len(entries) != 1:
            raise RequestError("the SOAP Body must hold exactly one element")
        operation = self.operations.get(entries[0].tag)
        if operation is None:
            raise RequestError(f"{etree.QName(entries[0]).localname} is not an operation of this service")
        declared = _soap_action(request, version)
        if declared and declared != operation.actions.get(version, ""):
            raise RequestError(f"the SOAPAction {declared!r} is not the one of {operation.name}")

    def _understood(self, header: etree._Element | None, env: str) -> None:
        for block in header if header is not None else ():
            if not isinstance(block.tag, str) or block.get(f"{{{env}}}mustUnderstand") not in ("1", "true"):
                continue
            if block.tag == f"{{{WSSE}}}Security" and self.guard is not None:
                continue
            raise MustUnderstand(f"the header block {etree.QName(block).localname} is not processed here")

    def _spyne(self, request: Request, body: bytes, version: str) -> Response:
        environ = _environ(request, body)
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            started[:] = [status, headers]

        try:
            chunks: Iterable[bytes] = self.service.applications[version](environ, start_response)
            content = b"".join(chunks)
        except Exception:
            log.exception("Spyne failed on %s", request.url.path)
            return self.fault(AdapterError("Spyne failed"), version)
        status, headers = started
        kept = {name: value for name, value in headers if name.lower() == "content-type"}
        return Response(content, status_code=int(status.split()[0]), headers=kept)

    def close(self) -> None:
        self.service.backend.close()

    def fault(self, error: AdapterError, version: str) -> Response:
        headers = {"Allow": "GET, POST"} if isinstance(error, MethodNotAllowed) else {}
        return Response(
            faults.envelope(error, version),
            status_code=faults.http_status(error, version),
            media_type=MEDIA_TYPES[version],
            headers=headers,
        )


def _soap_action(request: Request, version: str) -> str:
    """The SOAPAction a request declares: the SOAPAction header (SOAP 1.1 §6.1.1), or the ``action`` parameter of
    the media type (SOAP 1.2 part 2 §7.1.3, RFC 3902). Quotes are not part of it."""
    if version == "1.1":
        return request.headers.get("soapaction", "").strip().strip('"')
    for parameter in request.headers.get("content-type", "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "action":
            return value.strip().strip('"')
    return ""


def _environ(request: Request, body: bytes) -> dict[str, Any]:
    """A WSGI environ (PEP 3333) for Spyne, with the body already read and vetted."""
    server = request.scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": request.url.path,
        "QUERY_STRING": request.url.query,
        "CONTENT_TYPE": request.headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{request.scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.url.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers.items():
        key = "HTTP_" + name.upper().replace("-", "_")
        if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            environ[key] = value
    return environ


def _structure(envelope: etree._Element, env: str) -> None:
    """SOAP 1.1 §4 and SOAP 1.2 part 1 §5: an optional Header, then exactly one Body, each at most once, in order."""
    names = [child.tag for child in envelope if isinstance(child.tag, str) and child.tag.startswith(f"{{{env}}}")]
    if names not in ([f"{{{env}}}Body"], [f"{{{env}}}Header", f"{{{env}}}Body"]):
        raise RequestError("the SOAP envelope must hold one optional Header and then exactly one Body")

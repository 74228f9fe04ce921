"""The HTTP side of a served contract: an ASGI app that reads a request once and vets it before Spyne sees it.

In order: ``GET ?wsdl`` serves the contract at its configured address; anything but ``POST`` is refused; the SOAP
version comes from the (one) Content-Type and must match the envelope's namespace; the SOAPAction is declared at
most once; the body is read up to the XML size limit (413 and a Client fault above it), its encoding decided once
(UTF-8, or UTF-16 with a byte order mark; the Content-Type charset and the XML declaration must agree) and parsed
once by the hardened parser (:mod:`adapter.xml`). Every later step works on that one tree: the envelope's structure
and mustUnderstand headers (:mod:`.envelope`), the client certificate and the UsernameToken (:mod:`.wsse`), the Body
entry's operation and its SOAPAction, Spyne's dispatch (:mod:`.driver`), the contract model's reading of the Body
entry and header blocks (:mod:`.messages`), the REST call and the reply.

Bodies (and backend replies) from ``offload_bytes`` on are parsed and mapped in the endpoints' own worker threads
(:mod:`.workers`), so a large valid request never stalls the event loop; the REST call itself is awaited there.
Whatever goes wrong becomes a SOAP fault: no request ever gets an HTML error page. The access log learns the
route, operation, caller and fault code through ``scope["state"]``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, TypeVar

from lxml import etree
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from adapter import xml
from adapter.asgi.body import read_body
from adapter.exceptions import AdapterError, RequestError, UnsupportedMediaType
from adapter.server import envelope, faults
from adapter.server.driver import Incoming
from adapter.server.faults import MEDIA_TYPES, WSSE, MethodNotAllowed
from adapter.server.service import ServedService
from adapter.server.workers import Workers
from adapter.server.wsdl import PublicAddress, ServedWsdl
from adapter.server.wsse import ClientCertGate, Token, UsernameTokenGuard
from adapter.settings import XmlLimits

log = logging.getLogger("adapter.server")
T = TypeVar("T")
_VERSIONS = {"text/xml": "1.1", "application/soap+xml": "1.2"}  # SOAP 1.1 §6.1.1, SOAP 1.2 part 2 §7.1.4
# RFC 9110 §5.6.6: parameters of a media type, each "; name=value" with a token or a quoted string as value.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_PARAMETER = re.compile(rf'[ \t]*;[ \t]*(?:({_TOKEN})=({_TOKEN}|"(?:[^"\\]|\\.)*"))?')


@dataclass(frozen=True)
class Message:
    """A request parsed and vetted up to its credentials."""

    envelope: etree._Element
    header: etree._Element | None
    body: etree._Element
    version: str
    caller: str | None  # the client certificate's subject
    token: Token | None  # the UsernameToken, password checked, nonce not yet admitted


class SoapEndpoint:
    """One served contract at one path."""

    def __init__(
        self,
        service: ServedService,
        wsdl: ServedWsdl,
        limits: XmlLimits,
        guard: UsernameTokenGuard | None,
        cert_gate: ClientCertGate | None = None,
        *,
        path: str,
        address: PublicAddress,
        workers: Workers,
        offload_bytes: int,
    ) -> None:
        self.service = service
        self.wsdl = wsdl
        self.limits = limits
        self.guard = guard
        self.cert_gate = cert_gate
        self.path = path
        self.address = address
        self.workers = workers
        self.offload_bytes = offload_bytes
        self.operations = service.bindings.by_element()
        self.versions = service.bindings.versions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        state = scope.setdefault("state", {})
        state["route"] = self.path
        version = self._version(request)
        try:
            response = await self._respond(request, version, state)
        except AdapterError as exc:
            response = self.fault(exc, version, state)
        except Exception:
            log.exception("unexpected error on %s", self.path)
            response = self.fault(AdapterError("unexpected error"), version, state)
        await response(scope, receive, send)

    async def _respond(self, request: Request, version: str, state: MutableMapping[str, Any]) -> Response:
        if request.method == "GET" and request.url.query.lower() in ("wsdl", "wsdl="):
            address = self.address.url(self.path, request.url.scheme, request.headers.getlist("host"))
            return Response(self.wsdl.document(address), media_type="text/xml; charset=utf-8")
        if request.method != "POST":
            raise MethodNotAllowed(f"{request.method} is not SOAP: POST an envelope, or GET ?wsdl")
        media, parameters = _content_type(request.headers)
        if media not in _VERSIONS:
            raise UnsupportedMediaType("send SOAP 1.1 as text/xml or SOAP 1.2 as application/soap+xml")
        actions = _soap_actions(request.headers, parameters)
        body = await read_body(request, self.limits.max_bytes)
        large = len(body) >= self.offload_bytes
        charset, announced = parameters.get("charset"), _VERSIONS[media]
        message = await self._run(large, self._admit, body, charset, version, announced, request.headers)
        state["caller"] = message.caller
        if message.token is not None and self.guard is not None:
            state["caller"] = await self.guard.admit(message.token)
        incoming = await self._run(large, self._read, message, actions)
        state["operation"] = incoming.operation
        exchange = await self.service.call(incoming)
        written = await self._run(exchange.size >= self.offload_bytes, self.service.reply, exchange)
        state["fault"] = written.fault
        return Response(written.content, status_code=written.status, media_type=MEDIA_TYPES[version])

    async def _run(self, large: bool, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)``: in a worker thread when the message is large, else right here."""
        return await self.workers.run(function, *args) if large else function(*args)

    def _version(self, request: Request) -> str:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        version = _VERSIONS.get(media, self.versions[0])
        return version if version in self.versions else self.versions[0]

    def _admit(self, body: bytes, charset: str | None, version: str, announced: str, headers: Headers) -> Message:
        """Parse once, then the envelope's rules and the caller's credentials, before anything about the Body."""
        root = xml.parse(body, self.limits, encoding=xml.message_encoding(body, charset))
        envelope.version_of(root, version, self.versions, announced=announced)
        header, soap_body = envelope.parts(root, version)
        envelope.check_understood(header, version, self._processed)
        subject = self.cert_gate.check(headers) if self.cert_gate is not None else None
        token = self.guard.verify(header) if self.guard is not None else None  # before the Body says anything
        return Message(root, header, soap_body, version, subject, token)

    def _processed(self, block: etree._Element) -> bool:
        """Header blocks processed here: the UsernameToken's, and the ones the contract declares (read by the
        contract model and handed to the mapping)."""
        return (block.tag == f"{{{WSSE}}}Security" and self.guard is not None) or block.tag in self.service.header_tags

    def _read(self, message: Message, actions: list[str]) -> Incoming:
        operation, entry = envelope.operation_of(message.body, self.operations)
        for action in actions:
            envelope.check_action(action, operation, message.version)
        return self.service.read(message.version, message.envelope, entry, message.header)

    async def close(self) -> None:
        await self.service.backend.close()

    def fault(self, error: AdapterError, version: str, state: MutableMapping[str, Any]) -> Response:
        state["fault"] = faults.fault_code(error)
        if state["fault"] == "Server":
            log.warning("%s %s: %s (%s)", self.path, state.get("operation") or "-", error.title, error.detail)
        headers = {"Allow": "GET, POST"} if isinstance(error, MethodNotAllowed) else {}
        return Response(
            faults.envelope(error, version),
            status_code=faults.http_status(error, version),
            media_type=MEDIA_TYPES[version],
            headers=headers,
        )


def _content_type(headers: Headers) -> tuple[str, dict[str, str]]:
    """The media type (lower case) and its parameters (names and the charset lower case); one header at most, each
    parameter at most once: a second one is where two readers of a message start to disagree."""
    values = headers.getlist("content-type")
    if len(values) > 1:
        raise RequestError("the request has more than one Content-Type")
    value = values[0] if values else ""
    media, parameters, pos = value.split(";")[0].strip().lower(), {}, value.find(";")
    while 0 <= pos < len(value) and value[pos:].strip(" \t"):
        found = _PARAMETER.match(value, pos)
        if found is None or found.end() == pos:
            raise UnsupportedMediaType("the Content-Type is malformed")
        pos = found.end()
        if found[1] is None:
            continue
        name = found[1].lower()
        if name in parameters:
            raise RequestError(f"the Content-Type names its {name} more than once")
        text = found[2]
        parameters[name] = re.sub(r"\\(.)", r"\1", text[1:-1]) if text.startswith('"') else text
    if "charset" in parameters:
        parameters["charset"] = parameters["charset"].lower()
    return media, parameters


def _soap_actions(headers: Headers, parameters: dict[str, str]) -> list[str]:
    """The SOAPActions a request declares: its SOAPAction header (SOAP 1.1 §6.1.1; at most one) and the ``action``
    parameter of the media type (SOAP 1.2 part 2 §7.1.3, RFC 3902). Quotes are not part of them."""
    values = headers.getlist("soapaction")
    if len(values) > 1:
        raise RequestError("the request has more than one SOAPAction header")
    declared = [value.strip().strip('"') for value in values]
    if "action" in parameters:
        declared.append(parameters["action"].strip())
    return declared

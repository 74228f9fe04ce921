"""Spyne fed the parsed envelope: the one place that drives Spyne's server internals (pinned: ``spyne==2.14.*``).

Spyne's servers start from bytes: ``WsgiApplication`` reads the body and parses it again, decoding it with the
Content-Type's charset, so two components could read one request differently. Here the envelope parsed once by
:mod:`adapter.xml` becomes ``ctx.in_document``, and Spyne does what it is kept for: dispatch to the contract's
operation, and writing the reply or fault envelope. The Body entry and header blocks are read and written by the
contract model (:mod:`adapter.server.messages`), never by Spyne's classes. The steps are those of
``spyne.server._base.ServerBase.generate_contexts`` and ``get_out_string``, without ``create_in_document`` (which
parses), without ``deserialize`` (the model reads) and without ``MethodContext.close`` (which runs ``gc.collect()``
once a second).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree
from spyne import Fault, MethodContext
from spyne.protocol import ProtocolBase
from spyne.server import ServerBase

from adapter.exceptions import AdapterError, RequestError
from adapter.server import faults
from adapter.server.protocol import SoapFault

log = logging.getLogger("adapter.server")


class SpyneServer(ServerBase):
    """What a Spyne ``MethodContext`` hangs off: an application, and the transport it is served over."""

    transport = "http://schemas.xmlsoap.org/soap/http"  # WSDL 1.1 §3.3


@dataclass
class Incoming:
    """A request dispatched by Spyne: its context, the operation's name, and its plain data once the contract model
    has read it (``None`` until then)."""

    ctx: Any
    operation: str
    request: dict[str, Any] | None = None


@dataclass(frozen=True)
class Written:
    """A reply written by Spyne: HTTP status, the envelope's bytes, and its fault code when it is a fault."""

    status: int
    content: bytes
    fault: str | None = None


def read(server: SpyneServer, envelope: etree._Element) -> Incoming:
    """The operation ``envelope`` (already vetted by the endpoint) calls; raises :class:`AdapterError`."""
    ctx = MethodContext(server, MethodContext.SERVER)
    ctx.in_document = (envelope, None)  # (root, xml ids): no SOAP-encoding href resolution in document/literal
    protocol = server.app.in_protocol
    try:
        protocol.decompose_incoming_envelope(ctx, ProtocolBase.REQUEST)  # dispatch
        ctx = protocol.generate_method_contexts(ctx)[0]
    except SoapFault as fault:
        raise fault.error from None
    except Fault as fault:  # Spyne's own: its words stay in the log
        log.info("Spyne refused a request: %s: %s", fault.faultcode, fault.faultstring)
        raise RequestError("the request cannot be read as the contract says") from None
    return Incoming(ctx, ctx.descriptor.name)


def write(
    incoming: Incoming, output: Any = None, fault: SoapFault | None = None, headers: Sequence[Any] = ()
) -> Written:
    """``output`` (the reply's Body entry, written by the contract model) with its SOAP ``headers`` blocks, or
    ``fault``, as the reply envelope."""
    ctx = incoming.ctx
    protocol = ctx.out_protocol
    if fault is None:
        ctx.out_object = (output,)
        ctx.transport.resp_code = "200 OK"
    else:
        ctx.out_error = fault
        ctx.transport.resp_code = protocol.fault_to_http_response_code(fault)
    protocol.serialize(ctx, ProtocolBase.RESPONSE)
    if headers and ctx.out_error is None:
        header = etree.Element(f"{{{protocol.ns_soap_env}}}Header")  # SOAP 1.1 §4.2: before the Body
        header.extend(headers)
        ctx.out_document.insert(0, header)
    protocol.create_out_string(ctx)
    error = ctx.out_error.error if isinstance(ctx.out_error, SoapFault) else None
    code = faults.fault_code(error) if isinstance(error, AdapterError) else None
    return Written(int(str(ctx.transport.resp_code).split()[0]), b"".join(ctx.out_string), code)

"""Spyne's SOAP 1.1 and SOAP 1.2 protocols, held to the contract.

What Spyne 2.14 does on its own and what these subclasses change:

- Reading and validation: Spyne neither validates nor reads the Body entry. It would validate against a schema
  derived from its own classes and read values into them, which knows no ``xsd:list``, no derived type named by
  ``xsi:type`` and no date offset. The contract model does both instead (:mod:`adapter.server.messages`).
- Writing: the reply's Body entry (:class:`BodyEntry`) and a fault's detail come already written by the contract
  model; Spyne puts them in its envelope.
- Dispatch: Spyne finds a method by ``{application namespace}{name}``; a Body entry is mapped to its operation
  through the contract's bindings, so element names and operation names may differ.
- Faults: written by :mod:`adapter.server.faults`, not by Spyne, whose SOAP 1.2 faults refuse an element detail
  and carry an empty ``Role``; Spyne's own faults (an unknown Body entry, say) are translated on the way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from lxml import etree
from spyne import AnyXml, Fault
from spyne.protocol import ProtocolBase
from spyne.protocol.soap import Soap11, Soap12

from adapter.exceptions import AdapterError, RequestError
from adapter.server import faults

log = logging.getLogger("adapter.server")


class BodyEntry(AnyXml):
    """A Body entry written by the contract model (an lxml element), which Spyne appends as it is."""


class SoapFault(Fault):
    """An :class:`AdapterError` on its way out through Spyne, with a declared fault's detail when it has one."""

    def __init__(self, error: AdapterError, detail: etree._Element | None = None) -> None:
        code = "Server" if faults.fault_code(error) == "Server" else "Client"
        super().__init__(faultcode=code, faultstring=faults.reason(error))
        self.error = error
        self.payload = detail


class ServedProtocol(Soap11):
    """The changes above, on Spyne's SOAP 1.1; :class:`ServedSoap12` puts Spyne's SOAP 1.2 under them."""

    version: ClassVar[str]

    def __init__(self, dispatch: Mapping[str, str], **kwargs: Any) -> None:
        self.dispatch = dispatch  # Body entry {ns}name → Spyne's method key
        super().__init__(validator=None, **kwargs)

    def set_app(self, value: Any) -> None:
        ProtocolBase.set_app(self, value)  # not XmlDocument's: it would build a schema from Spyne's classes

    def to_parent(self, ctx: Any, cls: Any, inst: Any, parent: Any, ns: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(inst, etree._Element) and issubclass(cls, BodyEntry):
            parent.append(inst)  # written by the contract model (adapter.server.messages)
            return
        super().to_parent(ctx, cls, inst, parent, ns, *args, **kwargs)

    def decompose_incoming_envelope(self, ctx: Any, message: Any = ProtocolBase.REQUEST) -> None:
        super().decompose_incoming_envelope(ctx, message)
        key = ctx.method_request_string
        ctx.method_request_string = self.dispatch.get(key, key)

    def serialize(self, ctx: Any, message: Any) -> None:
        try:
            super().serialize(ctx, message)
        except Exception:
            log.exception("cannot write the reply of %s", ctx.method_request_string)
            self._answer_with(ctx, message, AdapterError("the reply could not be written"))

    def _answer_with(self, ctx: Any, message: Any, error: AdapterError) -> None:
        ctx.out_error = SoapFault(error)
        ctx.transport.resp_code = self.fault_to_http_response_code(ctx.out_error)
        super().serialize(ctx, message)

    def fault_to_parent(self, ctx: Any, cls: Any, inst: Any, parent: Any, ns: Any, *args: Any, **kwargs: Any) -> None:
        error, detail = self._translated(inst)
        faults.fault_element(error, self.version, detail, body=parent)

    schema_validation_error_to_parent = fault_to_parent

    def fault_to_http_response_code(self, fault: Any) -> str:
        error, _ = self._translated(fault)
        status = faults.http_status(error, self.version)
        return f"{status} {HTTPStatus(status).phrase}"

    def _translated(self, fault: Any) -> tuple[AdapterError, etree._Element | None]:
        if not isinstance(fault, SoapFault):
            code, text = str(fault.faultcode or "Server"), str(fault.faultstring or "")
            log.info("Spyne's own fault: %s: %s", code, text)  # its words stay in the log, never in the reply
            if code.startswith("Client"):
                return RequestError("the request cannot be read as the contract says"), None
            return AdapterError("Spyne reported an error"), None
        return fault.error, fault.payload


class ServedSoap11(ServedProtocol):
    version = "1.1"


class ServedSoap12(ServedProtocol, Soap12):
    version = "1.2"

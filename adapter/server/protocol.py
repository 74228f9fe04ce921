"""Spyne's SOAP 1.1 and SOAP 1.2 protocols, held to the contract.

What Spyne 2.14 does on its own and what these subclasses change:

- Validation: ``validator="lxml"`` stays on (without it Spyne's own reading has an O(n²) attribute-count cost), but
  the schema is the contract's (:mod:`adapter.server.schema`), not one Spyne derives from its classes: the contract
  knows every facet. Replies are validated too; one that does not conform becomes a Server fault.
- Dispatch: Spyne finds a method by ``{application namespace}{name}``; a Body entry is mapped to its operation
  through the contract's bindings, so element names and operation names may differ.
- Faults: written by :mod:`adapter.server.faults`, not by Spyne, whose SOAP 1.2 faults refuse an element detail
  and carry an empty ``Role``; Spyne's own faults (an unknown Body entry, say) are translated on the way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

from lxml import etree
from spyne import Fault
from spyne.protocol import ProtocolBase
from spyne.protocol.soap import Soap11, Soap12

from adapter.exceptions import AdapterError, BackendProtocolError, RequestError
from adapter.server import faults
from adapter.server.schema import ContractSchema

log = logging.getLogger("adapter.server")


@dataclass(frozen=True)
class Detail:
    """A declared fault's detail element, as a Spyne instance of the element's class."""

    model: Any
    instance: Any
    name: str
    namespace: str


class SoapFault(Fault):
    """An :class:`AdapterError` on its way out through Spyne, with a declared fault's detail when it has one."""

    def __init__(self, error: AdapterError, detail: Detail | None = None) -> None:
        code = "Server" if faults.fault_code(error) == "Server" else "Client"
        super().__init__(faultcode=code, faultstring=faults.reason(error))
        self.error = error
        self.payload = detail


class ServedProtocol(Soap11):
    """The changes above, on Spyne's SOAP 1.1; :class:`ServedSoap12` puts Spyne's SOAP 1.2 under them."""

    version: ClassVar[str]

    def __init__(self, schema: ContractSchema, dispatch: Mapping[str, str], **kwargs: Any) -> None:
        self.schema = schema
        self.dispatch = dispatch  # Body entry {ns}name → Spyne's method key
        super().__init__(validator="lxml", **kwargs)

    def set_validator(self, validator: Any) -> None:
        super().set_validator(validator)
        self.validate_document = self._validate_request

    def set_app(self, value: Any) -> None:
        ProtocolBase.set_app(self, value)  # not XmlDocument's: it would build a schema from Spyne's classes

    def _validate_request(self, payload: etree._Element) -> None:
        problem = self.schema.problem(payload)
        if problem is not None:
            raise SoapFault(RequestError(f"the request does not conform to the contract: {problem}"))

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
            return
        if ctx.out_error is not None or message is not ProtocolBase.RESPONSE or not len(ctx.out_body_doc):
            return
        problem = self.schema.problem(ctx.out_body_doc[0])
        if problem is not None:
            log.error("reply of %s breaks the contract: %s", ctx.method_request_string, problem)
            self._answer_with(ctx, message, BackendProtocolError(f"the reply does not conform: {problem}"))

    def _answer_with(self, ctx: Any, message: Any, error: AdapterError) -> None:
        ctx.out_error = SoapFault(error)
        ctx.transport.resp_code = self.fault_to_http_response_code(ctx.out_error)
        super().serialize(ctx, message)

    def fault_to_parent(self, ctx: Any, cls: Any, inst: Any, parent: Any, ns: Any, *args: Any, **kwargs: Any) -> None:
        error, detail = self._translated(ctx, inst)
        faults.fault_element(error, self.version, detail, body=parent)

    schema_validation_error_to_parent = fault_to_parent

    def fault_to_http_response_code(self, fault: Any) -> str:
        error, _ = self._translated(None, fault, with_detail=False)
        status = faults.http_status(error, self.version)
        return f"{status} {HTTPStatus(status).phrase}"

    def _translated(self, ctx: Any, fault: Any, *, with_detail: bool = True) -> tuple[AdapterError, Any]:
        if not isinstance(fault, SoapFault):
            code, text = str(fault.faultcode or "Server"), str(fault.faultstring or "")
            log.info("Spyne's own fault: %s: %s", code, text)  # its words stay in the log, never in the reply
            if code.startswith("Client"):
                return RequestError("the request cannot be read as the contract says"), None
            return AdapterError("Spyne reported an error"), None
        if fault.payload is None or not with_detail:
            return fault.error, None
        return self._detail(ctx, fault.error, fault.payload)

    def _detail(self, ctx: Any, error: AdapterError, detail: Detail) -> tuple[AdapterError, Any]:
        holder = etree.Element("holder")
        self.to_parent(ctx, detail.model, detail.instance, holder, detail.namespace, detail.name)
        problem = self.schema.problem(holder[0])
        if problem is not None:
            log.error("fault detail %s breaks the contract: %s", detail.name, problem)
            replaced = BackendProtocolError(f"the fault detail does not conform: {problem}")
            if ctx is not None:
                ctx.transport.resp_code = self.fault_to_http_response_code(SoapFault(replaced))
            return replaced, None
        return error, holder[0]


class ServedSoap11(ServedProtocol):
    version = "1.1"


class ServedSoap12(ServedProtocol, Soap12):
    version = "1.2"

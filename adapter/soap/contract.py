"""A Contract: one WSDL port, its operations, and their message shapes.

Loaded once per process with zeep's hardened settings; operations expose plain shapes (:mod:`adapter.mapping.shapes`)
so that mapping never touches zeep types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import zeep
from lxml import etree
from zeep.exceptions import Error as ZeepError

from adapter.exceptions import ContractError
from adapter.mapping.shapes import Complex, Field
from adapter.soap.shapes import ShapeBuilder
from adapter.soap.transport import OfflineTransport

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"


def zeep_settings() -> zeep.Settings:
    """zeep's XML safety switches, all on: no DTD, no entities, no external references, no huge trees."""
    return zeep.Settings(
        strict=True,
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
        xml_huge_tree=False,
    )


@dataclass
class Message:
    """An operation's input or output as the mapping sees it.

    ``shape`` describes the plain data: for a document/literal wrapped message, the wrapper element's children. When
    ``unwrap`` is true the plain data is read from the Body's first child, otherwise from the Body itself.
    """

    shape: Complex
    unwrap: bool
    element: str  # the Body child's local name, for messages and diagnostics


@dataclass
class Operation:
    """One WSDL operation of the selected port."""

    name: str
    soap_version: str  # "1.1" or "1.2"
    style: str  # "document" or "rpc"
    soap_action: str
    input: Message
    output: Message | None
    faults: dict[str, Field] = field(default_factory=dict)  # detail element local name → its field

    @property
    def input_shape(self) -> Complex:
        return self.input.shape

    @property
    def output_shape(self) -> Complex | None:
        return self.output.shape if self.output is not None else None


@dataclass
class Contract:
    """A loaded WSDL, bound to one service port."""

    path: Path
    service: str
    port: str
    address: str
    soap_version: str
    operations: dict[str, Operation]
    client: Any  # zeep.AsyncClient: builds request envelopes (with WS-Security) for this port
    binding: Any  # zeep binding of the port

    @property
    def envelope_ns(self) -> str:
        return SOAP12_ENV if self.soap_version == "1.2" else SOAP11_ENV


def load_contract(
    path: Path,
    *,
    service: str | None = None,
    port: str | None = None,
    http_client: httpx.AsyncClient | None = None,
    wsse: Any = None,
) -> Contract:
    """Load the WSDL at ``path`` and select a port (the first SOAP port of the first service by default)."""
    if not path.is_file():
        raise ContractError(f"{path}: contract file not found")
    transport = OfflineTransport(path.parent, client=http_client)
    try:
        client = zeep.AsyncClient(str(path), transport=transport, settings=zeep_settings(), wsse=wsse)
    except ContractError as exc:
        raise ContractError(f"{path.name}: {exc.detail}") from None
    except (ZeepError, etree.LxmlError, LookupError, KeyError, IndexError, ValueError) as exc:
        raise ContractError(f"{path.name}: cannot load contract: {exc}") from None
    service_obj, port_obj = _select_port(client, path, service, port)
    return _contract(path, client, service_obj, port_obj)


def _select_port(client: Any, path: Path, service: str | None, port: str | None) -> tuple[Any, Any]:
    services = client.wsdl.services
    if not services:
        raise ContractError(f"{path.name}: the contract declares no service")
    name = service or next(iter(services))
    if name not in services:
        raise ContractError(f"{path.name}: no service {name!r}; services: {', '.join(services)}")
    ports = services[name].ports
    chosen = port or next(iter(ports), None)
    if chosen not in ports:
        raise ContractError(f"{path.name}: no port {chosen!r} in {name}; ports: {', '.join(ports)}")
    return services[name], ports[chosen]


def _contract(path: Path, client: Any, service: Any, port: Any) -> Contract:
    binding = port.binding
    version = "1.2" if getattr(binding, "nsmap", {}).get("soap-env") == SOAP12_ENV else "1.1"
    builder = ShapeBuilder()
    operations = {name: _operation(name, op, version, builder) for name, op in binding._operations.items()}
    if not operations:
        raise ContractError(f"{path.name}: port {port.name} has no operations")
    return Contract(
        path=path,
        service=service.name,
        port=port.name,
        address=(port.binding_options or {}).get("address") or "",
        soap_version=version,
        operations=operations,
        client=client,
        binding=binding,
    )


def _operation(name: str, op: Any, version: str, builder: ShapeBuilder) -> Operation:
    faults: dict[str, Field] = {}
    for fault in op.faults.values():
        for part in fault.abstract.parts.values():
            if part.element is not None:
                faults[part.element.name] = builder.element(part.element)
    return Operation(
        name=name,
        soap_version=version,
        style=op.style or "document",
        soap_action=op.soapaction or "",
        input=_message(op.input, builder),
        output=_message(op.output, builder) if op.output is not None else None,
        faults=faults,
    )


def _message(message: Any, builder: ShapeBuilder) -> Message:
    body = message.body
    if body is None:
        return Message(shape=Complex(), unwrap=False, element="")
    wrapped_parts = getattr(message, "_is_body_wrapped", False)
    shape = builder.shape(body.type)
    if not isinstance(shape, Complex):  # a single part with a simple type: keep it under its own name
        only = builder.element(body)
        return Message(shape=Complex(fields={only.name: only}), unwrap=False, element=body.name)
    return Message(shape=shape, unwrap=not wrapped_parts, element=body.name)

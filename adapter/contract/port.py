"""A contract bound to one port: its operations as the mapping, the encoder and the decoder see them.

Each direction of an operation is a :class:`MessageShape`: the complex type of its plain data and where that data
sits in the SOAP Body (WSDL 1.1 §3.5, WS-I Basic Profile 1.1 §4.7):

- document style, one part declared by a complex element: plain data is that element's content (wrapped or bare);
- document style otherwise: plain data holds each part's element by name (several parts, simple elements,
  ``type=`` parts);
- rpc style: plain data is the content of the operation's wrapper element (``{soap:body namespace}Operation``, or
  ``OperationResponse`` in a reply), one unqualified accessor per part.

Header parts (``soap:header``) are one more member, ``_header``, holding each header block by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from adapter.contract.members import Field
from adapter.contract.wsdl import SOAP12, Binding, Definitions, Header, Message, Operation, Part, Port
from adapter.contract.xsd import ComplexType, Element, ModelGroup, Particle

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
HEADER_KEY = "_header"  # the SOAP header blocks of a message in plain data

__all__ = [
    "HEADER_KEY",
    "SOAP11_ENV",
    "SOAP12_ENV",
    "BoundOperation",
    "Contract",
    "MessageShape",
    "bind",
]


@dataclass(eq=False)
class MessageShape:
    """One direction of an operation as plain data.

    ``shape`` is the type of the plain data (with ``_header`` when the message has header parts); ``body`` the type
    of the Body content alone. When ``root`` is set, the Body holds that one element and plain data is its content
    (``unwrap``); otherwise plain data holds the Body's children by name. ``headers`` is the type of the header
    blocks, one field per ``soap:header`` part.
    """

    message: Message
    body: ComplexType
    root: Element | None
    headers: ComplexType | None = None
    shape: ComplexType = field(init=False)

    def __post_init__(self) -> None:
        self.shape = self.body if self.headers is None else _with_headers(self.body, self.headers)

    @property
    def unwrap(self) -> bool:
        return self.root is not None

    @property
    def element(self) -> str:
        """The Body child's local name, for messages and diagnostics."""
        if self.root is not None:
            return self.root.name
        return ", ".join(self.body.fields) or ""


@dataclass(eq=False)
class BoundOperation:
    """One operation of the selected port, with its messages as plain data and its declared faults."""

    operation: Operation
    soap_version: str  # "1.1" or "1.2"
    input: MessageShape
    output: MessageShape | None
    faults: dict[str, Field] = field(default_factory=dict)  # detail entry local name → its field

    @property
    def name(self) -> str:
        return self.operation.name

    @property
    def style(self) -> str:
        return self.operation.style

    @property
    def use(self) -> str:
        return self.operation.use

    @property
    def soap_action(self) -> str:
        return self.operation.soap_action

    @property
    def input_shape(self) -> ComplexType:
        return self.input.shape

    @property
    def output_shape(self) -> ComplexType | None:
        return self.output.shape if self.output is not None else None

    @property
    def binding_style(self) -> str:
        """``document/literal wrapped``, ``document/literal bare``, ``rpc/literal`` or ``rpc/encoded``."""
        text = f"{self.style}/{self.use}"
        if self.style == "document":
            root = self.input.root
            text += " wrapped" if root is not None and root.name == self.name else " bare"
        return text


@dataclass(eq=False)
class Contract:
    """A loaded WSDL, bound to one service port."""

    path: Path
    definitions: Definitions
    port_info: Port

    @property
    def service(self) -> str:
        return self.port_info.service

    @property
    def port(self) -> str:
        return self.port_info.name

    @property
    def address(self) -> str:
        return self.port_info.address

    @property
    def binding(self) -> Binding:
        return self.port_info.binding

    @property
    def soap_version(self) -> str:
        return "1.2" if self.binding.protocol == SOAP12 else "1.1"

    @property
    def envelope_ns(self) -> str:
        return SOAP12_ENV if self.soap_version == "1.2" else SOAP11_ENV

    @cached_property
    def operations(self) -> dict[str, BoundOperation]:
        return {name: bind(op, self.soap_version) for name, op in self.binding.operations.items()}


def bind(operation: Operation, soap_version: str) -> BoundOperation:
    """The plain-data view of one binding operation."""
    assert operation.input is not None, f"{operation.name} has no input"
    return BoundOperation(
        operation=operation,
        soap_version=soap_version,
        input=message_shape(operation, operation.input, "Request"),
        output=message_shape(operation, operation.output, "Response") if operation.output is not None else None,
        faults=_faults(operation),
    )


def message_shape(operation: Operation, message: Message, direction: str) -> MessageShape:
    headers = _headers(operation, message, direction)
    parts = message.body.parts
    if operation.style == "rpc":
        wrapper_name = operation.name if direction == "Request" else f"{operation.name}Response"
        body = _synthetic(f"{operation.name}#{direction}", wrapper_name, [_accessor(part) for part in parts])
        root = Element(name=wrapper_name, type=body, namespace=message.body.namespace)
        return MessageShape(message, body, root, headers)
    if len(parts) == 1 and parts[0].element is not None and isinstance(parts[0].element.type, ComplexType):
        element = parts[0].element
        return MessageShape(message, element.type, element, headers)  # type: ignore[arg-type]
    body = _synthetic(f"{operation.name}#{direction}", operation.name, [_accessor(part) for part in parts])
    return MessageShape(message, body, None, headers)


def _accessor(part: Part) -> Element:
    """The element a part is written as: its global element, or an unqualified accessor named after the part."""
    if part.element is not None:
        return part.element
    assert part.type is not None, f"part {part.name} has neither element nor type"
    return Element(name=part.name, type=part.type)


def _headers(operation: Operation, message: Message, direction: str) -> ComplexType | None:
    if not message.headers:
        return None
    particles: list[Particle] = [_header_element(header) for header in message.headers]
    return _synthetic(f"{operation.name}#{direction}Header", "Header", particles)


def _header_element(header: Header) -> Element:
    declared = _accessor(header.part)
    if header.part.element is None and header.namespace:
        declared = Element(name=declared.name, type=declared.type, namespace=header.namespace)
    return Element(
        name=declared.name,
        type=declared.type,
        namespace=declared.namespace,
        min_occurs=1 if header.required else 0,
        nillable=declared.nillable,
        ref=declared.ref,
    )


def _synthetic(type_id: str, hint: str, particles: list[Particle]) -> ComplexType:
    return ComplexType(id=type_id, hint=hint, content=ModelGroup("sequence", list(particles)))


def _with_headers(body: ComplexType, headers: ComplexType) -> ComplexType:
    required = any(field.min_occurs > 0 for field in headers.fields.values())
    particles: list[Particle] = [body.content] if body.content is not None else []
    particles.append(Element(name=HEADER_KEY, type=headers, min_occurs=1 if required else 0))
    return ComplexType(
        id=f"{body.id}+{HEADER_KEY}",
        hint=body.type_name,
        content=ModelGroup("sequence", particles),
        simple=body.simple,
        attribute_uses=body.attribute_uses,
        any_attribute=body.any_attribute,
    )


def _faults(operation: Operation) -> dict[str, Field]:
    faults: dict[str, Field] = {}
    for fault in operation.faults:
        part = fault.part
        if part is None:
            continue
        declared = _accessor(part)
        if part.element is None:
            declared = Element(name=fault.detail_name, type=declared.type)  # named as on the wire (see detail_name)
        faults[fault.detail_name] = Field(
            name=declared.name, shape=declared.type, namespace=declared.namespace, element=declared
        )
    return faults

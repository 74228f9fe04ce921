"""The structure of a WSDL 1.1 document (WSDL 1.1 §2, SOAP binding §3): plain dataclasses.

``Definitions`` holds every service port, binding, portType name and the schema components its messages use
(:mod:`adapter.contract.xsd`). A binding operation keeps what the wire needs: style, use, soapAction, the body
parts (``element=`` or ``type=``), the header parts of each direction (``soap:header`` with its message and part)
and the faults with their detail part. SOAP 1.1 §5 encoding (``use="encoded"``, ``encodingStyle``) is kept for the
encoder and decoder of rpc/encoded services.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from adapter.contract.xsd import Element, XsdType

SOAP11 = "SOAP 1.1"
SOAP12 = "SOAP 1.2"
HTTP_GET = "HTTP GET"
HTTP_POST = "HTTP POST"
SOAP_ENCODING = "http://schemas.xmlsoap.org/soap/encoding/"

__all__ = [
    "HTTP_GET",
    "HTTP_POST",
    "SOAP11",
    "SOAP12",
    "SOAP_ENCODING",
    "Binding",
    "Body",
    "Definitions",
    "Fault",
    "Header",
    "Message",
    "Operation",
    "Part",
    "Port",
]


@dataclass(eq=False)
class Part:
    """A ``wsdl:part``: declared by a global element (``element=``) or by a type (``type=``, rpc and encoded)."""

    name: str
    element: Element | None = None
    type: XsdType | None = None


@dataclass(eq=False)
class Body:
    """``soap:body`` of one direction (WSDL 1.1 §3.5): the parts it carries, ``use``, and the rpc namespace."""

    parts: list[Part] = field(default_factory=list)
    use: str = "literal"
    namespace: str = ""
    encoding_style: str | None = None

    @property
    def encoded(self) -> bool:
        return self.use == "encoded"


@dataclass(eq=False)
class Header:
    """``soap:header`` (WSDL 1.1 §3.7): one part of a message sent as a SOAP header block."""

    message: str  # Clark name of the wsdl:message
    part: Part
    use: str = "literal"
    namespace: str = ""
    encoding_style: str | None = None
    required: bool = True  # wsdl:required="false" makes it optional

    @property
    def name(self) -> str:
        """The header block's local name: its element's, or the part's for a ``type=`` part."""
        return self.part.element.name if self.part.element is not None else self.part.name


@dataclass(eq=False)
class Message:
    """One direction of a bound operation: its ``wsdl:message`` name, body and header parts."""

    name: str
    body: Body = field(default_factory=Body)
    headers: list[Header] = field(default_factory=list)


@dataclass(eq=False)
class Fault:
    """A ``wsdl:fault`` of an operation: its name and detail part (WSDL 1.1 §3.6 ``soap:fault``)."""

    name: str
    message: str = ""
    part: Part | None = None
    use: str = "literal"
    namespace: str = ""

    @property
    def detail_name(self) -> str:
        """The local name of the detail entry: the part's element's, or for a ``type=`` part (rpc/encoded, where
        WSDL 1.1 §3.6 leaves the entry's name open) the fault's own name, as Axis and JAX-RPC write it
        (``<UnknownCustomerFault xsi:type="ns1:UnknownCustomerFault">`` for a part named ``fault``)."""
        if self.part is None or self.part.element is None:
            return self.name
        return self.part.element.name


@dataclass(eq=False)
class Operation:
    """A binding operation: style (``document``/``rpc``), soapAction, messages and faults."""

    name: str
    style: str = "document"
    soap_action: str = ""
    input: Message | None = None
    output: Message | None = None
    faults: list[Fault] = field(default_factory=list)

    @property
    def use(self) -> str:
        message = self.input or self.output
        return message.body.use if message is not None else "literal"


@dataclass(eq=False)
class Binding:
    """A ``wsdl:binding``: protocol (SOAP 1.1, SOAP 1.2, HTTP), its portType and operations."""

    name: str
    port_type: str
    protocol: str = "unknown"
    style: str = "document"
    transport: str = ""
    operations: dict[str, Operation] = field(default_factory=dict)
    # What the binding's WS-SecurityPolicy asks of clients (WS-SecurityPolicy 1.1/1.2 sp:UsernameToken, with
    # sp:HashPassword for the digest form); read by adapter.intake.policy.
    username_token: bool = False
    password_digest: bool = False

    @property
    def soap_version(self) -> str | None:
        return {SOAP11: "1.1", SOAP12: "1.2"}.get(self.protocol)


@dataclass(eq=False)
class Port:
    """One ``wsdl:port`` of one ``wsdl:service``, as ``adapter inspect`` lists it."""

    service: str
    name: str
    binding: Binding
    address: str = ""

    @property
    def kind(self) -> str:
        return self.binding.protocol

    @property
    def port_type(self) -> str:
        return self.binding.port_type

    @property
    def operations(self) -> tuple[str, ...]:
        return tuple(self.binding.operations)

    @property
    def is_soap(self) -> bool:
        return self.binding.soap_version is not None


@dataclass(eq=False)
class Definitions:
    """A whole WSDL 1.1 contract: ports, bindings, portTypes, and the schema components they use."""

    name: str  # the main document's file name, for messages
    target_namespace: str = ""
    ports: list[Port] = field(default_factory=list)
    bindings: dict[str, Binding] = field(default_factory=dict)
    port_types: dict[str, tuple[str, ...]] = field(default_factory=dict)  # local name → operation names
    elements: dict[str, Element] = field(default_factory=dict)  # global element declarations by Clark name
    types: dict[str, XsdType] = field(default_factory=dict)  # every type definition by id
    notes: list[str] = field(default_factory=list)

    @property
    def operation_count(self) -> int:
        """Operations declared over all portTypes (a service's abstract interface, whatever its bindings)."""
        return sum(len(operations) for operations in self.port_types.values())

    @property
    def soap_ports(self) -> list[Port]:
        return [port for port in self.ports if port.is_soap]

    @property
    def services(self) -> list[str]:
        return list(dict.fromkeys(p.service for p in self.ports))

    def find_port(self, service: str | None, port: str | None) -> Port:
        """The port a mapping names; by default the first SOAP port (of ``service`` when given).

        Raises :class:`adapter.exceptions.ContractError` naming what exists.
        """
        from adapter.exceptions import ContractError

        candidates = [p for p in self.ports if service is None or p.service == service]
        if service is not None and not candidates:
            raise ContractError(f"{self.name}: no service {service!r}; services: {_names(self.services)}")
        if port is None:
            soap = [p for p in candidates if p.is_soap and p.operations]
            if not soap:
                raise ContractError(f"{self.name}: service {service!r} has no SOAP port with operations")
            return soap[0]
        for candidate in candidates:
            if candidate.name == port:
                if not candidate.is_soap:
                    raise ContractError(
                        f"{self.name}: port {port!r} is an {candidate.kind} binding, not SOAP; "
                        f"SOAP ports: {_names(p.name for p in self.soap_ports)}"
                    )
                return candidate
        where = f" in service {service!r}" if service else ""
        raise ContractError(f"{self.name}: no port {port!r}{where}; ports: {_names(p.name for p in candidates)}")


def _names(names: Iterable[str]) -> str:
    return ", ".join(names) or "none"

"""Read the structure of WSDL 1.1 documents (WSDL 1.1 §2, §3 SOAP binding, §4 HTTP binding; SOAP 1.2 binding
extensions of the W3C note) into plain records, following ``wsdl:import`` through the offline fence.

Names stay qualified names (Clark notation) here; :mod:`adapter.intake.assemble` resolves them against the schema
components once the types are built. What a contract references but does not define is an error naming the thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from adapter.exceptions import ContractError
from adapter.intake.documents import Documents, Element

WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL20 = "http://www.w3.org/ns/wsdl"
XSD = "http://www.w3.org/2001/XMLSchema"
SOAP11_BINDING = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP12_BINDING = "http://schemas.xmlsoap.org/wsdl/soap12/"
HTTP_BINDING = "http://schemas.xmlsoap.org/wsdl/http/"
_PROTOCOLS = {SOAP11_BINDING: "SOAP 1.1", SOAP12_BINDING: "SOAP 1.2"}


@dataclass
class RawPart:
    name: str
    element: str | None = None
    type: str | None = None


@dataclass
class RawHeader:
    message: str
    part: str
    use: str = "literal"
    namespace: str = ""
    encoding_style: str | None = None
    required: bool = True


@dataclass
class RawBody:
    use: str = "literal"
    namespace: str = ""
    encoding_style: str | None = None
    parts: list[str] | None = None  # soap:body parts="..."; None: every part of the message
    headers: list[RawHeader] = field(default_factory=list)


@dataclass
class RawFaultBinding:
    use: str = "literal"
    namespace: str = ""


@dataclass
class RawAbstractOperation:
    """A portType operation: its message names (WSDL 1.1 §2.4)."""

    name: str
    input: str | None = None
    output: str | None = None
    faults: dict[str, str] = field(default_factory=dict)  # fault name → message


@dataclass
class RawOperation:
    name: str
    style: str
    soap_action: str = ""
    input: RawBody | None = None
    output: RawBody | None = None
    faults: dict[str, RawFaultBinding] = field(default_factory=dict)


@dataclass
class RawBinding:
    name: str
    port_type: str  # Clark
    protocol: str = "unknown"
    style: str = "document"
    transport: str = ""
    operations: list[RawOperation] = field(default_factory=list)


@dataclass
class RawPort:
    service: str
    name: str
    binding: str  # Clark
    address: str = ""


@dataclass
class RawDefinitions:
    """Every WSDL document of a contract, merged: what ``wsdl:import`` brings in is part of the whole."""

    target_namespace: str = ""
    messages: dict[str, list[RawPart]] = field(default_factory=dict)
    port_types: dict[str, dict[str, RawAbstractOperation]] = field(default_factory=dict)
    bindings: dict[str, RawBinding] = field(default_factory=dict)
    ports: list[RawPort] = field(default_factory=list)
    schemas: list[tuple[Element, Path]] = field(default_factory=list)  # inline and imported xsd:schema roots


def read_definitions(documents: Documents) -> RawDefinitions:
    """The merged definitions of the contract whose main file ``documents`` reads."""
    raw = RawDefinitions()
    root = documents.document(documents.main)
    if etree.QName(root).namespace == WSDL20:
        raise ContractError(
            f"{documents.main.name} is a WSDL 2.0 document ({WSDL20}); the adapter reads WSDL 1.1 contracts: "
            "ask the provider for the WSDL 1.1 description of the service"
        )
    if root.tag != f"{{{WSDL}}}definitions":
        raise ContractError(f"{documents.main.name} is not a WSDL 1.1 document (its root is {root.tag})")
    raw.target_namespace = root.get("targetNamespace", "")
    _Reader(documents, raw).document(root, documents.main)
    return raw


class _Reader:
    def __init__(self, documents: Documents, raw: RawDefinitions) -> None:
        self.documents = documents
        self.raw = raw
        self.seen: set[Path] = set()

    def document(self, root: Element, path: Path) -> None:
        self.seen.add(path)
        tns = root.get("targetNamespace", "")
        for child in root.iterchildren(f"{{{WSDL}}}import"):
            self.wsdl_import(child, path)
        for schema in root.iterfind(f"{{{WSDL}}}types/{{{XSD}}}schema"):
            self.raw.schemas.append((schema, path))
        for child in root.iterchildren(f"{{{WSDL}}}message"):
            self.raw.messages[_clark(tns, child.get("name", ""))] = [
                RawPart(p.get("name", ""), _qname(p, "element"), _qname(p, "type"))
                for p in child.iterchildren(f"{{{WSDL}}}part")
            ]
        for child in root.iterchildren(f"{{{WSDL}}}portType"):
            self.raw.port_types[_clark(tns, child.get("name", ""))] = _port_type(child)
        for child in root.iterchildren(f"{{{WSDL}}}binding"):
            binding = _binding(child, tns)
            self.raw.bindings[binding.name] = binding
        for service in root.iterchildren(f"{{{WSDL}}}service"):
            for port in service.iterchildren(f"{{{WSDL}}}port"):
                self.raw.ports.append(
                    RawPort(
                        service.get("name", ""), port.get("name", ""), _qname(port, "binding") or "", _address(port)
                    )
                )

    def wsdl_import(self, element: Element, referrer: Path) -> None:
        """WSDL 1.1 §2.1.1: a ``wsdl:import`` brings in another WSDL document, or (in practice) a schema."""
        location = element.get("location")
        if not location:
            return
        path = self.documents.resolve(location, referrer)
        if path in self.seen:
            return
        root = self.documents.document(path, referrer, location)
        if root.tag == f"{{{XSD}}}schema":
            self.raw.schemas.append((root, path))
            self.seen.add(path)
        elif root.tag == f"{{{WSDL}}}definitions":
            self.document(root, path)


def _port_type(element: Element) -> dict[str, RawAbstractOperation]:
    operations: dict[str, RawAbstractOperation] = {}
    for child in element.iterchildren(f"{{{WSDL}}}operation"):
        operation = RawAbstractOperation(child.get("name", ""))
        for item in child:
            tag = item.tag if isinstance(item.tag, str) else ""
            if tag == f"{{{WSDL}}}input":
                operation.input = _qname(item, "message")
            elif tag == f"{{{WSDL}}}output":
                operation.output = _qname(item, "message")
            elif tag == f"{{{WSDL}}}fault":
                operation.faults[item.get("name", "")] = _qname(item, "message") or ""
        operations[operation.name] = operation
    return operations


def _binding(element: Element, tns: str) -> RawBinding:
    binding = RawBinding(name=_clark(tns, element.get("name", "")), port_type=_qname(element, "type") or "")
    for child in element:
        namespace = etree.QName(child).namespace if isinstance(child.tag, str) else None
        if namespace in _PROTOCOLS and etree.QName(child).localname == "binding":
            binding.protocol = _PROTOCOLS[namespace]
            binding.style = child.get("style") or "document"
            binding.transport = child.get("transport", "")
        elif namespace == HTTP_BINDING and etree.QName(child).localname == "binding":
            binding.protocol = f"HTTP {child.get('verb', 'GET').upper()}"
    for child in element.iterchildren(f"{{{WSDL}}}operation"):
        binding.operations.append(_binding_operation(child, binding.style))
    return binding


def _binding_operation(element: Element, default_style: str) -> RawOperation:
    operation = RawOperation(element.get("name", ""), default_style)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        if qname.namespace in _PROTOCOLS and qname.localname == "operation":
            operation.soap_action = child.get("soapAction", "")
            operation.style = child.get("style") or default_style
        elif child.tag == f"{{{WSDL}}}input":
            operation.input = _body(child)
        elif child.tag == f"{{{WSDL}}}output":
            operation.output = _body(child)
        elif child.tag == f"{{{WSDL}}}fault":
            found = _extension(child, "fault")
            operation.faults[child.get("name", "")] = RawFaultBinding(
                use=(found.get("use") if found is not None else None) or "literal",
                namespace=(found.get("namespace") if found is not None else None) or "",
            )
    return operation


def _body(element: Element) -> RawBody:
    body = RawBody()
    found = _extension(element, "body")
    if found is not None:
        body.use = found.get("use") or "literal"
        body.namespace = found.get("namespace") or ""
        body.encoding_style = found.get("encodingStyle")
        parts = found.get("parts")
        body.parts = parts.split() if parts is not None else None
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).namespace in _PROTOCOLS:
            if etree.QName(child).localname == "header":
                body.headers.append(
                    RawHeader(
                        message=_qname(child, "message") or "",
                        part=child.get("part", ""),
                        use=child.get("use") or "literal",
                        namespace=child.get("namespace") or "",
                        encoding_style=child.get("encodingStyle"),
                        required=child.get(f"{{{WSDL}}}required", "true") != "false",
                    )
                )
    return body


def _extension(element: Element, local: str) -> Element | None:
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).namespace in _PROTOCOLS:
            if etree.QName(child).localname == local:
                return child
    return None


def _address(port: Element) -> str:
    for child in port:
        if isinstance(child.tag, str) and etree.QName(child).localname == "address":
            return str(child.get("location", ""))
    return ""


def _qname(element: Element, attribute: str) -> str | None:
    """The Clark name of a QName-valued attribute, resolved with the namespaces in scope (XML Namespaces §4)."""
    text = element.get(attribute)
    if text is None:
        return None
    prefix, _, local = text.strip().rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    if namespace is None and prefix:
        namespace = prefix  # an undeclared prefix: kept, so the message can name it
    return _clark(namespace or "", local)


def _clark(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}" if namespace else local

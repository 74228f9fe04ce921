"""SOAP envelopes of one operation: the request built from plain data, the reply read into plain data or a Fault
(SOAP 1.1 §4, §6; SOAP 1.2 part 1 §5, part 2 §7). Sans I/O: bytes and trees in, bytes and plain data out.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

from lxml import etree

from adapter.contract.builtins import XSD
from adapter.contract.port import HEADER_KEY, SOAP11_ENV, SOAP12_ENV, BoundOperation, MessageShape
from adapter.contract.xsd import ComplexType, XsdType, namespace_of
from adapter.exceptions import BackendContractViolation, BackendFault, BackendProtocolError
from adapter.exchange.decoder import ContractViolation, Report, decode, generic, path_of, reader
from adapter.exchange.encoder import write_value, writer
from adapter.exchange.soapenc import ENCODING_STYLE, SOAP_ENC, EncodingProblem, resolve, type_name
from adapter.mapping.faults import Fault
from adapter.settings import XmlLimits

XSI = "http://www.w3.org/2001/XMLSchema-instance"
ENVELOPES = {"1.1": SOAP11_ENV, "1.2": SOAP12_ENV}
# SOAP 1.2 part 1 §5.4.6 renamed the 1.1 codes; error rules are written in 1.1 terms and match both.
_CODE_ALIASES = {"Sender": "Client", "Receiver": "Server"}
# The Envelope's tag → the tags of its Body and Header (SOAP 1.1 §4, SOAP 1.2 part 1 §5), and the tags of a Fault:
# looked up, so that no QName is made for a reply.
_ENVELOPES = {f"{{{ns}}}Envelope": (f"{{{ns}}}Body", f"{{{ns}}}Header") for ns in ENVELOPES.values()}
_FAULTS = frozenset(f"{{{ns}}}Fault" for ns in ENVELOPES.values())

__all__ = ["ENVELOPES", "OperationExchange"]


class OperationExchange:
    """Requests and replies of one bound operation, compiled from the contract model on first use."""

    def __init__(self, operation: BoundOperation) -> None:
        self.operation = operation
        self.version = operation.soap_version
        self.env = ENVELOPES[self.version]

    # -- the request ----------------------------------------------------------------------------------------

    @cached_property
    def _nsmap(self) -> dict[str | None, str]:
        names: dict[str | None, str] = {"soap-env": self.env}
        found = _namespaces(self.operation.input)
        if self._encoded_request:
            found |= {XSI, XSD, SOAP_ENC} | _type_namespaces(self.operation.input)
        fixed = {XSI: "xsi", XSD: "xsd", SOAP_ENC: "soapenc"}
        for namespace in sorted(found & set(fixed)):
            names[fixed[namespace]] = namespace
        for index, namespace in enumerate(sorted(found - set(fixed))):
            names[f"ns{index}"] = namespace
        return names

    @cached_property
    def _encoded_request(self) -> bool:
        return self.operation.input.message.body.encoded

    def envelope(self, payload: dict[str, Any]) -> Any:
        """The request Envelope for ``payload`` (plain data of the input message). Raises :class:`EncodeProblem`."""
        message = self.operation.input
        root = etree.Element(f"{{{self.env}}}Envelope", nsmap=self._nsmap)
        headers = payload.get(HEADER_KEY) if message.headers is not None else None
        if message.headers is not None and headers:
            header = etree.SubElement(root, f"{{{self.env}}}Header")
            writer(message.headers).content(header, headers, HEADER_KEY)
        body = etree.SubElement(root, f"{{{self.env}}}Body")
        content = {k: v for k, v in payload.items() if k != HEADER_KEY}
        encoded = self._encoded_request
        if message.root is not None:
            write_value(body, message.root.clark, message.body, content, "", nillable=False, encoded=encoded)
        else:
            writer(message.body, encoded).content(body, content, "")
        if encoded:
            for entry in body:  # SOAP 1.1 §4.1.1: the rules the entries are serialized by
                entry.set(f"{{{self.env}}}{ENCODING_STYLE}", SOAP_ENC)
        return root

    def http_headers(self) -> dict[str, str]:
        """Content-Type and the action (SOAP 1.1 §6.1.1 ``SOAPAction``; SOAP 1.2 part 2 §7.1.3 ``action``)."""
        action = self.operation.soap_action
        if self.version == "1.2":
            return {"Content-Type": f'application/soap+xml; charset=utf-8; action="{action}"'}
        return {"SOAPAction": f'"{action}"', "Content-Type": "text/xml; charset=utf-8"}

    # -- the reply ------------------------------------------------------------------------------------------

    def reply(self, root: Any, report: Report, limits: XmlLimits | None = None) -> Any:
        """The plain data of a reply, checked against the contract; :class:`BackendFault` for a Fault and
        :class:`BackendContractViolation` for a reply that breaks the contract (``report.strict``). The references
        of an encoded reply are resolved first, within ``limits`` (:mod:`.soapenc`)."""
        try:
            return self._reply(root, report, limits or XmlLimits())
        except ContractViolation as exc:
            raise BackendContractViolation(exc.problem.path, exc.problem.message) from None
        except EncodingProblem as exc:
            raise BackendContractViolation(path_of(exc.element), exc.message) from None

    @cached_property
    def _encoded_reply(self) -> bool:
        output = self.operation.operation.output
        return output is not None and output.body.encoded

    def _reply(self, root: Any, report: Report, limits: XmlLimits) -> Any:
        body, header = _parts(root)
        if self._encoded_reply:
            resolve(body, limits)
        children = [child for child in body if isinstance(child.tag, str)]
        if children and children[0].tag in _FAULTS:
            raise BackendFault(self.fault(children[0], report))
        output = self.operation.output
        if output is None:
            return {}
        data = _payload(body, children, output, report)
        if output.headers is not None and header is not None and isinstance(data, dict):
            blocks = _header_blocks(header, output.headers, report)
            if blocks:
                data[HEADER_KEY] = blocks
        return data

    def fault(self, fault: Any, report: Report) -> Fault:
        """A :class:`Fault` from a SOAP 1.1 or 1.2 ``Fault`` element, its detail decoded by the contract."""
        ns = etree.QName(fault).namespace
        if ns == SOAP12_ENV:
            code = _soap12_code(fault)
            message = fault.findtext(f"{{{ns}}}Reason/{{{ns}}}Text") or ""
            detail = fault.find(f"{{{ns}}}Detail")
        else:
            code = _local_code(fault.findtext("faultcode") or "")
            message = fault.findtext("faultstring") or ""
            detail = fault.find("detail")
        entries = [child for child in detail if isinstance(child.tag, str)] if detail is not None else []
        if not entries:
            return Fault(code=code, message=message)
        entry = entries[0]
        name = self._fault_names.get(etree.QName(entry).localname, etree.QName(entry).localname)
        declared = self.operation.faults.get(name)
        value = decode(entry, declared.shape, report) if declared is not None else generic(entry)
        return Fault(code=code, message=message, detail_name=name, detail=value)

    @cached_property
    def _fault_names(self) -> dict[str, str]:
        """The declared faults by the names their detail entries may have: a ``type=`` part's entry (rpc/encoded)
        is named after the fault by Axis and JAX-RPC, after the part or its type by others."""
        names: dict[str, str] = {}
        for fault in self.operation.operation.faults:
            if fault.part is not None and fault.part.element is None:
                names.setdefault(fault.part.name, fault.detail_name)
                if fault.part.type is not None and fault.part.type.type_name:
                    names.setdefault(fault.part.type.type_name, fault.detail_name)
        for name in self.operation.faults:
            names[name] = name
        return names


def _parts(root: Any) -> tuple[Any, Any]:
    tags = _ENVELOPES.get(root.tag)
    if tags is None:
        raise BackendProtocolError("the backend reply is not a SOAP envelope")
    # The first child of each name, as find() returns it, without an ElementPath for a plain tag.
    body = next(root.iterchildren(tags[0]), None)
    if body is None:
        raise BackendProtocolError("the backend reply has no SOAP Body")
    return body, next(root.iterchildren(tags[1]), None)


def _payload(body: Any, children: list[Any], message: MessageShape, report: Report) -> Any:
    root = message.root
    if root is None:
        out: dict[str, Any] = {}
        reader(message.body).content(body, out, report)
        return out
    if not children:
        raise BackendProtocolError("the backend reply has an empty SOAP Body")
    first = children[0]
    if first.tag != root.clark:
        report(first, f"is not the {root.name} element the contract expects in the Body")
        if etree.QName(first).localname != root.name:
            raise BackendProtocolError(f"the backend reply holds {etree.QName(first).localname}, not {root.name}")
    return decode(first, message.body, report, nillable=False)


def _header_blocks(header: Any, declared: ComplexType, report: Report) -> dict[str, Any]:
    """The declared header blocks of a reply (others, such as WS-Security's, are not the contract's)."""
    content = reader(declared)
    out: dict[str, Any] = {}
    for child in header:
        member = content.members.get(child.tag) if isinstance(child.tag, str) else None
        if member is not None:
            out[member.field.name] = member.read(child, report)
    return out


def _soap12_code(fault: Any) -> str:
    ns = SOAP12_ENV
    parts = [_local_code(fault.findtext(f"{{{ns}}}Code/{{{ns}}}Value") or "")]
    subcode = fault.find(f"{{{ns}}}Code/{{{ns}}}Subcode")
    while subcode is not None:
        parts.append(_local_code(subcode.findtext(f"{{{ns}}}Value") or ""))
        subcode = subcode.find(f"{{{ns}}}Subcode")
    return ".".join(parts)


def _local_code(qname_text: str) -> str:
    local = qname_text.strip().rpartition(":")[2]
    head, dot, rest = local.partition(".")
    return _CODE_ALIASES.get(head, head) + dot + rest


def _namespaces(message: MessageShape) -> set[str]:
    """Every namespace the elements of a message may be in, to declare once on the Envelope."""
    found: set[str] = set()
    if message.root is not None and message.root.namespace:
        found.add(message.root.namespace)
    seen: set[int] = set()
    shapes: list[XsdType] = [message.body]
    if message.headers is not None:
        shapes.append(message.headers)
    needs_xsi = False
    for shape in _walk(shapes, seen):
        for member in shape.fields.values():
            if member.namespace:
                found.add(member.namespace)
            needs_xsi = needs_xsi or member.nillable
        if shape.is_polymorphic:
            needs_xsi = True
            found.update(t.name[1:].partition("}")[0] for t in shape.variants.values() if t.name.startswith("{"))
    if needs_xsi:
        found.add(XSI)
    return found


def _type_namespaces(message: MessageShape) -> set[str]:
    """The namespaces of the named types an encoded request may write in ``xsi:type`` (SOAP 1.1 §5.1)."""
    found: set[str] = set()
    for shape in _walk([message.body], set()):
        for member in shape.fields.values():
            found.add(namespace_of(member.shape.name))
            if member.array is not None:
                found.add(namespace_of(type_name(member.shape)))
        found.add(namespace_of(shape.name))
    found.discard("")
    return found


def _walk(shapes: list[XsdType], seen: set[int]) -> Iterator[ComplexType]:
    pending = list(shapes)
    while pending:
        shape = pending.pop()
        if not isinstance(shape, ComplexType) or id(shape) in seen:
            continue
        seen.add(id(shape))
        yield shape
        pending.extend(member.shape for member in shape.fields.values())
        pending.extend(shape.variants.values())

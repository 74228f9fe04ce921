"""Read a SOAP reply Envelope: its Body payload or its Fault (SOAP 1.1 §4, SOAP 1.2 part 1 §5)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from adapter.exceptions import BackendFault, BackendProtocolError
from adapter.mapping.faults import Fault
from adapter.soap.contract import SOAP11_ENV, SOAP12_ENV, Message, Operation
from adapter.soap.decode import decode, generic

# SOAP 1.2 part 1 §5.4.6 renamed the 1.1 codes; error rules are written in 1.1 terms and match both.
_CODE_ALIASES = {"Sender": "Client", "Receiver": "Server"}


def read_reply(root: etree._Element, operation: Operation) -> Any:
    """The plain data of a reply, or :class:`BackendFault` when the Body carries a Fault."""
    body = _body(root)
    children = [child for child in body if isinstance(child.tag, str)]
    if children and etree.QName(children[0]).localname == "Fault" and _is_envelope_ns(children[0]):
        raise BackendFault(read_fault(children[0], operation))
    if operation.output is None:
        return {}
    return _payload(body, children, operation.output)


def _body(root: etree._Element) -> etree._Element:
    qname = etree.QName(root)
    if qname.localname != "Envelope" or qname.namespace not in (SOAP11_ENV, SOAP12_ENV):
        raise BackendProtocolError("the backend reply is not a SOAP envelope")
    body = root.find(f"{{{qname.namespace}}}Body")
    if body is None:
        raise BackendProtocolError("the backend reply has no SOAP Body")
    return body


def _payload(body: etree._Element, children: list[etree._Element], message: Message) -> Any:
    if not message.unwrap:
        return decode(body, message.shape)
    if not children:
        raise BackendProtocolError("the backend reply has an empty SOAP Body")
    return decode(children[0], message.shape)


def _is_envelope_ns(element: etree._Element) -> bool:
    return etree.QName(element).namespace in (SOAP11_ENV, SOAP12_ENV)


def read_fault(fault: etree._Element, operation: Operation) -> Fault:
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
    name = etree.QName(entry).localname
    declared = operation.faults.get(name)
    value = decode(entry, declared.shape) if declared is not None else generic(entry)
    return Fault(code=code, message=message, detail_name=name, detail=value)


def _soap12_code(fault: etree._Element) -> str:
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

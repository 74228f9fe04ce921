"""The SOAP envelope's own rules, checked on the one parsed tree before anything reads the message.

Structure (SOAP 1.1 §4, SOAP 1.2 part 1 §5.1), header blocks that must be understood (SOAP 1.1 §4.2.3, SOAP 1.2
part 1 §5.2.3), the one Body entry and the operation it names, and the SOAPAction the request declares for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from lxml import etree

from adapter.exceptions import RequestError
from adapter.server.faults import ENVELOPES, MustUnderstand, VersionMismatch
from adapter.soap.bindings import BoundOperation

_XML_SPACE = re.compile(r"[ \t\r\n]+")


def version_of(envelope: etree._Element, version: str, versions: tuple[str, ...], *, announced: str) -> str:
    """The envelope's SOAP version, which must be ``version`` (the Content-Type's, when this service speaks it)."""
    env = ENVELOPES[version]
    if envelope.tag == f"{{{env}}}Envelope":
        return version
    qname = etree.QName(envelope)
    if qname.localname == "Envelope" and qname.namespace in ENVELOPES.values():
        if announced != version:
            raise VersionMismatch(f"this service speaks SOAP {' and '.join(versions)}")
        raise VersionMismatch(f"the Content-Type announces SOAP {version}; so must the envelope")
    raise RequestError("the request is not a SOAP envelope")


def parts(envelope: etree._Element, version: str) -> tuple[etree._Element | None, etree._Element]:
    """The Header (if any) and the Body. An optional Header, then exactly one Body; SOAP 1.1 §4 allows further
    namespace-qualified elements after the Body, SOAP 1.2 part 1 §5.1 none at all."""
    env = ENVELOPES[version]
    children = [child for child in envelope if isinstance(child.tag, str)]
    first = 1 if children[:1] and children[0].tag == f"{{{env}}}Header" else 0
    trailers = children[first + 1 :]
    if len(children) <= first or children[first].tag != f"{{{env}}}Body" or _any_soap(trailers, env):
        raise RequestError("the SOAP envelope must hold one optional Header and then exactly one Body")
    if trailers and version == "1.2":
        raise RequestError("a SOAP 1.2 envelope holds nothing after its Body")
    if any(not etree.QName(trailer).namespace for trailer in trailers):
        raise RequestError("an element after the SOAP Body must be namespace-qualified")
    return (children[0] if first else None), children[first]


def _any_soap(elements: list[etree._Element], env: str) -> bool:
    return any(element.tag in (f"{{{env}}}Header", f"{{{env}}}Body") for element in elements)


def check_understood(header: etree._Element | None, version: str, processed: Callable[[etree._Element], bool]) -> None:
    """Refuse a header block marked mustUnderstand that is not ``processed`` here (a MustUnderstand fault)."""
    env = ENVELOPES[version]
    for block in header if header is not None else ():
        if isinstance(block.tag, str) and must_understand(block, env) and not processed(block):
            raise MustUnderstand(f"the header block {etree.QName(block).localname} is not processed here")


def must_understand(block: etree._Element, env: str) -> bool:
    """The block's ``mustUnderstand``: an xsd:boolean, read after white space collapse (XML Schema part 2
    §3.2.2); any other value is the sender's error, never a silent "no"."""
    value = block.get(f"{{{env}}}mustUnderstand")
    if value is None:
        return False
    collapsed = _XML_SPACE.sub(" ", value).strip(" ")
    if collapsed in ("1", "true"):
        return True
    if collapsed in ("0", "false"):
        return False
    raise RequestError(f"the mustUnderstand of {etree.QName(block).localname} is not an xsd:boolean")


def operation_of(
    body: etree._Element, operations: Mapping[str, BoundOperation]
) -> tuple[BoundOperation, etree._Element]:
    """The operation the Body's one entry names (document/literal: the entry's element name), and that entry."""
    entries = [child for child in body if isinstance(child.tag, str)]
    if len(entries) != 1:
        raise RequestError("the SOAP Body must hold exactly one element")
    operation = operations.get(entries[0].tag)
    if operation is None:
        raise RequestError(f"{etree.QName(entries[0]).localname} is not an operation of this service")
    return operation, entries[0]


def check_action(declared: str, operation: BoundOperation, version: str) -> None:
    """A non-empty SOAPAction must be the operation's (so a gateway routing or authorising by it is not fooled);
    an empty one says nothing about the intent (SOAP 1.1 §6.1.1)."""
    if declared and declared != operation.actions.get(version, ""):
        raise RequestError(f"the SOAPAction {declared!r} is not the one of {operation.name}")

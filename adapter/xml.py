"""The only place that builds lxml parsers and serialises XML.

Every XML document the adapter reads — backend SOAP replies, inbound SOAP requests, contracts — goes through
:func:`parse`, with DTDs refused, entities never expanded and the network never touched (XML 1.0 §4 entities are
the classic billion-laughs and XXE vectors; we have no use for them in SOAP, which forbids a DTD outright:
SOAP 1.1 §3, SOAP 1.2 part 1 §5).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from adapter.exceptions import PayloadTooLarge, RequestError
from adapter.settings import XmlLimits

Element = Any  # lxml.etree._Element; lxml ships no type information


class XmlError(RequestError):
    """The bytes are not an acceptable XML document."""

    problem_type = "invalid-xml"
    title = "Invalid XML"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse(data: bytes, limits: XmlLimits) -> Element:
    """Parse ``data`` into an element tree, refusing DTDs and documents over ``limits``."""
    if len(data) > limits.max_bytes:
        raise PayloadTooLarge(f"XML document exceeds {limits.max_bytes} bytes")
    try:
        root: Element = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlError(f"not well-formed XML (line {exc.lineno})") from None
    if root.getroottree().docinfo.doctype:
        raise XmlError("a DTD is not allowed")
    _check_shape(root, limits)
    return root


def _check_shape(root: Element, limits: XmlLimits) -> None:
    depth = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        if depth > limits.max_depth:
            raise XmlError(f"document nesting exceeds depth {limits.max_depth}")
        if len(element.attrib) > limits.max_attributes:
            raise XmlError(f"an element has more than {limits.max_attributes} attributes")


def tostring(element: Element, *, declaration: bool = False) -> bytes:
    """Serialise ``element`` as UTF-8."""
    return bytes(etree.tostring(element, encoding="utf-8", xml_declaration=declaration))

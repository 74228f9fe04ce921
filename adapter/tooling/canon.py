"""Canonical text for envelopes and JSON documents, so that golden examples compare what matters and differences
read as a diff.

Envelopes: namespace prefixes, XML declaration, attribute order and indentation do not matter; ``xsi:type`` values
are compared by the QName they denote; the contents of a WS-Security header (nonces, timestamps, digests) are left
out. JSON: member order does not matter; numbers keep every digit (decimals are never floats here).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from lxml import etree

from adapter import xml
from adapter.settings import XmlLimits

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
_KNOWN = {
    "http://schemas.xmlsoap.org/soap/envelope/": "soap",
    "http://www.w3.org/2003/05/soap-envelope": "soap12",
    "http://www.w3.org/2001/XMLSchema-instance": "xsi",
    WSSE: "wsse",
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd": "wsu",
}


class _Prefixes:
    """Stable prefixes: well-known namespaces by their usual name, the others ns0, ns1… by first use."""

    def __init__(self) -> None:
        self.by_namespace: dict[str, str] = {}

    def name(self, clark: str) -> str:
        qname = etree.QName(clark)
        if not qname.namespace:
            return str(qname.localname)
        prefix = self.by_namespace.get(qname.namespace)
        if prefix is None:
            prefix = _KNOWN.get(qname.namespace) or f"ns{sum(1 for p in self.by_namespace.values() if p[:2] == 'ns')}"
            self.by_namespace[qname.namespace] = prefix
        return f"{prefix}:{qname.localname}"


def envelope_lines(data: bytes, limits: XmlLimits) -> list[str]:
    """One line per element, with canonical prefixes and a legend of namespaces at the top."""
    root = xml.parse(data, limits)
    prefixes = _Prefixes()
    body = list(_element(root, prefixes, 0))
    legend = [f"xmlns:{prefix}={namespace}" for namespace, prefix in prefixes.by_namespace.items()]
    return [*legend, *body]


def _element(element: Any, prefixes: _Prefixes, depth: int) -> Iterator[str]:
    pad = "  " * depth
    tag = prefixes.name(element.tag)
    attributes = "".join(
        f" {prefixes.name(k)}={_attribute(element, k, v, prefixes)!r}" for k, v in sorted(element.attrib.items())
    )
    children = [child for child in element if isinstance(child.tag, str)]
    if etree.QName(element).namespace == WSSE and etree.QName(element).localname == "Security":
        yield f"{pad}<{tag}{attributes}>(WS-Security contents not compared)</{tag}>"
        return
    text = (element.text or "").strip()
    if not children:
        yield f"{pad}<{tag}{attributes}>{text}</{tag}>"
        return
    yield f"{pad}<{tag}{attributes}>{text}"
    for child in children:
        yield from _element(child, prefixes, depth + 1)
    yield f"{pad}</{tag}>"


def _attribute(element: Any, name: str, value: str, prefixes: _Prefixes) -> str:
    if name == XSI_TYPE and ":" in value:
        prefix, _, local = value.partition(":")
        namespace = element.nsmap.get(prefix)
        if namespace:
            return prefixes.name(f"{{{namespace}}}{local}")
    return value


def json_lines(value: Any, *, ordered: bool = False) -> list[str]:
    """Indented JSON, decimals written with exactly their digits. Members are sorted (golden files compare without
    regard to order), or with ``ordered`` kept in the document's order: the mapping's, as ``serve`` answers."""
    return _json(value, 0, ordered).splitlines()


def _json(value: Any, depth: int, ordered: bool) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = value.items() if ordered else sorted(value.items())
        members = [f"{inner}{json.dumps(str(k))}: {_json(v, depth + 1, ordered)}" for k, v in items]
        return "{\n" + ",\n".join(members) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(f"{inner}{_json(v, depth + 1, ordered)}" for v in value) + f"\n{pad}]"
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value, ensure_ascii=False)


def pretty_json(raw: bytes) -> str:
    """The facade's JSON bytes indented for reading, every digit kept."""
    return "\n".join(json_lines(json.loads(raw, parse_float=Decimal)))


def pretty_xml(data: bytes, limits: XmlLimits) -> str:
    """An envelope indented for reading (as sent: same prefixes and declaration)."""
    root = xml.parse(data, limits)
    for element in root.iter():
        if isinstance(element.tag, str) and len(element) and not (element.text or "").strip():
            element.text = None
        if not (element.tail or "").strip():
            element.tail = None
    etree.indent(root)
    return xml.tostring(root, declaration=True).decode()


def diff(expected: Sequence[str], actual: Sequence[str], *, name: str) -> list[str]:
    """A unified diff, empty when the two are the same."""
    return list(difflib.unified_diff(list(expected), list(actual), f"expected ({name})", "actual", lineterm="", n=2))

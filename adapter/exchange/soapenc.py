"""SOAP 1.1 §5 encoding: references of replies resolved before they are decoded, and the typing of requests.

A value may be written once, as an independent element with an ``id`` (Axis writes ``<multiRef id="id0">`` next to
the operation's wrapper), and referred to by accessors with ``href="#id0"`` (§5.4.1). :func:`resolve` replaces
each such accessor by a copy of the element it refers to, under the accessor's name, and removes the independent
elements from the Body, so that the decoder reads an encoded reply as it reads a literal one. A value referred to
twice is copied twice: shared references decode to equal values. JSON cannot carry a cycle, and the adapter does not
guess where to cut one: a reference that refers back to an element it is inside is refused, as is a reference to
nothing, one outside the message, or a reply that grows past the XML limits once resolved (elements in all, and
nesting depth: the bounds a parsed document has, :class:`adapter.settings.XmlLimits`).

The encoding's own attributes (``id``, ``href``, ``soapenc:root``, ``encodingStyle``) are removed on the way, as
they are no part of the values; SOAP-ENC array attributes stay for the decoder (:func:`array_problem`).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from lxml import etree

from adapter.contract.builtins import XSD
from adapter.contract.port import SOAP11_ENV, SOAP12_ENV
from adapter.contract.xsd import SOAP_ENC, ComplexType, XsdType
from adapter.settings import XmlLimits

__all__ = [
    "ARRAY",
    "ARRAY_TYPE",
    "ENCODING_STYLE",
    "SOAP_ENC",
    "EncodingProblem",
    "array_problem",
    "qname_text",
    "resolve",
    "type_name",
    "typed_child",
]

ARRAY = f"{{{SOAP_ENC}}}Array"
ARRAY_TYPE = f"{{{SOAP_ENC}}}arrayType"
ENCODING_STYLE = "encodingStyle"  # an attribute in the envelope's namespace (SOAP 1.1 §4.1.1)
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_ROOT = f"{{{SOAP_ENC}}}root"
_OFFSET = f"{{{SOAP_ENC}}}offset"
_POSITION = f"{{{SOAP_ENC}}}position"
_ENCODING_STYLES = (f"{{{SOAP11_ENV}}}encodingStyle", f"{{{SOAP12_ENV}}}encodingStyle")
_DROPPED = ("id", "href", _ROOT, *_ENCODING_STYLES)
_SIZE = re.compile(r"\[([0-9, ]*)\]\s*$")


class EncodingProblem(Exception):
    """A reply the SOAP 1.1 §5 encoding rules refuse: ``element`` is where, for the problem's path."""

    def __init__(self, element: Any, message: str) -> None:
        super().__init__(message)
        self.element = element
        self.message = message


def resolve(body: Any, limits: XmlLimits) -> None:
    """Resolve the references of an encoded Body in place (see the module's docstring)."""
    targets = {element.get("id"): element for element in body.iter() if element.get("id") is not None}
    independent = [child for child in body if isinstance(child.tag, str) and _is_independent(child)]
    roots = [child for child in body if isinstance(child.tag, str) and not _is_independent(child)]
    for element in independent:
        body.remove(element)
    pending: list[tuple[Any, tuple[str, ...], int]] = [(root, (), 1) for root in roots]
    seen = 0
    while pending:
        element, chain, depth = pending.pop()
        seen += 1
        if seen > limits.max_elements:
            raise EncodingProblem(
                element,
                f"holds more than {limits.max_elements} elements once its references are resolved (SOAP 1.1 §5.4.1)",
            )
        if depth > limits.max_depth:
            raise EncodingProblem(
                element,
                f"nests deeper than {limits.max_depth} elements once its references are resolved (SOAP 1.1 §5.4.1)",
            )
        href = element.get("href")
        while href is not None:  # an independent element may itself refer on
            element, chain = _follow(element, href, targets, chain)
            href = element.get("href")
        for name in _DROPPED:
            if name in element.attrib:
                del element.attrib[name]
        pending.extend((child, chain, depth + 1) for child in element if isinstance(child.tag, str))


def _is_independent(element: Any) -> bool:
    """A top-level element with an ``id`` is an independent (multi-reference) value, not a serialization root,
    unless it says it is one (``soapenc:root="1"``, SOAP 1.1 §5.6)."""
    return element.get("id") is not None and element.get(_ROOT, "0").strip() not in ("1", "true")


def _follow(accessor: Any, href: str, targets: dict[str, Any], chain: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
    """The accessor replaced by a copy of the element ``href`` refers to, and the chain of references it is in."""
    if not href.startswith("#"):
        raise EncodingProblem(accessor, f"refers to {href!r}, outside the message, which the adapter does not fetch")
    key = href[1:]
    target = targets.get(key)
    if target is None:
        raise EncodingProblem(accessor, f"refers to #{key}, which the reply does not hold (SOAP 1.1 §5.4.1)")
    if key in chain:
        cycle = " → ".join(f"#{step}" for step in (*chain[chain.index(key) :], key))
        raise EncodingProblem(
            accessor, f"refers to #{key}, which holds it: a cycle of references ({cycle}), which JSON cannot carry"
        )
    value = copy.deepcopy(target)
    value.tag = accessor.tag
    value.tail = accessor.tail
    for name, text in accessor.attrib.items():
        if name != "href" and name not in value.attrib:
            value.set(name, text)
    accessor.getparent().replace(accessor, value)
    return value, (*chain, key)


def array_problem(element: Any, count: int) -> str | None:
    """What breaks SOAP 1.1 §5.4.2 in an array instance holding ``count`` items, or ``None``: a size in
    ``soapenc:arrayType`` that the items do not match. Partially transmitted and sparse arrays (``soapenc:offset``,
    ``soapenc:position``, §5.4.2.1-2) are refused: their missing items have no value JSON could give them."""
    if element.get(_OFFSET) is not None or any(child.get(_POSITION) is not None for child in element):
        return "is a partially transmitted or sparse array (soapenc:offset/position), which the adapter does not read"
    written = element.get(ARRAY_TYPE)
    size = _SIZE.search(written or "")
    if size is None or not size.group(1).strip():
        return None
    total = 1
    for dimension in size.group(1).split(","):
        if not dimension.strip():
            return None
        total *= int(dimension)
    if total != count:
        return f"holds {count} items; its soapenc:arrayType {written} says {total}"
    return None


# -- requests ---------------------------------------------------------------------------------------------------


def type_name(shape: XsdType) -> str:
    """The Clark name an encoded value's ``xsi:type`` gives (SOAP 1.1 §5.1: every value has a type): the type's
    own name, an anonymous simple type's built-in, ``xsd:anyType`` for an anonymous complex type."""
    if shape.name:
        return shape.name
    if isinstance(shape, ComplexType):
        return f"{{{XSD}}}anyType"
    return f"{{{XSD}}}{shape.builtin}"


def typed_child(parent: Any, tag: str, named: str, *more: str) -> Any:
    """A new element ``tag`` under ``parent`` typed ``xsi:type=named``; the namespaces of ``named`` and ``more``
    (Clark names the caller writes as QName text) declared on it where the parent has no prefix for them."""
    missing = [ns for ns in dict.fromkeys(_namespace(n) for n in (named, *more)) if ns and _prefix(parent, ns) is None]
    nsmap = {f"ns-t{index}": namespace for index, namespace in enumerate(missing)} or None
    child = etree.SubElement(parent, tag, nsmap=nsmap)
    child.set(XSI_TYPE, qname_text(child, named))
    return child


def qname_text(element: Any, clark: str) -> str:
    """``prefix:local`` for a Clark name, with a prefix in scope at ``element``."""
    namespace = _namespace(clark)
    local = clark.rpartition("}")[2]
    if not namespace:
        return local
    prefix = _prefix(element, namespace)
    if prefix is None:
        raise ValueError(f"no prefix for {namespace} in scope")  # typed_child declares it: a defect of the caller
    return f"{prefix}:{local}"


def _namespace(clark: str) -> str:
    return clark[1:].partition("}")[0] if clark.startswith("{") else ""


def _prefix(element: Any, namespace: str) -> str | None:
    return next((p for p, ns in element.nsmap.items() if ns == namespace and p), None)

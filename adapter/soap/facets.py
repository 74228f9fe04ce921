"""What zeep reads but drops, read again from the same documents: enumerations, ranges and SOAP encoding.

zeep keeps a restricted simple type's base and name but drops its facets (XSD part 2 §4.3.5 ``enumeration``,
§4.3.7-4.3.10 the range facets), so this reads them from the same documents zeep loaded. Keys are the type's Clark
name as zeep reports it: a global type's own name, or for an anonymous type the name of the element or attribute
declaring it (kept only when that name is unambiguous). zeep also forgets a binding's ``soap:body use="encoded"``
once it has resolved it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from lxml import etree

from adapter import xml
from adapter.intake.fixups import WSDL11, XSD, Parse

_SIMPLE_TYPE = f"{{{XSD}}}simpleType"
_RESTRICTION = f"{{{XSD}}}restriction"
_ENUMERATION = f"{{{XSD}}}enumeration"
_SCHEMA = f"{{{XSD}}}schema"
_RANGE = ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive")
T = TypeVar("T", tuple[str, ...], dict[str, str])


def enumerations(documents: Iterable[bytes], parse: Parse) -> Mapping[str, tuple[str, ...]]:
    """Clark type name → enumerated values, over every schema in ``documents``."""
    return _by_type(documents, parse, b"enumeration", _values)


def bounds(documents: Iterable[bytes], parse: Parse) -> Mapping[str, Mapping[str, str]]:
    """Clark type name → its range facets as written (XSD part 2 §4.3.7-4.3.10: ``minInclusive``,
    ``maxInclusive``, ``minExclusive``, ``maxExclusive``), over every schema in ``documents``."""
    return _by_type(documents, parse, b"clusive", _range)


def _by_type(documents: Iterable[bytes], parse: Parse, marker: bytes, read: Callable[[xml.Element], T]) -> dict[str, T]:
    named: dict[str, T] = {}
    anonymous: dict[str, T | None] = {}
    for data in documents:
        if marker not in data:
            continue
        root = parse(data)
        if root is None:
            continue
        for schema in root.iter(_SCHEMA):
            _collect(schema, read, named, anonymous)
    found = {name: values for name, values in anonymous.items() if values is not None and name not in named}
    found.update(named)
    return found


def _collect(
    schema: xml.Element, read: Callable[[xml.Element], T], named: dict[str, T], anonymous: dict[str, T | None]
) -> None:
    tns = schema.get("targetNamespace") or ""
    for simple in schema.iter(_SIMPLE_TYPE):
        values = read(simple)
        if not values:
            continue
        parent = simple.getparent()
        if parent is schema:
            named[_clark(tns, simple.get("name") or "")] = values
            continue
        owner = parent.get("name") if parent is not None else None
        if owner:
            key = _clark(tns, owner)
            anonymous[key] = values if anonymous.get(key, values) == values else None  # ambiguous: drop it


def _values(simple: xml.Element) -> tuple[str, ...]:
    restriction = simple.find(_RESTRICTION)
    if restriction is None:
        return ()
    return tuple(str(e.get("value")) for e in restriction.iterchildren(_ENUMERATION) if e.get("value") is not None)


def _range(simple: xml.Element) -> dict[str, str]:
    restriction = simple.find(_RESTRICTION)
    if restriction is None:
        return {}
    facets = {name: restriction.find(f"{{{XSD}}}{name}") for name in _RANGE}
    return {name: str(e.get("value")).strip() for name, e in facets.items() if e is not None and e.get("value")}


def _clark(namespace: str, name: str) -> str:
    return str(etree.QName(namespace or None, name))


def encoded_operations(documents: Iterable[bytes], parse: Parse) -> frozenset[tuple[str, str]]:
    """``(binding, operation)`` local names whose input uses SOAP encoding (WSDL 1.1 §3.5 ``use="encoded"``)."""
    found: set[tuple[str, str]] = set()
    for data in documents:
        if b"encoded" not in data:
            continue
        root = parse(data)
        if root is None:
            continue
        for binding in root.iter(f"{{{WSDL11}}}binding"):
            for operation in binding.iterchildren(f"{{{WSDL11}}}operation"):
                body = next((e for e in operation.iterfind(f"{{{WSDL11}}}input/*") if _local(e) == "body"), None)
                if body is not None and body.get("use") == "encoded":
                    found.add((str(binding.get("name")), str(operation.get("name"))))
    return frozenset(found)


def _local(element: xml.Element) -> str:
    return str(etree.QName(element).localname) if isinstance(element.tag, str) else ""

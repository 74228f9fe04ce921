"""Repairs of contract documents that real services publish and zeep misreads, applied as they are loaded.

Each repair is narrow, named after what it fixes, and only runs when a cheap byte test says it may apply: the
3 MB contracts pay nothing for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from adapter import xml
from adapter.exceptions import ContractError

WSDL11 = "http://schemas.xmlsoap.org/wsdl/"
WSDL20 = "http://www.w3.org/ns/wsdl"
XSD = "http://www.w3.org/2001/XMLSchema"

Parse = Callable[[bytes], "xml.Element | None"]  # zeep's hardened contract parser; None if not well-formed

_STRAY_IMPORT = re.compile(rb"<(?:[\w.-]+:)?types\b[^>]*>(?:\s|<!--.*?-->)*<(?:[\w.-]+:)?(?:import|include)\b", re.S)


def repair(data: bytes, path: Path, *, first: bool, parse: Parse) -> bytes:
    """``data`` as zeep should see it. ``first`` marks the contract's main document."""
    if first and WSDL20.encode() in data:
        _refuse_wsdl20(parse(data), path)
    if _STRAY_IMPORT.search(data):
        return _wrap_stray_imports(parse(data), data)
    return data


def _refuse_wsdl20(root: xml.Element | None, path: Path) -> None:
    """WSDL 2.0 (``description``) loads in zeep as an empty WSDL 1.1 document: refuse it by name instead."""
    if root is not None and etree.QName(root).namespace == WSDL20:
        raise ContractError(
            f"{path.name} is a WSDL 2.0 document ({WSDL20}); the adapter reads WSDL 1.1 contracts: "
            "ask the provider for the WSDL 1.1 description of the service"
        )


def _wrap_stray_imports(root: xml.Element | None, data: bytes) -> bytes:
    """Move ``xsd:import``/``xsd:include`` found directly under ``wsdl:types`` into an ``xsd:schema`` of their own.

    WSDL 1.1 §2.2 only allows schemas there; some rpc/literal contracts import their types bare, and zeep then drops
    every operation with nothing but a warning.
    """
    if root is None:
        return data
    changed = False
    for types in root.iter(f"{{{WSDL11}}}types"):
        stray = [child for child in types if child.tag in (f"{{{XSD}}}import", f"{{{XSD}}}include")]
        if stray:
            schema = etree.SubElement(types, f"{{{XSD}}}schema", nsmap={"xsd": XSD})
            schema.extend(stray)
            changed = True
    return xml.tostring(root, declaration=True) if changed else data

"""Decode SOAP payloads into plain data, driven by the contract's shapes.

This replaces zeep's object building on the reply path: one walk over the lxml tree that yields dicts, lists,
``Decimal``, ``date`` and ``datetime``, and keeps the difference between an absent element (key left out) and a nil
one (``None``, XML Schema §2.6.2 ``xsi:nil``). Repeated elements are lists even when one or none arrived.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import isodate
from lxml import etree

from adapter.exceptions import BackendProtocolError
from adapter.mapping.shapes import VALUE_KEY, Complex, Kind, Shape, Simple

XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NIL = f"{{{XSI}}}nil"


def decode(element: etree._Element, shape: Shape) -> Any:
    """The plain value of ``element`` according to ``shape``."""
    if element.get(_NIL) in ("true", "1"):
        return None
    if isinstance(shape, Simple):
        return decode_text(element.text or "", shape, _local(element.tag))
    return _complex(element, shape)


def _complex(element: etree._Element, shape: Complex) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, attribute in shape.attributes.items():
        raw = element.get(name)
        if raw is not None:
            out[name] = decode_text(raw, attribute, name)
    if shape.value is not None:
        out[VALUE_KEY] = decode_text(element.text or "", shape.value, _local(element.tag))
    for child_field in shape.fields.values():
        if child_field.is_list:
            out[child_field.name] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        found = shape.fields.get(name)
        if found is None:
            if shape.open:
                _put(out, name, generic(child), repeat=name in out)
            continue  # an element the contract does not know: tolerated, as newer backends add fields
        _put(out, name, decode(child, found.shape), repeat=found.is_list)
    return out


def _put(out: dict[str, Any], name: str, value: Any, *, repeat: bool) -> None:
    if not repeat:
        out[name] = value
        return
    existing = out.get(name)
    if isinstance(existing, list):
        existing.append(value)
    else:
        out[name] = [value] if name not in out else [existing, value]


def generic(element: etree._Element) -> Any:
    """Plain data for content the contract leaves open (``xsd:any``): text, or a dict of children and attributes."""
    if element.get(_NIL) in ("true", "1"):
        return None
    children = [child for child in element if isinstance(child.tag, str)]
    if not children and not element.attrib:
        return element.text or ""
    out: dict[str, Any] = {_local(k): v for k, v in element.attrib.items() if not k.startswith(f"{{{XSI}}}")}
    if element.text and element.text.strip():
        out[VALUE_KEY] = element.text
    for child in children:
        name = _local(child.tag)
        _put(out, name, generic(child), repeat=name in out)
    return out


def decode_text(text: str, simple: Simple, where: str) -> Any:
    """Convert one lexical value (XML Schema part 2 lexical space) to its Python value."""
    try:
        return _DECODERS[simple.kind](text)
    except (ValueError, InvalidOperation, ArithmeticError, isodate.ISO8601Error):
        raise BackendProtocolError(f"the backend reply has an invalid {simple.kind.value} value in {where}") from None


def _decimal(text: str) -> Decimal:
    value = Decimal(text.strip())
    if not value.is_finite():
        raise ValueError("not a finite decimal")
    return value


def _boolean(text: str) -> bool:
    value = text.strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ValueError(value)


def _date(text: str) -> date:
    value: date = isodate.parse_date(text.strip()[:10])  # a timezone suffix on xsd:date is dropped
    return value


def _datetime(text: str) -> datetime:
    value: datetime = isodate.parse_datetime(text.strip())
    return value


def _time(text: str) -> time:
    value: time = isodate.parse_time(text.strip())
    return value


def _binary(text: str) -> str:
    stripped = "".join(text.split())
    base64.b64decode(stripped, validate=True)  # only checks it; JSON carries base64 text as is
    return stripped


def _float(text: str) -> float:
    return float(text.strip().replace("INF", "inf"))


_DECODERS: dict[Kind, Callable[[str], Any]] = {
    Kind.STRING: str,
    Kind.INTEGER: lambda text: int(text.strip()),
    Kind.DECIMAL: _decimal,
    Kind.FLOAT: _float,
    Kind.BOOLEAN: _boolean,
    Kind.DATE: _date,
    Kind.DATETIME: _datetime,
    Kind.TIME: _time,
    Kind.BINARY: _binary,
    Kind.ANY: str,
}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]

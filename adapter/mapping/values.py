"""Inbound values: what a JSON caller sent, converted to the XSD type the contract declares.

The schema decides: a path segment ``"2"`` becomes ``2`` for an ``xsd:int`` and stays ``"0042"`` for an
``xsd:string``; a JSON number or numeric string becomes an exact ``Decimal`` for an ``xsd:decimal``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from adapter.mapping.functions import TransformError
from adapter.mapping.shapes import Kind, Simple

_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_INTEGER = re.compile(r"^[+-]?\d+$")
MAX_DIGITS = 60  # far beyond any xsd:decimal a bank uses; refuses "1e999999" style bombs early


def to_xsd(value: Any, simple: Simple) -> Any:
    """Convert ``value`` for ``simple``; raises :class:`TransformError` with a caller-facing message."""
    if value is None:
        return None
    converted = _CONVERTERS[simple.kind](value)
    if simple.enumeration and str(converted) not in simple.enumeration:
        raise TransformError(f"must be one of: {', '.join(simple.enumeration)}")
    return converted


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if _is_int(value):
        return str(value)
    raise TransformError("must be a string")


def _decimal(value: Any) -> Decimal:
    if _is_int(value):
        return Decimal(value)
    if isinstance(value, Decimal):
        return _bounded(value)
    if isinstance(value, str) and _DECIMAL.match(value.strip()):
        return _bounded(Decimal(value.strip()))
    raise TransformError("must be a decimal number (a JSON number or a numeric string)")


def _bounded(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise TransformError("must be a finite decimal number")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if len(value.as_tuple().digits) > MAX_DIGITS or abs(exponent) > MAX_DIGITS:
        raise TransformError(f"must have at most {MAX_DIGITS} digits")
    return value


def _integer(value: Any) -> int:
    if _is_int(value):
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(_bounded(value))
    if isinstance(value, str) and _INTEGER.match(value.strip()) and len(value) <= MAX_DIGITS:
        return int(value.strip())
    raise TransformError("must be an integer")


def _float(value: Any) -> float:
    if _is_int(value) or isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise TransformError("must be a number")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise TransformError("must be true or false")


def _parsed(parse: Callable[[str], Any], what: str) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return parse(value)
            except ValueError:
                pass
        raise TransformError(f"must be {what}")

    return convert


def _iso_date(text: str) -> date:
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


def _binary(value: Any) -> str:
    if isinstance(value, str):
        try:
            base64.b64decode(value, validate=True)
            return value
        except (binascii.Error, ValueError):
            pass
    raise TransformError("must be base64 text")


_CONVERTERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.STRING: _string,
    Kind.INTEGER: _integer,
    Kind.DECIMAL: _decimal,
    Kind.FLOAT: _float,
    Kind.BOOLEAN: _boolean,
    Kind.DATE: _parsed(_iso_date, "a date (YYYY-MM-DD)"),
    Kind.DATETIME: _parsed(datetime.fromisoformat, "a date-time (ISO 8601)"),
    Kind.TIME: _parsed(time.fromisoformat, "a time (ISO 8601)"),
    Kind.BINARY: _binary,
    Kind.ANY: lambda value: value,
}

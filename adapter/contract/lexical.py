"""Lexical spaces of the XSD built-in datatypes (XML Schema Part 2 §3): text ⇄ plain value, for one built-in.

Plain values: ``str`` for strings and for every date and time type (their lexical form, timezone offset kept
exactly: ``2024-01-31+01:00`` is a date that Python's ``date`` cannot hold), ``int`` for integers, ``Decimal`` for
decimals (never float), ``float`` for float/double (``"INF"``, ``"-INF"``, ``"NaN"`` as those strings, which JSON
cannot carry as numbers), ``bool`` for booleans, base64 or hex text for binary.

Each reader takes text already processed by the whiteSpace facet and raises :class:`ValueProblem` with a message
for the caller; each writer gives the canonical-enough lexical form of a value.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from adapter.contract import builtins
from adapter.contract.builtins import Kind


class ValueProblem(ValueError):
    """A value the contract does not accept; the message names the rule, for the caller."""


class WideInteger(int):
    """An integer of a type whose values may exceed ±(2^53−1): written as a JSON string (the proto3 and OpenAPI
    ``int64`` convention) unless a mapping asks for a number (``transform: number``)."""

    __slots__ = ()


Reader = Callable[[str], Any]
Writer = Callable[[Any], str]

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_FLOAT = re.compile(r"(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|-?INF|\+INF|NaN)")
_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_YEAR = r"-?(?:[1-9][0-9]{4,}|[0-9]{4})"
DATE_LEXICAL = re.compile(rf"({_YEAR})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]){_TZ}")
TIME_LEXICAL = re.compile(rf"(?:([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(?:\.[0-9]+)?|24:00:00(?:\.0+)?){_TZ}")
DATETIME_LEXICAL = re.compile(
    rf"({_YEAR})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T"
    rf"(?:([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?){_TZ}"
)
_DURATION = re.compile(
    r"-?P(?=.)(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?(?:T(?=.)(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?"
)
_GREGORIAN = {
    "gYearMonth": re.compile(rf"{_YEAR}-(0[1-9]|1[0-2]){_TZ}"),
    "gYear": re.compile(rf"{_YEAR}{_TZ}"),
    "gMonthDay": re.compile(rf"--(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]){_TZ}"),
    "gDay": re.compile(rf"---(0[1-9]|[12][0-9]|3[01]){_TZ}"),
    "gMonth": re.compile(rf"--(0[1-9]|1[0-2]){_TZ}"),
}
_NAME_START = (  # XML 1.0 §2.3 NameStartChar
    r":A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
    r"\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD"
)
_NAME_CHAR = _NAME_START + r"\-.0-9\u00B7\u0300-\u036F\u203F-\u2040"
# Name patterns (XML 1.0 §2.3), compiled when first used: the Unicode ranges make them slow to compile.
_NAMES = {
    "Name": (f"[{_NAME_START}][{_NAME_CHAR}]*"),
    "NCName": (f"[{_NAME_START.replace(':', '')}][{_NAME_CHAR.replace(':', '')}]*"),
    "ID": (f"[{_NAME_START.replace(':', '')}][{_NAME_CHAR.replace(':', '')}]*"),
    "IDREF": (f"[{_NAME_START.replace(':', '')}][{_NAME_CHAR.replace(':', '')}]*"),
    "ENTITY": (f"[{_NAME_START.replace(':', '')}][{_NAME_CHAR.replace(':', '')}]*"),
    "NMTOKEN": (f"[{_NAME_CHAR}]+"),
    "language": (r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*"),
    "QName": (
        f"(?:[{_NAME_START.replace(':', '')}][{_NAME_CHAR.replace(':', '')}]*:)?"
        f"[{_NAME_START.replace(':', '')}][{_NAME_CHAR.replace(':', '')}]*"
    ),
}
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})*")
# XML 1.0 §2.2 Char: what an XML document can carry at all.
XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

DESCRIPTIONS = {
    Kind.INTEGER: "an integer",
    Kind.DECIMAL: "a decimal number (a JSON number or a numeric string)",
    Kind.FLOAT: "a number",
    Kind.BOOLEAN: "true or false",
    Kind.DATE: "a date (YYYY-MM-DD, optionally with a timezone offset)",
    Kind.DATETIME: "a date-time (YYYY-MM-DDThh:mm:ss, optionally with fractions and a timezone offset)",
    Kind.TIME: "a time (hh:mm:ss, optionally with fractions and a timezone offset)",
}


def _fail(what: str) -> ValueProblem:
    return ValueProblem(f"must be {what}")


def read_integer(text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise _fail("an integer")
    return int(text)


def read_decimal(text: str) -> Decimal:
    if not _DECIMAL.fullmatch(text):
        raise _fail(DESCRIPTIONS[Kind.DECIMAL])
    try:
        return Decimal(text)
    except InvalidOperation:
        raise _fail(DESCRIPTIONS[Kind.DECIMAL]) from None


def read_float(text: str) -> float | str:
    if not _FLOAT.fullmatch(text):
        raise _fail("a number")
    if text in ("INF", "+INF", "-INF", "NaN"):
        return text.lstrip("+")
    return float(text)


def read_boolean(text: str) -> bool:
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise _fail("true or false")


def _calendar(match: re.Match[str] | None, what: Kind) -> None:
    if match is None:
        raise _fail(DESCRIPTIONS[what])
    year = int(match.group(1))
    if 1 <= year <= 9999:
        try:
            date(year, int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise ValueProblem(f"must be {DESCRIPTIONS[what]}: no such day") from None


def read_date(text: str) -> str:
    _calendar(DATE_LEXICAL.fullmatch(text), Kind.DATE)
    return text


def read_datetime(text: str) -> str:
    _calendar(DATETIME_LEXICAL.fullmatch(text), Kind.DATETIME)
    return text


def read_time(text: str) -> str:
    if not TIME_LEXICAL.fullmatch(text):
        raise _fail(DESCRIPTIONS[Kind.TIME])
    return text


def read_base64(text: str) -> str:
    compact = "".join(text.split())
    if not _BASE64.fullmatch(compact):
        raise _fail("base64 text")
    return compact


def read_hex(text: str) -> str:
    if not _HEX.fullmatch(text):
        raise _fail("hexadecimal text (an even number of 0-9, A-F)")
    return text


def _patterned(pattern: re.Pattern[str], what: str) -> Reader:
    def read(text: str) -> str:
        if not pattern.fullmatch(text):
            raise _fail(what)
        return text

    return read


def _identity(text: str) -> str:
    return text


def reader(builtin: str) -> Reader:
    """The reader of one atomic built-in (by local name)."""
    kind = builtins.kind(builtin)
    if kind in _READERS:
        return _READERS[kind]
    if builtin == "base64Binary":
        return read_base64
    if builtin == "hexBinary":
        return read_hex
    if builtin == "duration":
        return _patterned(_DURATION, "a duration (PnYnMnDTnHnMnS)")
    if builtin in _GREGORIAN:
        return _patterned(_GREGORIAN[builtin], f"an xsd:{builtin}")
    if builtin in _NAMES:
        return _patterned(re.compile(_NAMES[builtin]), f"an xsd:{builtin}")
    return _identity


_READERS: dict[Kind, Reader] = {
    Kind.INTEGER: read_integer,
    Kind.DECIMAL: read_decimal,
    Kind.FLOAT: read_float,
    Kind.BOOLEAN: read_boolean,
    Kind.DATE: read_date,
    Kind.DATETIME: read_datetime,
    Kind.TIME: read_time,
}


# -- writing ----------------------------------------------------------------------------------------------------


def write(value: Any) -> str:
    """The lexical form of a plain value (Part 2 canonical forms where it matters: no exponent for decimals)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")  # str() may give "1E+2", which is no xsd:decimal lexical form (§3.2.3.1)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, (datetime, time)):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "INF" if value > 0 else "-INF"
    return repr(value)


# -- inbound: JSON values -------------------------------------------------------------------------------------


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def lexical_of(value: Any, kind: Kind) -> str:
    """The text a JSON value stands for as a value of ``kind``, before the reader checks it: a JSON number or a
    numeric string for numbers, ``true``/``false`` (or their JSON booleans), dates as strings (or date objects a
    transform made)."""
    if kind is Kind.BOOLEAN:
        if isinstance(value, bool):
            return "true" if value else "false"
        if value in ("true", "false"):
            return str(value)
        raise _fail("true or false")
    if isinstance(value, bool):
        raise _fail(DESCRIPTIONS.get(kind, "a string"))
    if kind in (Kind.INTEGER, Kind.DECIMAL, Kind.FLOAT):
        if is_int(value) or isinstance(value, (Decimal, float)):
            if isinstance(value, Decimal) and not value.is_finite():
                raise _fail("a finite number")
            return write(value)
        if isinstance(value, str):
            return value.strip()
        raise _fail(DESCRIPTIONS[kind])
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, str):
        return value
    if is_int(value) or isinstance(value, Decimal):
        return write(value)
    raise _fail("a string")


def binary_length(text: str, builtin: str) -> int:
    """Octets in binary text (the unit of length facets on binary types, Part 2 §4.3.1)."""
    if builtin == "hexBinary":
        return len(text) // 2
    try:
        return len(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return len(text)

"""JSON in and out of the facade, exactly: no number ever passes through float.

Inbound numbers become ``int`` or ``Decimal`` (RFC 8259 §6 leaves precision to the parser; we keep all of it),
duplicate member names are refused (RFC 8259 §4: behaviour is unpredictable, so we don't guess), NaN and Infinity
are not JSON. Outbound decimals are written as strings, or as exact JSON numbers where a mapping asks for it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson

from adapter.contract.lexical import WideInteger
from adapter.exceptions import RequestError, excerpt
from adapter.mapping.functions import ExactNumber
from adapter.settings import JsonLimits

MAX_ECHOED_KEY = 64  # a member name quoted in an error; the caller sent it, so it needs no more to find it


class JsonError(RequestError):
    problem_type = "invalid-json"
    title = "Invalid JSON"


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JsonError(f"duplicate member {excerpt(key, MAX_ECHOED_KEY)!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise JsonError(f"{name} is not a JSON value")


def parse(data: bytes, limits: JsonLimits) -> Any:
    """Parse a request body; raises :class:`JsonError` (400) with a short reason."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonError("the body is not UTF-8") from None
    try:
        value = json.loads(text, parse_float=Decimal, object_pairs_hook=_object, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise JsonError(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise JsonError(f"the JSON document nests deeper than {limits.max_depth}") from None
    except ValueError:  # int() beyond sys.get_int_max_str_digits()
        raise JsonError(f"a number has more than {limits.max_number_digits} digits") from None
    _Shape(limits).check(value)
    return value


class _Shape:
    """Checks a parsed document against the limits (depth, widths, lengths, number sizes), iteratively."""

    def __init__(self, limits: JsonLimits) -> None:
        self.limits = limits

    def check(self, root: Any) -> None:
        stack: list[tuple[Any, int]] = [(root, 1)]
        while stack:
            value, depth = stack.pop()
            if isinstance(value, dict):
                self._container(len(value), depth, self.limits.max_keys, "an object has more than {} members")
                for key in value:
                    self._string(key)
                stack.extend((child, depth + 1) for child in value.values())
            elif isinstance(value, list):
                self._container(len(value), depth, self.limits.max_array_length, "an array has more than {} items")
                stack.extend((child, depth + 1) for child in value)
            elif isinstance(value, str):
                self._string(value)
            elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                self._number(value)

    def _container(self, size: int, depth: int, limit: int, message: str) -> None:
        if depth > self.limits.max_depth:
            raise JsonError(f"the JSON document nests deeper than {self.limits.max_depth}")
        if size > limit:
            raise JsonError(message.format(limit))

    def _string(self, value: str) -> None:
        if len(value) > self.limits.max_string_length:
            raise JsonError(f"a string is longer than {self.limits.max_string_length} characters")

    def _number(self, value: int | Decimal) -> None:
        limit = self.limits.max_number_digits
        if isinstance(value, int):
            too_big = value.bit_length() > limit * 3.33
        else:
            sign, digits, exponent = value.as_tuple()
            too_big = len(digits) > limit or not isinstance(exponent, int) or abs(exponent) > limit
        if too_big:
            raise JsonError(f"a number has more than {limit} digits or an exponent beyond ±{limit}")


def _default(value: Any) -> Any:
    if isinstance(value, ExactNumber):
        return orjson.Fragment(format(value, "f").encode())
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, WideInteger):
        return str(value)  # beyond ±(2^53−1) a JSON number is not exact for every reader: proto3's int64 as a string
    if isinstance(value, str):  # other subclasses of built-in types, as their base
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(value: Any) -> bytes:
    """Serialise plain data: Decimal as an exact string (or number for ``ExactNumber``), integers of wide types as
    strings, dates as ISO 8601."""
    return orjson.dumps(value, default=_default, option=orjson.OPT_PASSTHROUGH_SUBCLASS)

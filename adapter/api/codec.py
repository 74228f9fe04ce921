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

from adapter.exceptions import RequestError
from adapter.mapping.functions import ExactNumber
from adapter.settings import JsonLimits


class JsonError(RequestError):
    problem_type = "invalid-json"
    title = "Invalid JSON"


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JsonError(f"duplicate member {key!r}")
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
    except (RecursionError, ValueError):
        raise JsonError("the JSON document is too deeply nested or has an oversized number") from None
    if _depth(value, limits.max_depth) > limits.max_depth:
        raise JsonError(f"the JSON document nests deeper than {limits.max_depth}")
    return value


def _depth(value: Any, limit: int, level: int = 0) -> int:
    """Nesting depth of containers (a scalar is 0), counted no further than just past ``limit``."""
    if not isinstance(value, (dict, list)):
        return level
    if level >= limit:
        return level + 1
    children = value.values() if isinstance(value, dict) else value
    return max((_depth(child, limit, level + 1) for child in children), default=level + 1)


def _default(value: Any) -> Any:
    if isinstance(value, ExactNumber):
        return orjson.Fragment(format(value, "f").encode())
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(value: Any) -> bytes:
    """Serialise plain data: Decimal as an exact string (or number for ``ExactNumber``), dates as ISO 8601."""
    return orjson.dumps(value, default=_default)

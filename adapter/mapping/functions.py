"""The closed set of named transforms a mapping may use. There is no eval: a name not listed here is an error.

Each transform works both ways: ``inbound`` on the way to SOAP (request values), ``outbound`` on the way to JSON
(reply values), so a route can use one spec for a field that it both accepts and returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


class TransformError(ValueError):
    """An inbound value the transform cannot accept; the message is shown to the caller."""


class ExactNumber(Decimal):
    """A decimal to be written as a JSON number with exactly its digits (never through float)."""

    __slots__ = ()


@dataclass(frozen=True)
class Transform:
    name: str
    inbound: Callable[[Any], Any]
    outbound: Callable[[Any], Any]
    json_schema: Mapping[str, Any] = field(default_factory=dict)  # overrides for the OpenAPI type


def _identity(value: Any) -> Any:
    return value


def _strings(fn: Callable[[str], str]) -> Callable[[Any], Any]:
    return lambda value: fn(value) if isinstance(value, str) else value


def alpha(width: int = 10) -> Transform:
    """SAP's ALPHA conversion exit: numeric keys are zero-padded to ``width`` inbound and shown without the
    leading zeros outbound (``0000100042`` ⇄ ``100042``). Values with other characters pass unchanged."""

    def inbound(value: Any) -> Any:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(text, str) and text.isdigit():
            if len(text.lstrip("0")) > width:
                raise TransformError(f"must have at most {width} digits")
            return text.zfill(width)
        return text

    def outbound(value: Any) -> Any:
        if isinstance(value, str) and value.isdigit():
            return value.lstrip("0") or "0"
        return value

    return Transform("alpha", inbound, outbound)


def value_map(table: Mapping[str, Any]) -> Transform:
    """Translate codes: outbound SOAP → JSON with ``table``, inbound JSON → SOAP with its inverse."""
    forward = {str(k): v for k, v in table.items()}
    reverse = {str(v): k for k, v in forward.items()}
    allowed = ", ".join(sorted(reverse))

    def inbound(value: Any) -> Any:
        if value is None:
            return None
        try:
            return reverse[str(value)]
        except KeyError:
            raise TransformError(f"must be one of: {allowed}") from None

    def outbound(value: Any) -> Any:
        return forward.get(str(value), value) if value is not None else None

    return Transform("map", inbound, outbound, {"enum": sorted(reverse)})


def _number_out(value: Any) -> Any:
    if isinstance(value, Decimal):
        return ExactNumber(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)  # a wide integer (xsd:long...) as a JSON number, as the mapping asks
    return value


def _to_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


_SIMPLE: dict[str, Transform] = {
    "number": Transform("number", _identity, _number_out, {"type": "number"}),
    "string": Transform("string", _identity, _to_text, {"type": "string"}),
    "upper": Transform("upper", _strings(str.upper), _strings(str.upper)),
    "lower": Transform("lower", _strings(str.lower), _strings(str.lower)),
    "trim": Transform("trim", _strings(str.strip), _strings(str.strip)),
    "compact": Transform("compact", _strings(lambda s: "".join(s.split())), _strings(lambda s: "".join(s.split()))),
}

_FACTORIES: dict[str, Callable[..., Transform]] = {"alpha": alpha, "map": value_map}

NAMES = sorted([*_SIMPLE, *_FACTORIES])


def build(spec: str | Mapping[str, Any]) -> Transform:
    """The transform for one spec: ``"number"``, ``"alpha"``, ``{"alpha": {"width": 10}}``, ``{"map": {...}}``.

    Raises ``KeyError`` for an unknown name and ``TypeError``/``ValueError`` for bad options.
    """
    if isinstance(spec, str):
        if spec in _SIMPLE:
            return _SIMPLE[spec]
        if spec == "alpha":
            return alpha()
        raise KeyError(spec)
    if len(spec) != 1:
        raise ValueError("a transform object has exactly one key, its name")
    ((name, options),) = spec.items()
    if name in _SIMPLE and options in (None, {}):
        return _SIMPLE[name]
    if name == "map":
        if not isinstance(options, Mapping) or not options:
            raise ValueError("map takes a non-empty table of code: value")
        return value_map(options)
    if name == "alpha":
        if not isinstance(options, Mapping):
            raise ValueError("alpha takes {width: N}")
        return alpha(**options)
    raise KeyError(name)

"""Inbound values: what a JSON caller sent, converted to the XSD type the contract declares and checked against
every facet of it (:mod:`adapter.contract.values`) before anything reaches a backend.

The schema decides: a path segment ``"2"`` becomes ``2`` for an ``xsd:int`` and stays ``"0042"`` for an
``xsd:string``; a JSON number or numeric string becomes an exact ``Decimal`` for an ``xsd:decimal``; an ``xsd:long``
is accepted as a number or a string; an ``xsd:list`` as an array or a string of space-separated values.
"""

from __future__ import annotations

from typing import Any

from adapter.contract.values import ValueProblem, codec
from adapter.contract.xsd import SimpleType
from adapter.mapping.functions import TransformError


def to_xsd(value: Any, simple: SimpleType) -> Any:
    """Convert ``value`` for ``simple``; raises :class:`TransformError` with a caller-facing message."""
    if value is None:
        return None
    try:
        return codec(simple).accept(value)
    except ValueProblem as exc:
        raise TransformError(str(exc)) from None


def check_fixed(value: Any, simple: SimpleType, fixed: str) -> None:
    """An element or attribute with a fixed value (Part 1 §3.3.1, §3.2.1) takes that value and no other."""
    simple_codec = codec(simple)
    try:
        same = simple_codec.accept(fixed) == value
    except ValueProblem:
        same = simple_codec.write(value) == fixed
    if not same:
        raise TransformError(f"must be {fixed} (a fixed value)")

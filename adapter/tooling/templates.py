"""The request and response templates of a scaffolded route, from an operation's message types.

Everything the contract has is mapped, down to a depth and up to a count of optional values per message: nested
elements as ``fields``, repeated elements and repeated model groups as ``each`` (nested too: ``Payments/Payment``
inside a repeated ``Entry`` is an ``each`` inside an ``each``), derived types with ``_type`` and the members of
every derived type, choices with every branch (a caller sends one), and SOAP header blocks (``_header``) from HTTP
headers named ``x-<block>-<element>``. Past the limits, a reply value is passed through whole rather than left out:
a scaffold never loses data.
"""

from __future__ import annotations

from typing import Any

from adapter.contract.members import Field
from adapter.contract.port import HEADER_KEY
from adapter.contract.xsd import TYPE_KEY, VALUE_KEY, ComplexType, SimpleType
from adapter.tooling.naming import camel, is_identifier, kebab, unique

Rule = str | dict[str, Any]
REQUIRED_DEPTH = 12  # required elements nest this deep at most (an XSD that requires deeper recursion is unusable)


class Budget:
    """How much optional content a message maps: nesting depth and a count of values."""

    def __init__(self, depth: int, fields: int) -> None:
        self.depth = depth
        self.left = fields
        self.skipped = 0  # optional request values not mapped
        self.passed = 0  # reply values passed through whole

    def take(self, depth: int) -> bool:
        if depth > self.depth or self.left <= 0:
            self.skipped += 1
            return False
        self.left -= 1
        return True


def members(shape: ComplexType) -> dict[str, Field]:
    """The fields a template may map: a type's own, and those of every type derived from it."""
    if not shape.is_polymorphic:
        return shape.fields
    merged = dict(shape.fields)
    for variant in shape.variants.values():
        for name, field in variant.fields.items():
            if name not in merged:
                merged[name] = Field(field.name, field.shape, field.namespace, 0, field.max_occurs, field.nillable)
    return merged


# -- request ----------------------------------------------------------------------------------------------------


def request(shape: ComplexType, where: str, id_field: str | None, budget: Budget) -> dict[str, Rule]:
    """The request template: ``where`` is ``query`` (GET, DELETE) or ``body``; ``id_field`` comes from the path."""
    json_names: set[str] = set()
    template: dict[str, Rule] = {}
    if shape.simple is not None:
        template[VALUE_KEY] = f"{where}.{unique('value', json_names)}"
    for name in shape.attributes:
        if name in shape.required_attributes or budget.take(1):
            template[name] = f"{where}.{unique(camel(name), json_names)}"
    for name, child in members(shape).items():
        if name == HEADER_KEY:
            template[name] = {"fields": _header_blocks(child)}
            continue
        if child.min_occurs == 0 and not budget.take(1):
            continue
        json_name = unique(camel(name), json_names)
        if name == id_field:
            template[name] = f"path.{json_name}"
        elif where == "query":
            template[name] = f"query.{json_name}"
        else:
            template[name] = _in_rule(child, f"body.{json_name}", 1, budget)
    return template


def _in_rule(child: Field, source: str, depth: int, budget: Budget) -> Rule:
    shape = child.shape
    if isinstance(shape, SimpleType) or not (shape.fields or shape.attributes or shape.simple):
        return source  # a simple value, or open content (xsd:any) taken as the JSON object it is
    children = _in_children(shape, depth + 1, budget)
    if child.is_list:
        return {"each": source, "fields": children}
    return {"from": source, "fields": children}


def _in_children(shape: ComplexType, depth: int, budget: Budget) -> dict[str, Rule]:
    """The ``fields`` of a nested input element, with sources relative to its JSON object."""
    json_names: set[str] = set()
    out: dict[str, Rule] = {}
    if shape.is_polymorphic:
        out[TYPE_KEY] = unique("type", json_names)  # which derived type the caller sends (xsi:type)
    if shape.simple is not None:
        out[VALUE_KEY] = unique("value", json_names)
    for name in shape.attributes:
        if name in shape.required_attributes or budget.take(depth):
            out[name] = unique(camel(name), json_names)
    for name, child in members(shape).items():
        required = child.min_occurs > 0
        if required and child.array is not None and not budget.take(depth):
            out[name] = {"value": []}  # SOAP 1.1 §5.4.2: an array may be empty, which ends a recursion here
            continue
        if required and depth > REQUIRED_DEPTH:
            break  # the checker names what is left unmapped
        if not required and not budget.take(depth):
            continue
        out[name] = _in_rule(child, unique(camel(name), json_names), depth, budget)
    return out


def _header_blocks(headers: Field) -> dict[str, Rule]:
    """Each SOAP header block from HTTP request headers: ``AuditHeader.UserId`` ← ``x-audit-header-user-id``."""
    shape = headers.shape
    assert isinstance(shape, ComplexType)
    out: dict[str, Rule] = {}
    for name, block in shape.fields.items():
        prefix = f"headers.x-{kebab(name)}"
        if isinstance(block.shape, SimpleType):
            out[name] = prefix
        else:
            out[name] = {"fields": _header_values(block.shape, prefix, 1)}
    return out


def _header_values(shape: ComplexType, prefix: str, depth: int) -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    if shape.simple is not None:
        out[VALUE_KEY] = prefix
    for name in shape.attributes:
        out[name] = f"{prefix}-{kebab(name)}"
    for name, child in shape.fields.items():
        if isinstance(child.shape, SimpleType):
            out[name] = f"{prefix}-{kebab(name)}"
        elif depth < 3 or child.min_occurs > 0:
            out[name] = {"fields": _header_values(child.shape, f"{prefix}-{kebab(name)}", depth + 1)}
    return out


# -- response ---------------------------------------------------------------------------------------------------


def response(shape: ComplexType | None, budget: Budget) -> dict[str, Rule] | None:
    if shape is None:
        return None
    return _out_children(shape, 1, budget, (id(shape),))


def _out_children(shape: ComplexType, depth: int, budget: Budget, ancestors: tuple[int, ...]) -> dict[str, Rule]:
    json_names: set[str] = set()
    out: dict[str, Rule] = {}
    if shape.is_polymorphic:
        out[unique("type", json_names)] = TYPE_KEY
    if shape.simple is not None:
        out[unique("value", json_names)] = VALUE_KEY
    for name in shape.attributes:
        out[unique(camel(name), json_names)] = step(name)
    for name, child in members(shape).items():
        out[unique(camel(name), json_names)] = _out_rule(child, depth, budget, ancestors)
    return out


def _out_rule(child: Field, depth: int, budget: Budget, ancestors: tuple[int, ...]) -> Rule:
    source = step(child.name)
    shape = child.shape
    if isinstance(shape, SimpleType) or shape.is_empty() or not (shape.fields or shape.attributes or shape.simple):
        return source
    inner = depth if child.is_list else depth + 1  # a list inside a list maps as `each` in `each`, not deeper
    if id(shape) in ancestors or not budget.take(inner):
        budget.passed += 1
        return source  # a recursive type, or past the limits: passed through as the contract has it, not lost
    children = _out_children(shape, inner, budget, (*ancestors, id(shape)))
    if not children:
        return source
    return {"each": source, "fields": children} if child.is_list else {"from": source, "fields": children}


def step(name: str) -> str:
    """A source step for an XML name: as is, or as a quoted JMESPath identifier (``"Last-Name"``)."""
    return name if is_identifier(name) else '"' + name.replace('"', '\\"') + '"'

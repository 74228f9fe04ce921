"""JSON Schemas of mapped values, for the OpenAPI document. Derived from the contract's kinds and the transforms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapter.mapping.functions import Transform
from adapter.mapping.shapes import VALUE_KEY, Complex, Field, Kind, Shape, Simple

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"

_OUT: dict[Kind, dict[str, Any]] = {
    Kind.STRING: {"type": "string"},
    Kind.INTEGER: {"type": "integer"},
    # xsd:decimal is written as a JSON string so that no client parses it into a float.
    Kind.DECIMAL: {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN},
    Kind.FLOAT: {"type": "number"},
    Kind.BOOLEAN: {"type": "boolean"},
    Kind.DATE: {"type": "string", "format": "date"},
    Kind.DATETIME: {"type": "string", "format": "date-time"},
    Kind.TIME: {"type": "string", "format": "time"},
    Kind.BINARY: {"type": "string", "format": "byte"},
    Kind.ANY: {},
}

_IN: dict[Kind, dict[str, Any]] = {
    **_OUT,
    Kind.DECIMAL: {
        "anyOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL_PATTERN}],
        "description": "An exact decimal: a JSON number or a numeric string.",
    },
}


def simple_schema(simple: Simple, *, inbound: bool) -> dict[str, Any]:
    schema = dict((_IN if inbound else _OUT)[simple.kind])
    if simple.enumeration:
        schema["enum"] = list(simple.enumeration)
    return schema


def leaf_schema(field: Field | None, transforms: Iterable[Transform], *, inbound: bool) -> dict[str, Any]:
    """The schema of one mapped value: the contract's type, overridden by what the transforms produce."""
    schema: dict[str, Any] = {}
    if field is not None:
        schema = shape_schema(field.shape, inbound=inbound)
        if field.is_list:
            schema = {"type": "array", "items": schema}
    for transform in transforms:
        schema = _without_enum(schema)  # the transform changes the values: the XSD enumeration no longer lists them
        if transform.json_schema:
            schema = {k: v for k, v in schema.items() if k not in ("type", "format", "pattern", "anyOf")}
            schema.update(transform.json_schema)
    if field is not None and field.nillable and not inbound:
        schema = {"anyOf": [schema, {"type": "null"}]} if schema else {}
    return schema


def _without_enum(schema: dict[str, Any]) -> dict[str, Any]:
    schema = {k: v for k, v in schema.items() if k != "enum"}
    items = schema.get("items")
    if isinstance(items, dict) and "enum" in items:
        schema["items"] = {k: v for k, v in items.items() if k != "enum"}
    return schema


def shape_schema(shape: Shape, *, inbound: bool, depth: int = 0) -> dict[str, Any]:
    """The schema of a whole contract value passed through unmapped (bounded depth for recursive types)."""
    if isinstance(shape, Simple):
        return simple_schema(shape, inbound=inbound)
    if depth > 8:
        return {"type": "object"}
    return _complex_schema(shape, inbound=inbound, depth=depth)


def _complex_schema(shape: Complex, *, inbound: bool, depth: int) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, attribute in shape.attributes.items():
        properties[name] = simple_schema(attribute, inbound=inbound)
    if shape.value is not None:
        properties[VALUE_KEY] = simple_schema(shape.value, inbound=inbound)
    for name, child in shape.fields.items():
        schema = shape_schema(child.shape, inbound=inbound, depth=depth + 1)
        properties[name] = {"type": "array", "items": schema} if child.is_list else schema
    return {"type": "object", "properties": properties}


def object_schema(properties: dict[str, Any], required: Iterable[str] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    names = sorted(set(required))
    if names:
        schema["required"] = names
    return schema

"""JSON Schemas (OpenAPI 3.1 / JSON Schema 2020-12) of mapped values, from the contract model and the transforms.

What the facade writes and accepts, exactly:

- strings with ``minLength``/``maxLength``, ``pattern`` (the XSD pattern, anchored, when it is also an ECMA-262
  pattern) and ``enum``; dates and times as strings with their XSD lexical pattern (offsets allowed);
- ``xsd:decimal`` as a string (``format: decimal``) outbound, a number or a numeric string inbound;
- integers as numbers with their bounds, except those whose values may exceed ±(2^53−1) (``xsd:long``,
  ``xsd:integer``…): strings outbound (``format: int64``, ``uint64`` or ``integer``), a number or a string inbound;
- ``xsd:list`` as an array (inbound also a string of space-separated values), ``xsd:union`` as ``anyOf``;
- nillable elements as ``null``-able; repeated elements as arrays with ``minItems``/``maxItems``;
- a type with derived types as ``oneOf`` its concrete types (components), told apart by ``_type``
  (``discriminator`` with a ``mapping``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from adapter.contract import lexical
from adapter.contract.builtins import JSON_SAFE, Kind
from adapter.contract.members import Field
from adapter.contract.xsd import TYPE_KEY, VALUE_KEY, ComplexType, SimpleType, XsdType

DECIMAL_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
INTEGER_PATTERN = r"^[+-]?\d+$"
COMPONENTS = "#/components/schemas/"
_MAX_DEPTH = 8
_NOT_ECMA = ("\\i", "\\I", "\\c", "\\C", "\\p", "\\P", "-[")
_MOMENTS = {Kind.DATE: lexical.DATE_LEXICAL, Kind.DATETIME: lexical.DATETIME_LEXICAL, Kind.TIME: lexical.TIME_LEXICAL}
_INT64 = {"long": "int64", "unsignedLong": "uint64"}
_INT32 = {"int": "int32", "unsignedInt": "uint32"}


def simple_schema(simple: SimpleType, *, inbound: bool) -> dict[str, Any]:
    """The schema of one simple value of ``simple``."""
    kind = simple.kind
    if kind is Kind.LIST:
        return _list_schema(simple, inbound)
    if kind is Kind.UNION:
        return {"anyOf": [simple_schema(member, inbound=inbound) for member in simple.members]}
    schema = _atomic(simple, inbound)
    if simple.enumeration and kind in (Kind.STRING, Kind.ANY, Kind.DATE, Kind.DATETIME, Kind.TIME):
        schema["enum"] = list(simple.enumeration)
    elif simple.enumeration and kind is Kind.INTEGER and not simple.is_wide_integer and not inbound:
        schema["enum"] = [int(value) for value in simple.enumeration]
    return schema


def _atomic(simple: SimpleType, inbound: bool) -> dict[str, Any]:
    kind = simple.kind
    if kind is Kind.INTEGER:
        return _integer(simple, inbound)
    if kind is Kind.DECIMAL:
        return _decimal(simple, inbound)
    if kind is Kind.FLOAT:
        return {"anyOf": [{"type": "number"}, {"enum": ["INF", "-INF", "NaN"]}]}
    if kind is Kind.BOOLEAN:
        return {"type": "boolean"}
    if kind in _MOMENTS:
        return {"type": "string", "pattern": f"^{_MOMENTS[kind].pattern}$"}
    if kind is Kind.BINARY:
        if simple.builtin == "hexBinary":
            return {"type": "string", "pattern": "^([0-9A-Fa-f]{2})*$"}
        return {"type": "string", "contentEncoding": "base64"}
    if kind is Kind.ANY:
        return {}
    return _string(simple)


def _string(simple: SimpleType) -> dict[str, Any]:
    facets = simple.facets
    schema: dict[str, Any] = {"type": "string"}
    if facets.length is not None:
        schema["minLength"] = schema["maxLength"] = facets.length
    if facets.min_length is not None:
        schema["minLength"] = facets.min_length
    if facets.max_length is not None:
        schema["maxLength"] = facets.max_length
    patterns = [_ecma(step) for step in facets.patterns]
    usable = [pattern for pattern in patterns if pattern is not None]
    if len(usable) == 1:
        schema["pattern"] = usable[0]
    elif usable:
        schema["allOf"] = [{"pattern": pattern} for pattern in usable]
    return schema


def _ecma(step: tuple[str, ...]) -> str | None:
    """One pattern step as an ECMA-262 pattern, when the XSD patterns use only syntax both share."""
    if any(marker in pattern for pattern in step for marker in _NOT_ECMA):
        return None
    joined = "|".join(f"(?:{pattern})" for pattern in step)
    return f"^(?:{joined})$"


def _integer(simple: SimpleType, inbound: bool) -> dict[str, Any]:
    low, high = simple.integer_bounds
    number: dict[str, Any] = {"type": "integer"}
    if simple.builtin in _INT32:
        number["format"] = _INT32[simple.builtin]
    if low is not None and abs(low) <= JSON_SAFE:
        number["minimum"] = low
    if high is not None and abs(high) <= JSON_SAFE:
        number["maximum"] = high
    if not simple.is_wide_integer:
        return number
    text = {"type": "string", "pattern": INTEGER_PATTERN, "format": _INT64.get(simple.builtin, "integer")}
    return {"anyOf": [number, text]} if inbound else text


def _decimal(simple: SimpleType, inbound: bool) -> dict[str, Any]:
    text: dict[str, Any] = {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
    if simple.enumeration:
        text["enum"] = list(simple.enumeration)
    if not inbound:
        return text
    number: dict[str, Any] = {"type": "number"}
    facets = simple.facets
    for facet, keyword in (
        (facets.min_inclusive, "minimum"),
        (facets.max_inclusive, "maximum"),
        (facets.min_exclusive, "exclusiveMinimum"),
        (facets.max_exclusive, "exclusiveMaximum"),
    ):
        if facet is not None:
            number[keyword] = _json_number(facet)
    if facets.fraction_digits == 0:
        number["multipleOf"] = 1  # exact in any JSON Schema validator; 0.01 would not be
    return {"anyOf": [number, text], "description": "An exact decimal: a JSON number or a numeric string."}


def _json_number(text: str) -> int | float:
    value = lexical.read_decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def _list_schema(simple: SimpleType, inbound: bool) -> dict[str, Any]:
    assert simple.item is not None
    schema: dict[str, Any] = {"type": "array", "items": simple_schema(simple.item, inbound=inbound)}
    facets = simple.facets
    if facets.length is not None:
        schema["minItems"] = schema["maxItems"] = facets.length
    if facets.min_length is not None:
        schema["minItems"] = facets.min_length
    if facets.max_length is not None:
        schema["maxItems"] = facets.max_length
    if inbound:
        return {"anyOf": [schema, {"type": "string", "description": "values separated by spaces"}]}
    return schema


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]} if schema else {}


class Schemas:
    """Builds schemas for one mapping file; ``components`` collects the named ones (derived types)."""

    def __init__(self, prefix: str = "") -> None:
        self.components: dict[str, Any] = {}
        self.prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", prefix).strip("-")  # the mapping file's: names stay unique
        self._names: dict[tuple[int, bool, bool], str] = {}

    def leaf(self, field: Field | None, transforms: Iterable[Any], *, inbound: bool) -> dict[str, Any]:
        """The schema of one mapped value: the contract's type, overridden by what the transforms produce."""
        schema: dict[str, Any] = {}
        if field is not None:
            schema = self.shape(field.shape, inbound=inbound)
            if field.is_list:
                schema = self._array(schema, field)
        for transform in transforms:
            schema = _without_facets(schema)  # the transform changes the values: the XSD's facets no longer apply
            if transform.json_schema:
                schema = {k: v for k, v in schema.items() if k not in ("type", "format", "anyOf")}
                schema.update(transform.json_schema)
        if field is not None and field.nillable:
            schema = nullable(schema)
        return schema

    def _array(self, items: dict[str, Any], field: Field) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": items}
        if field.max_occurs is not None:
            schema["maxItems"] = field.max_occurs
        return schema

    def shape(self, shape: XsdType, *, inbound: bool, depth: int = 0) -> dict[str, Any]:
        """The schema of a whole contract value passed through unmapped (bounded depth for recursive types)."""
        if isinstance(shape, SimpleType):
            return simple_schema(shape, inbound=inbound)
        if shape.is_polymorphic and shape.variants:
            return self._polymorphic(shape, inbound, depth)
        if shape.name:  # a named type: a component, so that shared and recursive types are written once
            return {"$ref": self._component(shape.type_name, shape, inbound, typed=False)}
        if depth > _MAX_DEPTH:
            return {"type": "object"}
        return self._complex(shape, inbound, depth)

    def _complex(self, shape: ComplexType, inbound: bool, depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for name, attribute in shape.attributes.items():
            properties[name] = simple_schema(attribute, inbound=inbound)
        if shape.simple is not None:
            properties[VALUE_KEY] = simple_schema(shape.simple, inbound=inbound)
        for name, child in shape.fields.items():
            schema = self.shape(child.shape, inbound=inbound, depth=depth + 1)
            if child.nillable:
                schema = nullable(schema)
            properties[name] = self._array(schema, child) if child.is_list else schema
        return {"type": "object", "properties": properties}

    def _polymorphic(self, shape: ComplexType, inbound: bool, depth: int) -> dict[str, Any]:
        """A value whose type may be derived: ``oneOf`` the concrete types, each a component that says its name in
        ``_type`` (OpenAPI 3.1 §4.8.25 discriminator)."""
        refs = {}
        for name, variant in shape.variants.items():
            refs[name] = self._component(name, variant, inbound, typed=True)
        return {
            "oneOf": [{"$ref": ref} for ref in refs.values()],
            "discriminator": {"propertyName": TYPE_KEY, "mapping": refs},
        }

    def _component(self, name: str, variant: ComplexType, inbound: bool, *, typed: bool) -> str:
        """A component for a named type; ``typed``: one of a polymorphic type's variants, which says its ``_type``."""
        key = (id(variant), inbound, typed)
        known = self._names.get(key)
        if known is not None:
            return COMPONENTS + known
        base = (name.rpartition("}")[2] or "Type") + ("Input" if inbound else "")
        base = f"{self.prefix}.{base}" if self.prefix else base
        unique, number = base, 1
        while unique in self.components:
            number += 1
            unique = f"{base}{number}"
        self._names[key] = unique
        self.components[unique] = {}  # reserved before recursing: a recursive type refers to itself
        schema = self._complex(variant, inbound, 0)
        if typed:
            schema["properties"] = {TYPE_KEY: {"const": name}, **schema["properties"]}
            if not inbound or variant.abstract:
                schema["required"] = [TYPE_KEY]
        self.components[unique] = schema
        return COMPONENTS + unique


_FACETS = (
    "enum",
    "pattern",
    "allOf",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "format",
    "contentEncoding",
)


def _without_facets(schema: dict[str, Any]) -> dict[str, Any]:
    schema = {k: v for k, v in schema.items() if k not in _FACETS}
    for key in ("items",):
        if isinstance(schema.get(key), dict):
            schema[key] = _without_facets(schema[key])
    if isinstance(schema.get("anyOf"), list):
        schema["anyOf"] = [_without_facets(option) for option in schema["anyOf"]]
    return schema


def object_schema(properties: dict[str, Any], required: Iterable[str] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    names = sorted(set(required))
    if names:
        schema["required"] = names
    return schema

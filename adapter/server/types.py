"""Spyne types built from the contract, and plain data in and out of them.

The contract is the truth: every Spyne class here is made from the contract model (:mod:`adapter.contract`).
Nothing is hand-written per contract. Each class
member carries the element's own namespace (``sub_ns``, empty for unqualified local elements), its name, order,
occurrence and nillability, so Spyne writes exactly the elements the schema declares.

Facets (patterns, lengths, enumerations, digits) are not copied into Spyne: requests and replies are validated
against the contract's own XML Schema instead (:mod:`adapter.server.schema`), which knows them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spyne import (
    Boolean,
    ComplexModel,
    Double,
    Integer,
    Unicode,
    XmlAttribute,
    XmlData,
)
from spyne import Decimal as SpyneDecimal

from adapter.contract.builtins import Kind
from adapter.contract.members import Field
from adapter.contract.xsd import VALUE_KEY
from adapter.contract.xsd import ComplexType as Complex
from adapter.contract.xsd import SimpleType as Simple
from adapter.contract.xsd import XsdType as Shape
from adapter.exceptions import ContractError

Model = Any  # a Spyne model class: untyped, built by metaclasses

# "{:f}": str(Decimal) may write "1E+2", which is no xsd:decimal lexical form (XML Schema part 2 §3.2.3.1).
_DECIMAL = SpyneDecimal(str_format="{:f}")
_SIMPLE: dict[Kind, Model] = {
    Kind.STRING: Unicode,
    Kind.INTEGER: Integer,
    Kind.DECIMAL: _DECIMAL,
    Kind.FLOAT: Double,
    Kind.BOOLEAN: Boolean,
    # Plain data carries dates and times as their lexical form (offsets kept): text both ways, checked against the
    # contract's schema on the way in and out (adapter.server.schema).
    Kind.DATE: Unicode,
    Kind.DATETIME: Unicode,
    Kind.TIME: Unicode,
    Kind.BINARY: Unicode,  # base64 text both ways: plain data carries binary as base64 text
    Kind.LIST: Unicode,  # served lists and unions are the served direction's next step (issue 8)
    Kind.UNION: Unicode,
    Kind.ANY: Unicode,
}
_VALUE_MEMBER = "_value"


class TypeBuilder:
    """Builds one Spyne class per complex shape, once, with names unique per namespace."""

    def __init__(self) -> None:
        self._built: dict[int, Model] = {}
        self._building: set[int] = set()
        self._names: set[tuple[str, str]] = set()

    def element(self, name: str, namespace: str | None, shape: Shape) -> Model:
        """The class of a global element (a Body entry or a fault detail), named after the element."""
        if isinstance(shape, Simple):
            raise ContractError(f"element {name!r} has a simple type: only complex Body entries can be served")
        return self._complex(shape, namespace or "", name)

    def _complex(self, shape: Complex, namespace: str, hint: str) -> Model:
        key = id(shape)
        if key in self._built:
            return self._built[key]
        if key in self._building:
            raise ContractError(f"type {shape.type_name or hint!r} is recursive: it cannot be served")
        self._building.add(key)
        members: list[tuple[str, Model]] = [
            (name, XmlAttribute(_simple(simple), use="required" if name in shape.required_attributes else None))
            for name, simple in shape.attributes.items()
        ]
        if shape.value is not None:
            members.append((_VALUE_MEMBER, XmlData(_simple(shape.value))))
        for field in shape.fields.values():
            members.append((field.name, self._member(field, namespace, f"{hint}_{field.name}")))
        model = type(
            self._unique(namespace, shape.type_name or hint),
            (ComplexModel,),
            {"__namespace__": namespace or None, "_type_info": members},
        )
        self._building.discard(key)
        self._built[key] = model
        return model

    def _member(self, field: Field, namespace: str, hint: str) -> Model:
        own = field.namespace or ""
        if isinstance(field.shape, Complex):
            base = self._complex(field.shape, own or namespace, hint)
        else:
            base = _simple(field.shape)
        return base.customize(
            min_occurs=field.min_occurs,
            max_occurs="unbounded" if field.max_occurs is None else field.max_occurs,
            nillable=field.nillable,
            sub_ns=own,  # "" writes the element in no namespace (elementFormDefault="unqualified")
        )

    def _unique(self, namespace: str, name: str) -> str:
        candidate, number = name, 1
        while (namespace, candidate) in self._names:
            number += 1
            candidate = f"{name}{number}"
        self._names.add((namespace, candidate))
        return candidate


def _simple(simple: Simple) -> Model:
    return _SIMPLE[simple.kind]


# -- plain data ⇄ Spyne instances ------------------------------------------------------------------------------


def to_plain(instance: Any, model: Model, shape: Complex) -> dict[str, Any]:
    """Plain data (as :mod:`adapter.soap.decode` gives it) of a Spyne instance of ``model``.

    Spyne reads an absent element and an ``xsi:nil`` one both as ``None``; the key is left out, except for a
    required nillable element, which can only have been nil.
    """
    out: dict[str, Any] = {}
    for name in shape.attributes:
        value = getattr(instance, name, None)
        if value is not None:
            out[name] = value
    if shape.value is not None:
        out[VALUE_KEY] = getattr(instance, _VALUE_MEMBER, None)
    members = model._type_info
    for field in shape.fields.values():
        value = getattr(instance, field.name, None)
        if field.is_list:
            out[field.name] = [_plain_item(item, members[field.name], field) for item in value or []]
        elif value is not None:
            out[field.name] = _plain_item(value, members[field.name], field)
        elif field.nillable and field.min_occurs > 0:
            out[field.name] = None
    return out


def _plain_item(value: Any, model: Model, field: Field) -> Any:
    if value is None or not isinstance(field.shape, Complex):
        return value
    return to_plain(value, model, field.shape)


def from_plain(data: Mapping[str, Any], model: Model, shape: Complex) -> Any:
    """A Spyne instance of ``model`` from plain data built for ``shape``; absent keys stay unset."""
    values: dict[str, Any] = {}
    for name in shape.attributes:
        if data.get(name) is not None:
            values[name] = data[name]
    if shape.value is not None and VALUE_KEY in data:
        values[_VALUE_MEMBER] = data[VALUE_KEY]
    members = model._type_info
    for field in shape.fields.values():
        if field.name not in data:
            continue
        value = data[field.name]
        if field.is_list:
            items = value if isinstance(value, list) else [] if value is None else [value]
            values[field.name] = [_spyne_item(item, members[field.name], field) for item in items]
        else:
            values[field.name] = _spyne_item(value, members[field.name], field)
    return model(**values)


def _spyne_item(value: Any, model: Model, field: Field) -> Any:
    if value is None or not isinstance(field.shape, Complex) or not isinstance(value, Mapping):
        return value
    return from_plain(value, model.__orig__ or model, field.shape)  # a member is a customize()d copy

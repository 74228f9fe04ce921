"""Translate zeep's parsed XSD into :mod:`adapter.mapping.shapes`.

This is the only module that reads zeep's type objects; everything after it works on plain shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from zeep.xsd import types as xsd_types
from zeep.xsd.elements import Any as AnyParticle
from zeep.xsd.elements import Element
from zeep.xsd.elements.indicators import Choice, Group, OrderIndicator
from zeep.xsd.types import builtins

from adapter.mapping.shapes import Complex, Field, Kind, Shape, Simple

# Order matters: xsd:integer derives from xsd:decimal in XSD and in zeep's class tree.
_KINDS: list[tuple[type, Kind]] = [
    (builtins.Boolean, Kind.BOOLEAN),
    (builtins.Integer, Kind.INTEGER),
    (builtins.Decimal, Kind.DECIMAL),
    (builtins.Float, Kind.FLOAT),
    (builtins.Double, Kind.FLOAT),
    (builtins.DateTime, Kind.DATETIME),
    (builtins.Date, Kind.DATE),
    (builtins.Time, Kind.TIME),
    (builtins.Base64Binary, Kind.BINARY),
    (builtins.HexBinary, Kind.STRING),
    (builtins.String, Kind.STRING),
    (builtins.AnyURI, Kind.STRING),
    (builtins.QName, Kind.STRING),
]


class ShapeBuilder:
    """Builds shapes for zeep types, once per type, so that recursive types stay finite.

    ``enumerations`` (Clark type name → values) and ``bounds`` (Clark type name → range facets), see
    :mod:`adapter.soap.facets`, restore the facets zeep drops.
    """

    def __init__(
        self,
        enumerations: Mapping[str, tuple[str, ...]] | None = None,
        bounds: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._complex: dict[int, Complex] = {}
        self._enumerations = enumerations or {}
        self._bounds = bounds or {}

    def element(self, element: Any) -> Field:
        return Field(
            name=element.name,
            namespace=element.qname.namespace if element.qname is not None else None,
            shape=self.shape(element.type),
            min_occurs=int(element.min_occurs or 0),
            max_occurs=_max(element.max_occurs),
            nillable=bool(element.nillable),
        )

    def shape(self, xsd_type: Any) -> Shape:
        if isinstance(xsd_type, xsd_types.ComplexType):
            return self._complex_shape(xsd_type)
        return self.simple(xsd_type)

    def simple(self, xsd_type: Any) -> Simple:
        found = simple(xsd_type)
        qname = getattr(xsd_type, "qname", None)
        if qname is None:
            return found
        values = self._enumerations.get(qname.text)
        if values:
            found = replace(found, enumeration=values)
        facets = self._bounds.get(qname.text)
        if not facets:
            return found
        minimum, maximum = _inclusive(facets, found.kind)
        return replace(found, minimum=minimum, maximum=maximum)

    def _complex_shape(self, xsd_type: Any) -> Complex:
        cached = self._complex.get(id(xsd_type))
        if cached is not None:
            return cached
        shape = Complex(type_name=_type_name(xsd_type))
        self._complex[id(xsd_type)] = shape  # registered before children: recursion ends here
        for _, attribute in xsd_type.attributes:
            if getattr(attribute, "qname", None) is not None:
                shape.attributes[attribute.qname.localname] = self.simple(attribute.type)
                if getattr(attribute, "required", False):
                    shape.required_attributes.add(attribute.qname.localname)
        for _, particle in xsd_type.elements_nested:
            self._particle(shape, particle, repeated=False, optional=False)
        value = shape.fields.get("_value_1")
        if value is not None and isinstance(value.shape, Simple):
            # zeep models simple content as a pseudo element "_value_1" (ComplexType.extend).
            del shape.fields["_value_1"]
            shape.value = value.shape
        return shape

    def _particle(self, shape: Complex, particle: Any, *, repeated: bool, optional: bool) -> None:
        if isinstance(particle, Element):
            child = self.element(particle)
            if repeated:
                child.max_occurs = None
            if optional:
                child.min_occurs = 0
            shape.fields[child.name] = child
        elif isinstance(particle, AnyParticle):
            shape.open = True
        elif isinstance(particle, (OrderIndicator, Group)):
            many = repeated or _max(particle.max_occurs) != 1
            maybe = optional or isinstance(particle, Choice) or not particle.min_occurs
            children = particle.child if isinstance(particle, Group) else particle
            for child in children:
                self._particle(shape, child, repeated=many, optional=maybe)


def simple(xsd_type: Any) -> Simple:
    """The :class:`Simple` for a zeep simple type (a restriction keeps its base's kind)."""
    for cls, kind in _KINDS:
        if isinstance(xsd_type, cls):
            return Simple(kind=kind, type_name=_type_name(xsd_type))
    return Simple(kind=Kind.ANY, type_name=_type_name(xsd_type))


def _inclusive(facets: Mapping[str, str], kind: Kind) -> tuple[Decimal | None, Decimal | None]:
    """The inclusive range of a number's facets; an exclusive bound counts only for integers, where it has an
    inclusive twin."""
    if kind not in (Kind.INTEGER, Kind.DECIMAL, Kind.FLOAT):
        return None, None
    return (
        _bound(facets, "minInclusive", "minExclusive", 1, kind),
        _bound(facets, "maxInclusive", "maxExclusive", -1, kind),
    )


def _bound(facets: Mapping[str, str], inclusive: str, exclusive: str, step: int, kind: Kind) -> Decimal | None:
    try:
        if inclusive in facets:
            return Decimal(facets[inclusive])
        if exclusive in facets and kind is Kind.INTEGER:
            return Decimal(facets[exclusive]) + step
    except InvalidOperation:
        pass  # not a number: the contract's own mistake, left to its validators
    return None


def _type_name(xsd_type: Any) -> str:
    qname = getattr(xsd_type, "qname", None)
    return str(qname.localname) if qname is not None else ""


def _max(value: Any) -> int | None:
    if value == "unbounded":
        return None
    return int(value)

"""The contract's types as plain descriptions: what the mapping core knows of XSD.

A :class:`Shape` says what an element may contain; it is built from the contract (``adapter.soap.shapes``) and read by
the mapping engine, the checker and the OpenAPI generator, none of which import zeep. Only what mapping needs is
kept: names, cardinality, nillability, attributes, simple content, and one of a closed set of value kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    """What a simple value is in Python and JSON. Each XSD built-in type maps to exactly one kind."""

    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"  # xsd:decimal and its restrictions: always decimal.Decimal, never float
    FLOAT = "float"  # xsd:float, xsd:double: the contract itself says binary floating point
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    BINARY = "binary"  # base64Binary / hexBinary, carried as base64 text in JSON
    ANY = "any"  # anyType, anySimpleType, xsd:any: passed through as found


@dataclass(frozen=True)
class Simple:
    """A simple type: its kind, the XSD type name it came from, its enumeration when known, and for numbers the
    inclusive range its facets allow (XSD part 2 §4.3.7-4.3.10; an exclusive bound of an integer made inclusive)."""

    kind: Kind
    type_name: str = ""
    enumeration: tuple[str, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None


@dataclass
class Complex:
    """A complex type. ``fields`` are child elements by local name, in document order.

    ``value`` is set for simple content (``<Amount Ccy="EUR">1.00</Amount>``): the plain-data form of such an
    element is ``{"_value": Decimal("1.00"), "Ccy": "EUR"}``.
    """

    type_name: str = ""
    fields: dict[str, Field] = field(default_factory=dict)
    attributes: dict[str, Simple] = field(default_factory=dict)
    required_attributes: set[str] = field(default_factory=set)  # use="required" (XSD §3.2)
    value: Simple | None = None
    open: bool = False  # xsd:any: unknown children are kept as found


Shape = Simple | Complex

VALUE_KEY = "_value"  # the key of simple content next to attributes in plain data


@dataclass
class Field:
    """A child element: local name, namespace, shape and cardinality (XSD §3.9 particles)."""

    name: str
    shape: Shape
    namespace: str | None = None
    min_occurs: int = 1
    max_occurs: int | None = 1  # None: unbounded
    nillable: bool = False

    @property
    def is_list(self) -> bool:
        """A repeated element is always a list in plain data, whatever number of occurrences arrived."""
        return self.max_occurs is None or self.max_occurs > 1

    @property
    def required(self) -> bool:
        return self.min_occurs > 0 and not self.nillable


def walk(shape: Shape, path: tuple[str, ...]) -> Field | None:
    """The field at ``path`` below ``shape`` (list items are transparent), or ``None``."""
    found: Field | None = None
    current: Shape = shape
    for name in path:
        if not isinstance(current, Complex):
            return None
        found = current.fields.get(name)
        if found is None:
            attribute = current.attributes.get(name)
            if attribute is not None or (name == VALUE_KEY and current.value is not None):
                leaf = attribute or current.value
                assert leaf is not None
                found = Field(name=name, shape=leaf, min_occurs=0)
            else:
                return None
        current = found.shape
    return found

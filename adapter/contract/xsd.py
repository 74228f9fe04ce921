"""Schema components of XML Schema 1.0 (Part 1 §3, Part 2 §4), as WSDL 1.1 contracts use them: plain dataclasses.

The model is faithful: simple type definitions with every facet, list and union varieties; complex type
definitions with their effective content model (model groups and particles with their own occurrence ranges),
attribute uses, wildcards, simple content, mixed content, abstract types and the derivation tree; element
declarations with nillable, default/fixed values and substitution groups. Components point at each other directly,
so recursive types are cycles in memory and ids in the cached JSON (:mod:`adapter.contract.serial`).

What mapping reads is a *view* of a complex type (:attr:`ComplexType.fields`, see :mod:`adapter.contract.members`):
its elements by local name with their effective cardinality, choices as exclusive branches, and repeated model
groups as lists of objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from adapter.contract import builtins
from adapter.contract.builtins import Kind

if TYPE_CHECKING:
    from adapter.contract.members import Choice, Field, Members

__all__ = [
    "SOAP_ENC",
    "VALUE_KEY",
    "TYPE_KEY",
    "Attribute",
    "ComplexType",
    "Element",
    "Facets",
    "Kind",
    "ModelGroup",
    "Particle",
    "SimpleType",
    "Wildcard",
    "XsdType",
    "local_name",
    "namespace_of",
]

VALUE_KEY = "_value"  # simple content next to attributes in plain data: {"_value": Decimal("1.00"), "Ccy": "EUR"}
TYPE_KEY = "_type"  # the XSD type chosen for a derived-type value (written as xsi:type)
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
_SOAP_ENC_ARRAY = f"{{{SOAP_ENC}}}Array"


def local_name(clark: str) -> str:
    return clark.rpartition("}")[2]


def namespace_of(clark: str) -> str:
    return clark[1:].partition("}")[0] if clark.startswith("{") else ""


@dataclass
class Facets:
    """Constraining facets of a simple type (Part 2 §4.3), inherited ones included.

    ``patterns`` holds one tuple per derivation step: a value must match one pattern of every step (§4.3.4.3).
    Each pattern is kept as the schema wrote it and as the Python regular expression it translates to (anchored,
    for ``re.match``). Bounds are lexical values in the base type's value space.
    """

    enumeration: tuple[str, ...] | None = None
    patterns: tuple[tuple[str, ...], ...] = ()
    regexes: tuple[tuple[str, ...], ...] = ()
    length: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None
    min_inclusive: str | None = None
    max_inclusive: str | None = None
    min_exclusive: str | None = None
    max_exclusive: str | None = None
    white_space: str | None = None  # preserve | replace | collapse

    def is_empty(self) -> bool:
        return self == Facets()


@dataclass(eq=False)
class SimpleType:
    """A simple type definition (Part 2 §4.1): atomic, list or union, with its facets.

    ``builtin`` is the nearest built-in ancestor's local name (``long`` for a restriction of ``xsd:long``);
    ``name`` the Clark name of a global definition, empty for an anonymous one (``hint`` then names its owner).
    """

    id: str
    name: str = ""
    hint: str = ""
    variety: str = "atomic"  # atomic | list | union
    builtin: str = "string"
    facets: Facets = field(default_factory=Facets)
    base: SimpleType | None = None
    item: SimpleType | None = None  # list item type
    members: tuple[SimpleType, ...] = ()  # union member types

    @property
    def is_complex(self) -> bool:
        return False

    @property
    def kind(self) -> Kind:
        if self.variety == "list":
            return Kind.LIST
        if self.variety == "union":
            return Kind.UNION
        return builtins.kind(self.builtin)

    @property
    def type_name(self) -> str:
        """The local name of the type, or of a built-in's; empty for an anonymous type."""
        return local_name(self.name)

    @property
    def enumeration(self) -> tuple[str, ...]:
        return self.facets.enumeration or ()

    @property
    def list_item(self) -> SimpleType | None:
        """The item type of a list, built-in lists (``NMTOKENS``) included."""
        if self.item is not None:
            return self.item
        return None

    @cached_property
    def integer_bounds(self) -> tuple[int | None, int | None]:
        """The value space bounds of an integer type: its built-in's, narrowed by range facets."""
        low, high = builtins.INTEGER_BOUNDS.get(self.builtin, (None, None))
        facets = self.facets
        for text, inclusive, is_low in (
            (facets.min_inclusive, True, True),
            (facets.min_exclusive, False, True),
            (facets.max_inclusive, True, False),
            (facets.max_exclusive, False, False),
        ):
            bound = _integer_bound(text, inclusive, is_low)
            if bound is None:
                continue
            if is_low:
                low = bound if low is None else max(low, bound)
            else:
                high = bound if high is None else min(high, bound)
        return low, high

    @property
    def minimum(self) -> Decimal | None:
        """The smallest number the range facets allow (Part 2 §4.3.7-4.3.10), an exclusive bound counting only for
        integers, where it has an inclusive twin; ``None`` when no facet bounds it."""
        return self._bound(self.facets.min_inclusive, self.facets.min_exclusive, 1)

    @property
    def maximum(self) -> Decimal | None:
        """The largest number the range facets allow, as :attr:`minimum`."""
        return self._bound(self.facets.max_inclusive, self.facets.max_exclusive, -1)

    def _bound(self, inclusive: str | None, exclusive: str | None, step: int) -> Decimal | None:
        if self.kind not in (Kind.INTEGER, Kind.DECIMAL, Kind.FLOAT):
            return None
        try:
            if inclusive is not None:
                return Decimal(inclusive.strip())
            if exclusive is not None and self.kind is Kind.INTEGER:
                return Decimal(exclusive.strip()) + step
        except ArithmeticError:
            return None
        return None

    @property
    def is_wide_integer(self) -> bool:
        """An integer type whose values may not fit a JSON number exactly: written as a JSON string."""
        return self.kind is Kind.INTEGER and builtins.is_wide(*self.integer_bounds)


def _integer_bound(text: str | None, inclusive: bool, is_low: bool) -> int | None:
    if text is None:
        return None
    try:
        value = int(text.strip())
    except ValueError:
        return None
    if inclusive:
        return value
    return value + 1 if is_low else value - 1


@dataclass(eq=False)
class Attribute:
    """An attribute use (Part 1 §3.5): its declaration's name, namespace (empty when unqualified) and type."""

    name: str
    type: SimpleType
    namespace: str = ""
    use: str = "optional"  # optional | required | prohibited
    default: str | None = None
    fixed: str | None = None

    @property
    def required(self) -> bool:
        return self.use == "required"


@dataclass(eq=False)
class Wildcard:
    """``xsd:any`` or ``xsd:anyAttribute`` (Part 1 §3.10): content kept as found."""

    namespace: tuple[str, ...] = ("##any",)
    process_contents: str = "strict"
    min_occurs: int = 1
    max_occurs: int | None = 1


@dataclass(eq=False)
class Element:
    """An element declaration as a particle (Part 1 §3.3, §3.9): name, namespace (empty when unqualified), type,
    occurrence range, nillable, value constraint; ``ref`` is the Clark name of the global declaration a reference
    points at (substitution groups hang there)."""

    name: str
    type: XsdType
    namespace: str = ""
    min_occurs: int = 1
    max_occurs: int | None = 1
    nillable: bool = False
    default: str | None = None
    fixed: str | None = None
    abstract: bool = False
    ref: str | None = None
    substitutes: tuple[Element, ...] = ()  # global elements that may stand for this one (transitively)

    @property
    def clark(self) -> str:
        return f"{{{self.namespace}}}{self.name}" if self.namespace else self.name

    @property
    def is_list(self) -> bool:
        return self.max_occurs is None or self.max_occurs > 1


@dataclass(eq=False)
class ModelGroup:
    """A model group particle (Part 1 §3.8): ``sequence``, ``choice`` or ``all``, with its own occurrence range;
    ``name`` is the local name of a named model group definition it was referenced from."""

    compositor: str
    particles: list[Particle] = field(default_factory=list)
    min_occurs: int = 1
    max_occurs: int | None = 1
    name: str = ""

    @property
    def is_repeated(self) -> bool:
        return self.max_occurs is None or self.max_occurs > 1


Particle = Element | ModelGroup | Wildcard


@dataclass(eq=False)
class ComplexType:
    """A complex type definition (Part 1 §3.4) with its effective content.

    ``content`` is the element content model (for an extension, the base's content followed by the extension's,
    §3.4.2); ``simple`` the type of simple content; ``derived`` every type of the contract derived from this one,
    which an instance may name with ``xsi:type`` (§2.6.1).
    """

    id: str
    name: str = ""
    hint: str = ""
    abstract: bool = False
    mixed: bool = False
    base: XsdType | None = None
    derivation: str | None = None  # extension | restriction
    content: ModelGroup | None = None
    simple: SimpleType | None = None
    attribute_uses: list[Attribute] = field(default_factory=list)
    any_attribute: Wildcard | None = None
    derived: list[ComplexType] = field(default_factory=list)
    group: ModelGroup | None = None  # set for the item type of a repeated model group (see members.py)
    # SOAP 1.1 §5.4.2 arrays: a restriction of soapenc:Array names its items with wsdl:arrayType="tns:Item[]"
    # (WSDL 1.1 §2.2); ``array_item`` is that type, ``array_type`` the declaration as written ("tns:Item[]").
    array_item: XsdType | None = None
    array_type: str = ""

    @property
    def is_complex(self) -> bool:
        return True

    @property
    def kind(self) -> Kind:
        return Kind.ANY

    @property
    def type_name(self) -> str:
        return local_name(self.name) or self.hint

    # -- the mapping view -----------------------------------------------------------------------------------

    @cached_property
    def members(self) -> Members:
        from adapter.contract.members import members

        return members(self)

    @property
    def fields(self) -> dict[str, Field]:
        """Child elements by local name, in document order (see :mod:`adapter.contract.members`)."""
        return self.members.fields

    @property
    def choices(self) -> list[Choice]:
        """The choices of the content: sets of mutually exclusive fields."""
        return self.members.choices

    @cached_property
    def attributes(self) -> dict[str, SimpleType]:
        return {a.name: a.type for a in self.attribute_uses if a.use != "prohibited"}

    @cached_property
    def required_attributes(self) -> set[str]:
        return {a.name for a in self.attribute_uses if a.required}

    @property
    def value(self) -> SimpleType | None:
        return self.simple

    @property
    def open(self) -> bool:
        """Whether the content has a wildcard (``xsd:any``): unknown children are kept as found."""
        return self.members.open

    @cached_property
    def variants(self) -> dict[str, ComplexType]:
        """The concrete types an instance may have, by the name plain data gives them (``_type``): this type when it
        is not abstract, then every non-abstract derived type. Local names unless two share one."""
        candidates = ([] if self.abstract else [self]) + [t for t in self.derived if not t.abstract]
        locals_ = [t.type_name for t in candidates]
        return {(t.type_name if locals_.count(t.type_name) == 1 else t.name): t for t in candidates}

    @cached_property
    def is_soap_array(self) -> bool:
        """Whether this is ``soapenc:Array`` or derived from it (SOAP 1.1 §5.4.2): a list in plain data."""
        shape: XsdType | None = self
        while isinstance(shape, ComplexType):
            if shape.name == _SOAP_ENC_ARRAY:
                return True
            shape = shape.base
        return False

    @property
    def is_polymorphic(self) -> bool:
        """Whether values of this type say which type they are (``_type`` / ``xsi:type``)."""
        return bool(self.derived) or self.abstract

    def is_empty(self) -> bool:
        return not (self.fields or self.attribute_uses or self.simple is not None or self.open)


XsdType = SimpleType | ComplexType

"""The built-in datatypes of XML Schema 1.0 Part 2 §3, as the contract model knows them.

Each built-in has a :class:`Kind`: what its values are in plain data and JSON. Integer built-ins carry their value
space bounds (Part 2 §3.3.13–§3.3.25), which decide whether a JSON number can carry every value (see
:func:`is_wide`).
"""

from __future__ import annotations

from enum import StrEnum

XSD = "http://www.w3.org/2001/XMLSchema"
JSON_SAFE = 2**53 - 1  # the largest integer every JSON (IEEE 754 double) reader keeps exactly


class Kind(StrEnum):
    """What a simple value is in plain data. Each XSD built-in type maps to exactly one kind."""

    STRING = "string"  # str; also anyURI, QName, NOTATION, durations and the Gregorian g* types
    INTEGER = "integer"  # int
    DECIMAL = "decimal"  # decimal.Decimal, never float
    FLOAT = "float"  # float (xsd:float, xsd:double: the contract itself says binary floating point)
    BOOLEAN = "boolean"  # bool
    DATE = "date"  # str: the lexical form, timezone offset kept exactly
    DATETIME = "datetime"  # str, likewise
    TIME = "time"  # str, likewise
    BINARY = "binary"  # str: base64 text (base64Binary) or hex text (hexBinary)
    LIST = "list"  # list of the item type's values (xsd:list)
    UNION = "union"  # the value of the first member type that accepts it (xsd:union)
    ANY = "any"  # anySimpleType, anyType: passed through as found


_KINDS: dict[str, Kind] = {
    "anySimpleType": Kind.ANY,
    "anyType": Kind.ANY,
    "anyAtomicType": Kind.ANY,
    "boolean": Kind.BOOLEAN,
    "decimal": Kind.DECIMAL,
    "float": Kind.FLOAT,
    "double": Kind.FLOAT,
    "dateTime": Kind.DATETIME,
    "date": Kind.DATE,
    "time": Kind.TIME,
    "base64Binary": Kind.BINARY,
    "hexBinary": Kind.BINARY,
    **dict.fromkeys(
        [
            "integer",
            "nonPositiveInteger",
            "negativeInteger",
            "long",
            "int",
            "short",
            "byte",
            "nonNegativeInteger",
            "unsignedLong",
            "unsignedInt",
            "unsignedShort",
            "unsignedByte",
            "positiveInteger",
        ],
        Kind.INTEGER,
    ),
    **dict.fromkeys(["NMTOKENS", "IDREFS", "ENTITIES"], Kind.LIST),
}

# Value space bounds of the integer built-ins (None: unbounded).
INTEGER_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "nonNegativeInteger": (0, None),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
    "positiveInteger": (1, None),
}

# Part 2 §3.3: the built-ins derived from string, and the whiteSpace facet each fixes (§4.3.6).
STRING_TYPES = frozenset(
    [
        "string",
        "normalizedString",
        "token",
        "language",
        "NMTOKEN",
        "Name",
        "NCName",
        "ID",
        "IDREF",
        "ENTITY",
        "anyURI",
        "QName",
        "NOTATION",
        "duration",
        "gYearMonth",
        "gYear",
        "gMonthDay",
        "gDay",
        "gMonth",
    ]
)
PRESERVED = frozenset(["string", "anySimpleType", "anyType", "anyAtomicType"])
REPLACED = frozenset(["normalizedString"])

# The item type of the built-in list types (Part 2 §3.3.3, §3.3.9, §3.3.12).
LIST_ITEMS = {"NMTOKENS": "NMTOKEN", "IDREFS": "IDREF", "ENTITIES": "ENTITY"}

NAMES = frozenset([*_KINDS, *STRING_TYPES])


def kind(builtin: str) -> Kind:
    """The kind of a built-in type by its local name; unknown names are strings."""
    return _KINDS.get(builtin, Kind.STRING)


def white_space(builtin: str) -> str:
    """The whiteSpace facet a built-in fixes: ``preserve``, ``replace`` or ``collapse`` (Part 2 §4.3.6)."""
    if builtin in PRESERVED:
        return "preserve"
    if builtin in REPLACED:
        return "replace"
    return "collapse"


def is_wide(low: int | None, high: int | None) -> bool:
    """Whether integers in ``[low, high]`` may exceed what a JSON number keeps exactly (±(2^53−1)).

    Such values are written as JSON strings (the proto3 and OpenAPI ``int64`` convention) unless a mapping asks for
    a number with ``transform: number``.
    """
    return low is None or high is None or low < -JSON_SAFE or high > JSON_SAFE

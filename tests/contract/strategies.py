"""Hypothesis strategies generated from the contract model: valid plain data for any simple or complex type.

Values are drawn in the form the decoder gives them back (white space already normalised, decimals as ``Decimal``,
dates as their lexical form with or without an offset), so that a JSON → XML → JSON round trip can be compared with
``==``. Every simple value is checked by its own codec before it is used: a strategy never yields what the contract
refuses.
"""

from __future__ import annotations

import base64
import re
from datetime import date, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from adapter.contract.builtins import Kind
from adapter.contract.lexical import ValueProblem
from adapter.contract.members import Field
from adapter.contract.values import codec, normalise, white_space
from adapter.contract.xsd import TYPE_KEY, VALUE_KEY, ComplexType, SimpleType, XsdType

MAX_ITEMS = 2
MAX_DEPTH = 4
MAX_OPTIONAL = 4  # optional members drawn from per type: the real-world types have hundreds
# XML 1.0 characters (no C0 controls but tab, LF, CR; no surrogates, no U+FFFE/U+FFFF): what XML can carry.
XML_TEXT = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
_ANCHOR_TAIL = "(?!\\n\\Z)"


def accepted(simple: SimpleType, value: Any) -> bool:
    """Whether the codec accepts ``value`` and gives it back unchanged (the form the decoder produces)."""
    try:
        return bool(codec(simple).accept(value) == value)
    except ValueProblem:
        return False


def simple_values(simple: SimpleType) -> st.SearchStrategy[Any]:
    return _raw(simple).filter(lambda value: accepted(simple, value))


def _raw(simple: SimpleType) -> st.SearchStrategy[Any]:
    facets = simple.facets
    if facets.enumeration:
        return st.sampled_from([codec(simple).accept(v) for v in facets.enumeration if _ok(simple, v)] or ["?"])
    kind = simple.kind
    if kind is Kind.LIST:
        assert simple.item is not None
        low = facets.length if facets.length is not None else facets.min_length or 0
        high = facets.length if facets.length is not None else facets.max_length or MAX_ITEMS
        return st.lists(simple_values(simple.item), min_size=low, max_size=max(low, min(high, low + MAX_ITEMS)))
    if kind is Kind.UNION:
        return st.one_of([simple_values(member) for member in simple.members])
    if facets.regexes and kind in (Kind.STRING, Kind.ANY, Kind.INTEGER, Kind.DECIMAL):
        # Patterns constrain the lexical form; dates are drawn as dates (a pattern rarely makes a real day).
        pattern = facets.regexes[-1][0].replace(_ANCHOR_TAIL, "")
        text = st.from_regex(re.compile(pattern), fullmatch=True, alphabet=XML_TEXT)
        if kind is Kind.INTEGER:
            return text.map(_as(int))
        if kind is Kind.DECIMAL:
            return text.map(_as(Decimal))
        return text.map(lambda t: normalise(t, white_space(simple)))
    return _by_kind(simple, kind)


def _as(convert: Any) -> Any:
    def converted(text: str) -> Any:
        try:
            return convert(text)
        except (ValueError, ArithmeticError):
            return text

    return converted


def _ok(simple: SimpleType, text: str) -> bool:
    try:
        codec(simple).accept(text)
        return True
    except ValueProblem:
        return False


def _by_kind(simple: SimpleType, kind: Kind) -> st.SearchStrategy[Any]:
    if kind is Kind.INTEGER:
        low, high = simple.integer_bounds
        return st.integers(min_value=low, max_value=high)
    if kind is Kind.DECIMAL:
        places = simple.facets.fraction_digits if simple.facets.fraction_digits is not None else 4
        return st.decimals(min_value=-(10**12), max_value=10**12, places=places, allow_nan=False, allow_infinity=False)
    if kind is Kind.FLOAT:
        return st.floats(allow_nan=False, allow_infinity=False, width=32 if simple.builtin == "float" else 64)
    if kind is Kind.BOOLEAN:
        return st.booleans()
    if kind is Kind.DATE:
        return st.builds(lambda d, z: d.isoformat() + z, st.dates(date(1, 1, 1), date(9999, 12, 31)), _offsets())
    if kind is Kind.TIME:
        return st.builds(lambda t, z: t.isoformat() + z, st.times(time(0), time(23, 59, 59, 999999)), _offsets())
    if kind is Kind.DATETIME:
        return st.builds(lambda d, t, z: f"{d.isoformat()}T{t.isoformat()}{z}", st.dates(), st.times(), _offsets())
    if kind is Kind.BINARY:
        data = st.binary(max_size=12)
        if simple.builtin == "hexBinary":
            return data.map(lambda b: b.hex().upper())
        return data.map(lambda b: base64.b64encode(b).decode())
    return _text(simple)


def _offsets() -> st.SearchStrategy[str]:
    minutes = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
    as_text = minutes.map(lambda z: "Z" if z.utcoffset(None) == timedelta(0) else str(z)[3:] or "Z")
    return st.one_of(st.just(""), st.just("Z"), as_text)


def _text(simple: SimpleType) -> st.SearchStrategy[str]:
    facets = simple.facets
    low = facets.length if facets.length is not None else facets.min_length or 0
    high = facets.length if facets.length is not None else facets.max_length or 12
    if simple.builtin in ("Name", "NCName", "ID", "IDREF", "ENTITY", "NMTOKEN", "QName"):
        return st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,10}", fullmatch=True)
    if simple.builtin == "language":
        return st.from_regex(r"[a-z]{2}(-[A-Z]{2})?", fullmatch=True)
    if simple.builtin in ("duration", "gYear", "gYearMonth", "gMonth", "gMonthDay", "gDay", "anyURI"):
        samples = {
            "duration": "P1Y2M3DT4H5M6.5S",
            "gYear": "2024",
            "gYearMonth": "2024-01",
            "gMonth": "--01",
            "gMonthDay": "--01-31",
            "gDay": "---31",
            "anyURI": "urn:example:x",
        }
        return st.just(samples[simple.builtin])
    text = st.text(XML_TEXT, min_size=low, max_size=max(low, high))
    mode = white_space(simple)
    if mode == "collapse":
        return text.map(lambda t: " ".join(t.split()))
    if mode == "replace":
        return text.map(lambda t: re.sub(r"[\t\n\r]", " ", t))
    return text.map(lambda t: t.replace("\r", ""))  # XML end-of-line handling turns CR into LF (XML 1.0 §2.11)


# -- complex values ------------------------------------------------------------------------------------------------


def values(shape: XsdType, depth: int = 0) -> st.SearchStrategy[Any]:
    """Valid plain data of ``shape``."""
    if isinstance(shape, SimpleType):
        return simple_values(shape)
    if shape.is_polymorphic and shape.variants:
        return st.one_of([_typed(name, variant, depth) for name, variant in shape.variants.items()])
    return content(shape, depth)


def _typed(name: str, variant: ComplexType, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    return content(variant, depth).map(lambda data: {TYPE_KEY: name, **data})


def content(shape: ComplexType, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for use in shape.attribute_uses:
        target = required if use.required else optional
        target[use.name] = st.just(codec(use.type).accept(use.fixed)) if use.fixed else simple_values(use.type)
    if shape.simple is not None:
        required[VALUE_KEY] = simple_values(shape.simple)
    in_choices = {name for choice in shape.choices for names in choice.branches for name in names}
    for name, member in shape.fields.items():
        if name in in_choices:
            continue
        target = required if member.min_occurs > 0 else optional
        if member.min_occurs > 0 or depth < MAX_DEPTH:
            target[name] = _member(member, depth)
    optional = dict(list(optional.items())[: MAX_OPTIONAL if depth else 2 * MAX_OPTIONAL])
    base = st.fixed_dictionaries(required, optional=optional)  # type: ignore[arg-type]
    for choice in shape.choices:
        branches = [branch for branch in choice.branches if branch]
        if not branches or (not choice.required and depth >= MAX_DEPTH):
            continue
        picked = st.one_of([_branch(shape, branch, depth) for branch in branches])
        if not choice.required:
            picked = st.one_of(st.just({}), picked)
        base = st.builds(lambda a, b: {**a, **b}, base, picked)
    return base


def _branch(shape: ComplexType, names: list[str], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    first, rest = names[0], names[1:]
    members = {first: _member(shape.fields[first], depth, at_least=1)}
    optional = {name: _member(shape.fields[name], depth) for name in rest}
    return st.fixed_dictionaries(members, optional=optional)  # type: ignore[arg-type]


def _member(member: Field, depth: int, at_least: int = 0) -> st.SearchStrategy[Any]:
    element = member.element
    if element is not None and element.fixed is not None and isinstance(member.shape, SimpleType):
        one: st.SearchStrategy[Any] = st.just(codec(member.shape).accept(element.fixed))
    else:
        one = st.deferred(lambda: values(member.shape, depth + 1))
    if member.nillable:
        one = st.one_of(st.none(), one)
    if not member.is_list:
        return one
    low = max(member.min_occurs, at_least)
    high = low + MAX_ITEMS if member.max_occurs is None else min(member.max_occurs, low + MAX_ITEMS)
    return st.lists(one, min_size=low, max_size=high if depth < MAX_DEPTH else low)

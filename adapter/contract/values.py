"""Simple values checked against their type: whiteSpace, lexical space, every constraining facet (Part 2 §4.3),
list and union varieties (§4.1). One :class:`SimpleCodec` per simple type, compiled once and kept on the type.

- ``read(text)``: element or attribute text of a reply → plain value (the decoder's side);
- ``accept(value)``: a value from JSON or a mapping → plain value (the inbound side: a 422 names the field);
- ``write(value)``: a plain value → the text to put in a request (accepts it first).

Every failure is a :class:`ValueProblem` whose message names the rule: ``longer than 34``, ``must match
[A-Z]{3}``, ``must be at most 100``, ``must be one of: EUR, USD``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from adapter.contract import builtins, lexical
from adapter.contract.builtins import Kind
from adapter.contract.lexical import ValueProblem, WideInteger
from adapter.contract.xsd import SimpleType

__all__ = ["SimpleCodec", "ValueProblem", "WideInteger", "codec"]

Check = Callable[[Any, str], None]  # (value, lexical text) → raises ValueProblem
_SPACES = re.compile(r"[\t\n\r]")
_RUNS = re.compile(r" {2,}")
_ENUM_SHOWN = 12
_KNOWN_VALUES = 1024  # per simple type; a pure function of the text, so a bounded memo is safe
_KNOWN_TEXT = 64  # characters: at most 1,024 × 64 characters kept per simple type


@dataclass(frozen=True)
class SimpleCodec:
    read: Callable[[str], Any]
    accept: Callable[[Any], Any]
    write: Callable[[Any], str]


def codec(simple: SimpleType) -> SimpleCodec:
    """The codec of ``simple``, compiled on first use and kept on the type."""
    found: SimpleCodec | None = simple.__dict__.get("_codec")
    if found is None:
        found = _compile(simple)
        simple.__dict__["_codec"] = found
    return found


def white_space(simple: SimpleType) -> str:
    if simple.variety != "atomic":
        return "collapse"
    return simple.facets.white_space or builtins.white_space(simple.builtin)


def normalise(text: str, mode: str) -> str:
    """Part 2 §4.3.6: ``replace`` turns tab, newline and carriage return into spaces; ``collapse`` also squeezes
    runs of spaces and strips both ends."""
    if mode == "preserve":
        return text
    if "\t" not in text and "\n" not in text and "\r" not in text:
        if mode == "replace" or (text[:1] != " " and text[-1:] != " " and "  " not in text):
            return text  # already normal: the common case, without a regular expression
    text = _SPACES.sub(" ", text)
    if mode == "collapse":
        text = _RUNS.sub(" ", text).strip(" ")
    return text


def _compile(simple: SimpleType) -> SimpleCodec:
    if simple.variety == "list":
        return _list_codec(simple)
    if simple.variety == "union":
        return _union_codec(simple)
    return _atomic_codec(simple)


# -- atomic ----------------------------------------------------------------------------------------------------


def _atomic_codec(simple: SimpleType) -> SimpleCodec:
    mode = white_space(simple)
    kind = simple.kind
    base = lexical.reader(simple.builtin)
    checks = _checks(simple, base)
    wide = simple.is_wide_integer

    known: dict[str, Any] = {}  # text → value already read and checked: replies repeat dates, codes, amounts

    def read(text: str) -> Any:
        found = known.get(text, known)
        if found is not known:
            return found  # every value read is immutable (str, int, Decimal, float, bool), so it can be shared
        lexical_text = normalise(text, mode)
        value = base(lexical_text)
        for check in checks:
            check(value, lexical_text)
        if wide:
            value = WideInteger(value)
        if len(text) <= _KNOWN_TEXT:  # codes, dates, amounts; not free text, which seldom repeats and may be long
            _remember(known, text, value)
        return value

    # A str or an int → the value accepted for it, and its lexical form: requests repeat codes, dates, page numbers,
    # and the encoder writes what the mapping engine has just accepted. Only for those two exact types, whose equal
    # values are the same value (Decimal("1.0") == Decimal("1.00"), True == 1: never kept).
    accepted: dict[tuple[type, Any], Any] = {}
    written: dict[tuple[type, Any], str] = {}

    def accept(value: Any) -> Any:
        key = _memo_key(value)
        found = accepted.get(key, accepted) if key is not None else accepted
        if found is not accepted:
            return found
        text = normalise(lexical.lexical_of(value, kind), mode)
        _xml_chars(text)
        if kind in (Kind.INTEGER, Kind.DECIMAL, Kind.FLOAT) and len(text) > 100:
            raise ValueProblem("has too many digits")
        parsed = base(text)
        for check in checks:
            check(parsed, lexical.write(parsed) if kind in (Kind.INTEGER, Kind.DECIMAL) else text)
        _remember(accepted, key, parsed)
        return parsed

    def write(value: Any) -> str:
        key = _memo_key(value)
        found = written.get(key) if key is not None else None
        if found is not None:
            return found
        text = lexical.write(accept(value))
        _remember(written, key, text)
        return text

    if not checks and mode == "preserve" and base is lexical.reader("string"):
        return SimpleCodec(read=_same, accept=accept, write=write)  # the common case, for the decoder
    return SimpleCodec(read=read, accept=accept, write=write)


def _same(text: str) -> str:
    return text


def _memo_key(value: Any) -> tuple[type, Any] | None:
    """The key a given value is remembered by: a short str or an int of at most 18 digits, else ``None``."""
    kind = type(value)
    if (kind is str and len(value) <= _KNOWN_TEXT) or (kind is int and -(10**18) < value < 10**18):
        return kind, value
    return None


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    """Keep ``value`` for ``key`` (not for ``None``, a value that is not kept), the memo bounded at
    :data:`_KNOWN_VALUES` entries (emptied when full)."""
    if key is None:
        return
    if len(memo) >= _KNOWN_VALUES:
        memo.clear()
    memo[key] = value


def _xml_chars(text: str) -> None:
    bad = lexical.XML_ILLEGAL.search(text)
    if bad is not None:
        raise ValueProblem(f"contains a character XML 1.0 cannot carry (U+{ord(bad.group()):04X})")


# -- list and union --------------------------------------------------------------------------------------------


def _list_codec(simple: SimpleType) -> SimpleCodec:
    item_type = simple.item
    assert item_type is not None, f"list type {simple.id} without an item type"
    item = codec(item_type)
    checks = _checks(simple, None)

    def read(text: str) -> list[Any]:
        text = normalise(text, "collapse")
        values = [_item(item.read, token, index) for index, token in enumerate(text.split())]
        for check in checks:
            check(values, text)
        return values

    def accept(value: Any) -> list[Any]:
        tokens = value.split() if isinstance(value, str) else value
        if not isinstance(tokens, list):
            raise ValueProblem("must be an array (or a string of values separated by spaces)")
        values = [_item(item.accept, token, index) for index, token in enumerate(tokens)]
        for index, text in enumerate(item.write(v) for v in values):
            if not text or any(c.isspace() for c in text):
                raise ValueProblem(f"item {index}: a list item cannot be empty or hold white space")
        for check in checks:
            check(values, " ".join(item.write(v) for v in values))
        return values

    def write(value: Any) -> str:
        return " ".join(item.write(v) for v in accept(value))

    return SimpleCodec(read=read, accept=accept, write=write)


def _item(convert: Callable[[Any], Any], token: Any, index: int) -> Any:
    try:
        return convert(token)
    except ValueProblem as exc:
        raise ValueProblem(f"item {index}: {exc}") from None


def _union_codec(simple: SimpleType) -> SimpleCodec:
    """Part 2 §4.1.2.3: a value is valid if one member type accepts it; the first one that does decides."""
    members = [codec(member) for member in simple.members]
    checks = _checks(simple, None)
    names = ", ".join(m.type_name or m.builtin for m in simple.members)

    def first(convert: Callable[[SimpleCodec], Callable[[Any], Any]], value: Any) -> Any:
        for member in members:
            try:
                return convert(member)(value)
            except ValueProblem:
                continue
        raise ValueProblem(f"must be a value of one of: {names}")

    def read(text: str) -> Any:
        text = normalise(text, "collapse")
        value = first(lambda m: m.read, text)
        for check in checks:
            check(value, text)
        return value

    def accept(value: Any) -> Any:
        parsed = first(lambda m: m.accept, value)
        for check in checks:
            check(parsed, lexical.write(parsed) if not isinstance(parsed, list) else " ".join(map(str, parsed)))
        return parsed

    def write(value: Any) -> str:
        return str(first(lambda m: m.write, accept(value)))

    return SimpleCodec(read=read, accept=accept, write=write)


# -- facets ---------------------------------------------------------------------------------------------------


def _checks(simple: SimpleType, base: Callable[[str], Any] | None) -> list[Check]:
    facets = simple.facets
    checks: list[Check] = []
    unit = _unit(simple)
    if unit is not None:
        checks += _length_checks(simple, unit)
    for xsd_patterns, regexes in zip(facets.patterns, facets.regexes, strict=True):
        checks.append(_pattern_check(xsd_patterns, regexes))
    if facets.enumeration is not None:
        checks.append(_enumeration_check(simple, base))
    if simple.kind is Kind.INTEGER:
        checks += _builtin_bounds(simple.builtin)
    if simple.kind in (Kind.INTEGER, Kind.DECIMAL, Kind.FLOAT):
        checks += _range_checks(simple, base)
        checks += _digit_checks(simple)
    elif simple.kind in (Kind.DATE, Kind.DATETIME, Kind.TIME):
        checks += _moment_checks(simple)
    return checks


def _unit(simple: SimpleType) -> str | None:
    if simple.variety == "list":
        return "items"
    if simple.variety == "union" or simple.kind not in (Kind.STRING, Kind.BINARY, Kind.ANY):
        return None
    return "bytes" if simple.kind is Kind.BINARY else "characters"


def _length_checks(simple: SimpleType, unit: str) -> list[Check]:
    facets = simple.facets
    builtin = simple.builtin

    def size(value: Any) -> int:
        if unit == "bytes":
            return lexical.binary_length(value, builtin)
        return len(value)

    checks: list[Check] = []
    if facets.length is not None:
        exact = facets.length

        def length(value: Any, _: str) -> None:
            if size(value) != exact:
                raise ValueProblem(
                    f"must be exactly {exact} {unit} long" if unit != "items" else f"must have {exact} items"
                )

        checks.append(length)
    if facets.max_length is not None:
        most = facets.max_length

        def max_length(value: Any, _: str) -> None:
            if size(value) > most:
                raise ValueProblem(f"longer than {most}" if unit != "items" else f"has more than {most} items")

        checks.append(max_length)
    if facets.min_length is not None:
        least = facets.min_length

        def min_length(value: Any, _: str) -> None:
            if size(value) < least:
                raise ValueProblem(f"shorter than {least}" if unit != "items" else f"has fewer than {least} items")

        checks.append(min_length)
    return checks


def _pattern_check(xsd_patterns: Sequence[str], regexes: Sequence[str]) -> Check:
    compiled = [re.compile(regex) for regex in regexes]
    shown = xsd_patterns[0] if len(xsd_patterns) == 1 else "one of: " + ", ".join(xsd_patterns)

    def pattern(_: Any, text: str) -> None:
        for regex in compiled:
            if regex.match(text):
                return
        raise ValueProblem(f"must match {shown}")

    return pattern


def _enumeration_check(simple: SimpleType, base: Callable[[str], Any] | None) -> Check:
    enumeration = simple.facets.enumeration or ()
    shown = ", ".join(enumeration[:_ENUM_SHOWN]) + (
        f" … ({len(enumeration) - _ENUM_SHOWN} more)" if len(enumeration) > _ENUM_SHOWN else ""
    )
    mode = white_space(simple)
    allowed: set[Any] = set()
    for text in enumeration:
        try:
            allowed.add(base(normalise(text, mode)) if base is not None else normalise(text, mode))
        except ValueProblem:
            allowed.add(text)
    by_text = base is None

    def enumerated(value: Any, text: str) -> None:
        if (text if by_text else value) not in allowed:
            raise ValueProblem(f"must be one of: {shown}")

    return enumerated


def _range_checks(simple: SimpleType, base: Callable[[str], Any] | None) -> list[Check]:
    facets = simple.facets
    read = base or lexical.read_decimal
    checks: list[Check] = []
    for text, test, message in (
        (facets.min_inclusive, lambda v, b: v >= b, "must be at least {}"),
        (facets.max_inclusive, lambda v, b: v <= b, "must be at most {}"),
        (facets.min_exclusive, lambda v, b: v > b, "must be greater than {}"),
        (facets.max_exclusive, lambda v, b: v < b, "must be less than {}"),
    ):
        if text is None:
            continue
        try:
            bound = read(text)
        except ValueProblem:
            continue
        checks.append(_bounded(bound, test, message.format(text)))
    return checks


def _builtin_bounds(builtin: str) -> list[Check]:
    """The value space of the integer built-ins (Part 2 §3.3.13-§3.3.25): ``xsd:positiveInteger`` starts at 1."""
    low, high = builtins.INTEGER_BOUNDS.get(builtin, (None, None))
    checks: list[Check] = []
    if low is not None:
        checks.append(_bounded(low, lambda v, b: v >= b, f"must be at least {low}"))
    if high is not None:
        checks.append(_bounded(high, lambda v, b: v <= b, f"must be at most {high}"))
    return checks


def _bounded(bound: Any, test: Callable[[Any, Any], bool], message: str) -> Check:
    def check(value: Any, _: str) -> None:
        if isinstance(value, str):  # INF, -INF, NaN
            return
        if not test(value, bound):
            raise ValueProblem(message)

    return check


def _digit_checks(simple: SimpleType) -> list[Check]:
    facets = simple.facets
    checks: list[Check] = []
    if facets.total_digits is not None:
        total = facets.total_digits

        def total_digits(value: Any, _: str) -> None:
            if isinstance(value, (int, Decimal)) and _digits(value)[0] > total:
                raise ValueProblem(f"must have at most {total} digits")

        checks.append(total_digits)
    if facets.fraction_digits is not None:
        fraction = facets.fraction_digits

        def fraction_digits(value: Any, _: str) -> None:
            if isinstance(value, Decimal) and _digits(value)[1] > fraction:
                raise ValueProblem(f"must have at most {fraction} digits after the decimal point")

        checks.append(fraction_digits)
    return checks


def _digits(value: int | Decimal) -> tuple[int, int]:
    """Total and fraction digits of a value (Part 2 §4.3.11: of the value, so trailing zeros do not count)."""
    number = Decimal(value).normalize()
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    fraction = max(0, -exponent)
    total = max(len(digits), fraction) if exponent < 0 else len(digits) + exponent
    if number == 0:
        return 1, 0
    return total, fraction


def _moment_checks(simple: SimpleType) -> list[Check]:
    """Range facets on dates and times: compared on the time line where both have an offset or neither has."""
    facets = simple.facets
    kind = simple.kind
    checks: list[Check] = []
    for text, test, message in (
        (facets.min_inclusive, lambda v, b: v >= b, "must be at least {}"),
        (facets.max_inclusive, lambda v, b: v <= b, "must be at most {}"),
        (facets.min_exclusive, lambda v, b: v > b, "must be after {}"),
        (facets.max_exclusive, lambda v, b: v < b, "must be before {}"),
    ):
        bound = _moment(text, kind) if text is not None else None
        if bound is not None:
            checks.append(_moment_bounded(bound, kind, test, message.format(text)))
    return checks


def _moment_bounded(bound: datetime, kind: Kind, test: Callable[[Any, Any], bool], message: str) -> Check:
    def check(value: Any, _: str) -> None:
        moment = _moment(value, kind)
        if moment is not None and (moment.tzinfo is None) == (bound.tzinfo is None) and not test(moment, bound):
            raise ValueProblem(message)

    return check


_OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def _moment(text: str, kind: Kind) -> datetime | None:
    """A point on the time line for ordering (Part 2 §3.2.7.4), or ``None`` when Python cannot hold it."""
    offset = _OFFSET.search(text)
    body = text[: offset.start()] if offset else text
    try:
        if kind is Kind.DATE:
            moment = datetime.fromisoformat(body)
        elif kind is Kind.TIME:
            moment = datetime.fromisoformat(f"2000-01-01T{body.replace('24:00:00', '00:00:00')}")
        else:
            moment = datetime.fromisoformat(body.replace("T24:00:00", "T00:00:00"))
    except ValueError:
        return None
    if offset is None:
        return moment
    sign = offset.group(1)
    if sign == "Z":
        return moment.replace(tzinfo=UTC)
    hours, minutes = int(sign[1:3]), int(sign[4:6])
    delta = timedelta(hours=hours, minutes=minutes) * (1 if sign[0] == "+" else -1)
    return (moment - delta).replace(tzinfo=UTC)

"""The one XML parser: DTDs refused before parsing, limits checked while parsing, in linear time."""

from __future__ import annotations

import time

import pytest

from adapter.settings import XmlLimits
from adapter.xml import XmlError, has_doctype, parse


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<a/>", False),
        (b'<?xml version="1.0"?><!DOCTYPE a><a/>', True),
        (b"\xef\xbb\xbf <!-- c --> <?pi x?>\n<!DOCTYPE a [ ]><a/>", True),
        (b"<!-- <!DOCTYPE a> --><a/>", False),
        (b"<?xml version='1.0'?><a><!DOCTYPE inside text is not a prolog></a>", False),
        (b"<!-- never closed", False),
    ],
)
def test_doctype_is_found_only_in_the_prolog(data: bytes, expected: bool) -> None:
    assert has_doctype(data) is expected


def test_the_prolog_scan_is_linear() -> None:
    # A declaration followed by a large body full of '?>' and '-->' look-alikes: a backtracking pattern takes
    # quadratic time (48 KB took 10 s with the first version, so these 340 KB would take minutes); one scan takes
    # milliseconds. The margin is generous both ways, so a loaded machine cannot fail it.
    body = b"<a>" + b"?> --> <? <!-- x " * 20_000 + b"</a>"
    started = time.perf_counter()
    assert has_doctype(b'<?xml version="1.0"?>' + body) is False
    assert time.perf_counter() - started < 20
    with pytest.raises(XmlError):
        parse(b'<?xml version="1.0"?>' + body, XmlLimits())  # not well-formed: '<?' inside an element


def test_a_large_valid_document_parses_quickly() -> None:
    data = b'<?xml version="1.0"?><r>' + b"<e a='1'>text</e>" * 40_000 + b"</r>"
    started = time.perf_counter()
    root = parse(data, XmlLimits())
    assert len(root) == 40_000
    # Tens of milliseconds when each limit check is constant time; a check that rescans the document (quadratic
    # in 40,000 elements) would take many minutes: a margin that no machine's load can reach.
    assert time.perf_counter() - started < 60


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<" + b"a" * 300 + b"/>", "a name is longer than 256 characters"),
        (b"<a " + b"b" * 300 + b'="1"/>', "a name is longer than 256 characters"),
        (b"<a>" * 101 + b"</a>" * 101, "nests deeper than 100"),
        (b"<a " + b" ".join(b'x%d="1"' % i for i in range(101)) + b"/>", "more than 100 attributes"),
        (b"<a " + b" ".join(b'xmlns:p%d="urn:%d"' % (i, i) for i in range(51)) + b"/>", "more than 50 namespaces"),
        (b"<a>" + b"x" * (1024 * 1024 + 1) + b"</a>", "a text node is longer"),
        (b'<a b="' + b"x" * (1024 * 1024 + 1) + b'"/>', "an attribute value is longer"),
        (b"<r>" + b"<e/>" * 50_000 + b"</r>", "more than 50000 elements"),
        (b"\xff\xfe<\x00a\x00/\x00>\x00", "must be UTF-8"),
    ],
)
def test_each_limit_is_enforced_with_its_own_message(data: bytes, message: str) -> None:
    with pytest.raises(XmlError, match=message):
        parse(data, XmlLimits())


def test_limits_are_configurable() -> None:
    assert len(parse(b"<a>" * 150 + b"</a>" * 150, XmlLimits(max_depth=200)).tag) == 1

"""Simple values read from replies: a text already read is not read again, and what fails fails every time."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapter.contract.values import ValueProblem, WideInteger, codec
from adapter.contract.xsd import Facets, SimpleType


def test_a_repeated_text_reads_to_the_same_value_and_a_bad_one_fails_each_time() -> None:
    amount = codec(SimpleType(id="t:amount", builtin="decimal", facets=Facets(max_inclusive="100")))
    first, again = amount.read(" 12.50 "), amount.read(" 12.50 ")
    assert first == again == Decimal("12.50") and str(again) == "12.50"
    for _ in range(2):
        with pytest.raises(ValueProblem, match="at most 100"):
            amount.read("100.01")
    wide = codec(SimpleType(id="t:long", builtin="long"))
    assert type(wide.read("9007199254740993")) is type(wide.read("9007199254740993")) is WideInteger
    text = codec(SimpleType(id="t:text", builtin="string", facets=Facets(max_length=200)))
    long_text = "x" * 150  # longer texts are read every time: free text seldom repeats
    assert text.read(long_text) == text.read(long_text) == long_text

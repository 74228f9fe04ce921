"""The mapping engine on plain data, with hand-made shapes: no contract, no network."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapter.exceptions import RequestValidationError
from adapter.mapping.compiler import CompiledRoute, Compiler
from adapter.mapping.engine import build_request, build_response
from adapter.mapping.functions import ExactNumber, TransformError, alpha, value_map
from adapter.mapping.loader import parse_mapping
from tests.shapes import Complex, Field, Kind, Simple

STRING, DECIMAL, DATE = Simple(Kind.STRING), Simple(Kind.DECIMAL), Simple(Kind.DATE)
AMOUNT = Complex(type_name="Amount", attributes={"Ccy": STRING}, required_attributes={"Ccy"}, value=DECIMAL)
PARTY = Complex(type_name="Party", fields={"Name": Field("Name", STRING), "IBAN": Field("IBAN", STRING, min_occurs=0)})
LINE = Complex(type_name="Line", fields={"Sku": Field("Sku", STRING), "Qty": Field("Qty", DECIMAL)})
INPUT = Complex(
    type_name="Order",
    fields={
        "Id": Field("Id", STRING),
        "Amount": Field("Amount", AMOUNT),
        "Due": Field("Due", DATE, min_occurs=0),
        "Payer": Field("Payer", PARTY, min_occurs=0),
        "Note": Field("Note", STRING, min_occurs=0, nillable=True),
        "Line": Field("Line", LINE, min_occurs=0, max_occurs=None),
    },
)
OUTPUT = Complex(
    fields={
        "Id": Field("Id", STRING),
        "Total": Field("Total", AMOUNT),
        "Note": Field("Note", STRING, min_occurs=0, nillable=True),
        "Line": Field("Line", LINE, min_occurs=0, max_occurs=None),
    }
)


class Op:
    name = "Order"
    input_shape = INPUT
    output_shape = OUTPUT
    faults: dict[str, Field] = {}


MAPPING = """
contract: {wsdl: x.wsdl}
backend: {url: http://x}
routes:
  - method: POST
    path: /orders/{id}
    operation: Order
    request:
      Id: { from: path.id, transform: { alpha: { width: 6 } } }
      Amount: { fields: { _value: body.total.amount, Ccy: body.total.currency } }
      Due: body.due
      Payer: { fields: { Name: body.payer.name, IBAN: body.payer.iban } }
      Note: body.note
      Line: { each: body.lines, fields: { Sku: sku, Qty: qty } }
    response:
      id: { from: Id, transform: alpha }
      total: { from: Total, fields: { amount: { from: _value, transform: number }, currency: Ccy } }
      note: Note
      missing: { from: Nowhere, default: none }
      lines: { each: Line, fields: { sku: Sku, qty: Qty } }
"""


@pytest.fixture(scope="module")
def route() -> CompiledRoute:
    parsed = parse_mapping(MAPPING, "t.yaml", {})
    compiler = Compiler("t.yaml", parsed.located, {"Order": Op()})
    compiled = compiler.compile(parsed.model)
    # The one deliberate slip: a default for a reply field the contract does not have.
    assert [p.detail for p in compiler.problems] == [
        "t.yaml:19:24: 'Nowhere' is not in the reply; it has: Id, Total, Note, Line (routes.0.response.missing.from)"
    ]
    return compiled.routes[0]


def request(path: dict[str, str], body: object) -> dict[str, object]:
    return {"path": path, "query": {}, "headers": {}, "body": body}


def test_request_is_built_with_schema_types(route: CompiledRoute) -> None:
    body = {
        "total": {"amount": "98765432109876.54", "currency": "EUR"},
        "due": "2026-02-01",
        "lines": [{"sku": "A", "qty": 1}],
        "note": None,
    }
    payload = build_request(route.request, request({"id": "42"}, body))
    assert payload == {
        "Id": "000042",
        "Amount": {"_value": Decimal("98765432109876.54"), "Ccy": "EUR"},
        "Due": "2026-02-01",  # dates keep their lexical form (and offset)
        "Note": None,  # nillable: JSON null becomes xsi:nil
        "Line": [{"Sku": "A", "Qty": Decimal(1)}],
    }


def test_an_optional_group_with_nothing_sent_is_left_out(route: CompiledRoute) -> None:
    body = {"total": {"amount": 1, "currency": "EUR"}}
    assert "Payer" not in build_request(route.request, request({"id": "1"}, body))


def test_a_started_group_must_be_complete(route: CompiledRoute) -> None:
    body = {"total": {"amount": 1, "currency": "EUR"}, "payer": {"iban": "X"}}
    with pytest.raises(RequestValidationError) as caught:
        build_request(route.request, request({"id": "1"}, body))
    assert [(p.location, p.message) for p in caught.value.problems] == [("body.payer.name", "is required")]


def test_every_problem_is_reported_with_its_json_place(route: CompiledRoute) -> None:
    body = {"total": {"amount": "1e5"}, "lines": [{"sku": "A"}, "x"], "due": 20260201}
    with pytest.raises(RequestValidationError) as caught:
        build_request(route.request, request({"id": "1234567"}, body))
    assert [(p.location, p.message) for p in caught.value.problems] == [
        ("path.id", "must have at most 6 digits"),
        ("body.total.amount", "must be a decimal number (a JSON number or a numeric string)"),
        ("body.total.currency", "is required"),
        ("body.due", "must be a date (YYYY-MM-DD, optionally with a timezone offset)"),
        ("body.lines[0].qty", "is required"),
        ("body.lines[1]", "must be an object"),
    ]


def test_response_nil_absent_lists_and_exact_numbers(route: CompiledRoute) -> None:
    output = {
        "Id": "000042",
        "Total": {"_value": Decimal("10.50"), "Ccy": "EUR"},
        "Note": None,
        "Line": [{"Sku": "A", "Qty": Decimal("1.000")}],
    }
    document = build_response(route.response, output)
    assert document == {
        "id": "42",
        "total": {"amount": Decimal("10.50"), "currency": "EUR"},
        "note": None,
        "missing": "none",
        "lines": [{"sku": "A", "qty": Decimal("1.000")}],
    }
    assert isinstance(document["total"]["amount"], ExactNumber)
    empty = build_response(route.response, {"Id": "7", "Total": {"_value": Decimal(1), "Ccy": "EUR"}, "Line": []})
    assert empty["lines"] == [] and "note" not in empty


def test_alpha_and_map_work_both_ways() -> None:
    assert alpha(10).inbound("100042") == "0000100042"
    assert alpha(10).inbound(100042) == "0000100042"
    assert alpha(10).inbound("MAT-1") == "MAT-1"
    assert alpha(10).outbound("0000000000") == "0"
    codes = value_map({"A": "open", "X": "cancelled"})
    assert codes.outbound("A") == "open" and codes.inbound("cancelled") == "X"
    assert codes.outbound("Z") == "Z"  # a code the mapping does not know yet passes through
    with pytest.raises(TransformError, match="must be one of: cancelled, open"):
        codes.inbound("A")

"""Property tests with strategies generated from the model: for random valid values of every input message of the
synthetic and shipped contracts, JSON → XML → JSON is the identity and the XML validates against the contract's XSD
with xmlschema (the reference); random invalid values are refused naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from adapter.contract.port import HEADER_KEY, BoundOperation
from adapter.contract.xsd import TYPE_KEY, ComplexType, XsdType
from adapter.exchange.decoder import Report, decode, reader
from adapter.exchange.encoder import EncodeProblem
from adapter.exchange.envelope import OperationExchange
from adapter.intake import load_contract
from adapter.testing import contract_schema
from tests.contract.strategies import values

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = [
    ROOT / "tests/wsdl/treasury.wsdl",
    ROOT / "tests/wsdl/orders.wsdl",
    ROOT / "wsdl/bank/core_banking.wsdl",
    ROOT / "wsdl/erp/sales_orders.wsdl",
    ROOT / "wsdl/bank/payment_orders.wsdl",
]
OPERATIONS = [(path, name) for path in CONTRACTS for name in load_contract(path).operations]
_schemas: dict[Path, Any] = {}


def _operation(path: Path, name: str) -> BoundOperation:
    return load_contract(path).operations[name]


def _schema(path: Path) -> Any:
    if path not in _schemas:
        _schemas[path] = contract_schema(path, validation="lax")
    return _schemas[path]


def expected(value: Any, shape: XsdType) -> Any:
    """``value`` as the decoder gives it back: a repeated element always a list, defaults filled in."""
    if not isinstance(shape, ComplexType) or not isinstance(value, dict):
        return value
    if TYPE_KEY in value:
        shape = shape.variants[value[TYPE_KEY]]
    out = dict(value)
    for use in shape.attribute_uses:
        default = use.fixed if use.fixed is not None else use.default
        if use.name not in out and default is not None and use.use == "optional":
            from adapter.contract.values import codec

            out[use.name] = codec(use.type).read(default)
    for name, member in shape.fields.items():
        if member.is_list:
            out[name] = [expected(item, member.shape) for item in out.get(name, [])]
        elif name in out:
            out[name] = expected(_defaulted(out[name], member), member.shape)
    return out


def _defaulted(value: Any, member: Any) -> Any:
    element = member.element
    default = None if element is None else element.fixed if element.fixed is not None else element.default
    if value == "" and default is not None:
        return default  # Part 1 §3.3.4: an empty element takes its default value
    return value


def _sent(operation: BoundOperation, value: dict[str, Any]) -> tuple[Any, Any]:
    root = OperationExchange(operation).envelope(value)
    env = etree.QName(root).namespace
    return root.find(f"{{{env}}}Body")[0], root.find(f"{{{env}}}Header")


@pytest.mark.parametrize(("path", "name"), OPERATIONS, ids=[f"{p.stem}.{n}" for p, n in OPERATIONS])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_json_to_xml_to_json_is_the_identity_and_the_xml_is_valid(path: Path, name: str, data: st.DataObject) -> None:
    operation = _operation(path, name)
    message = operation.input
    value = data.draw(values(message.shape), label="input")
    payload, header = _sent(operation, value)
    namespaces = {k or "": v for k, v in payload.nsmap.items()}
    _schema(path).validate(payload, namespaces=namespaces)
    report = Report()
    decoded = decode(payload, message.body, report) if message.root is not None else _content(payload, message)
    if HEADER_KEY in value:
        blocks: dict[str, Any] = {}
        assert message.headers is not None
        reader(message.headers).content(header, blocks, report)
        decoded[HEADER_KEY] = blocks
    assert decoded == expected(value, message.shape)


def _content(body_child: Any, message: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    reader(message.body).content(body_child.getparent(), out, Report())
    return out


BAD = st.sampled_from(["bad\x00", "\ufffe", "x" * 300, "§not-allowed§", "-99999999999999999999999", "nope"])


@pytest.mark.parametrize(("path", "name"), OPERATIONS, ids=[f"{p.stem}.{n}" for p, n in OPERATIONS])
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_an_invalid_value_is_refused_naming_its_field(path: Path, name: str, data: st.DataObject) -> None:
    operation = _operation(path, name)
    message = operation.input
    value = data.draw(values(message.body), label="input")
    simple = [n for n, f in message.body.fields.items() if not f.shape.is_complex and not f.is_list and n in value]
    if not simple:
        return
    target = data.draw(st.sampled_from(simple), label="field")
    bad = data.draw(BAD.filter(lambda v: not _accepts(message.body.fields[target].shape, v)), label="value")
    with pytest.raises(EncodeProblem) as refused:
        OperationExchange(operation).envelope({**value, target: bad})
    assert refused.value.path == target and refused.value.message


def _accepts(shape: Any, value: str) -> bool:
    from adapter.contract.values import ValueProblem, codec

    try:
        codec(shape).accept(value)
        return True
    except ValueProblem:
        return False

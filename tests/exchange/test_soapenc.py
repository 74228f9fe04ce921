"""SOAP 1.1 §5 encoding, pure: replies written after the specification's examples (§5.4.1 multi-reference values,
§5.4.2 arrays, §5.2 simple types) for the contract Apache Axis 1.4 publishes for a small Java service
(``tests/wsdl/axis-customers.wsdl``), decoded by the exchange without any Java; requests encoded from plain data.
``tests/soap/test_axis.py`` runs the same contract against the real Axis.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from adapter.contract.port import Contract
from adapter.exceptions import BackendContractViolation, BackendFault, RequestValidationError
from adapter.exchange.route import outbound, output
from adapter.intake import ContractCache, ContractStore
from adapter.settings import XmlLimits

WSDL = Path(__file__).resolve().parents[1] / "wsdl" / "axis-customers.wsdl"
LIMITS = XmlLimits()
ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

CUSTOMER = {
    "address": {"city": "London", "zip": "N1"},
    "balance": Decimal("12345678901234567.10"),
    "id": "C42",
    "name": "Ada Lovelace",
    "tags": ["gold", "emea"],
    "visits": 7,
}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return ContractStore(ContractCache(None)).contract(WSDL)


def envelope(body: str) -> bytes:
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:soapenc="{ENC}" xmlns:ns1="urn:customers"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>'
    ).encode()


def response(operation: str, content: str, *multirefs: str) -> bytes:
    wrapper = (
        f'<ns1:{operation}Response soapenv:encodingStyle="{ENC}">{content}</ns1:{operation}Response>'
        if operation
        else content
    )
    return envelope(wrapper + "".join(multirefs))


def multiref(key: str, xsi_type: str, content: str) -> str:
    return (
        f'<multiRef id="{key}" soapenc:root="0" soapenv:encodingStyle="{ENC}" xsi:type="{xsi_type}">'
        f"{content}</multiRef>"
    )


CUSTOMER_REF = multiref(
    "id0",
    "ns1:Customer",
    '<address href="#id1"/><balance href="#id2"/><id xsi:type="soapenc:string">C42</id>'
    '<name xsi:type="soapenc:string">Ada Lovelace</name>'
    '<tags soapenc:arrayType="soapenc:string[2]" xsi:type="soapenc:Array">'
    '<tags xsi:type="soapenc:string">gold</tags><tags xsi:type="soapenc:string">emea</tags></tags>'
    '<visits href="#id3"/>',
)
ADDRESS_REF = multiref(
    "id1", "ns1:Address", '<city xsi:type="soapenc:string">London</city><zip xsi:type="soapenc:string">N1</zip>'
)
BALANCE_REF = multiref("id2", "soapenc:decimal", "12345678901234567.10")
VISITS_REF = multiref("id3", "xsd:int", "7")


def decoded(contract: Contract, operation: str, reply: bytes, limits: XmlLimits = LIMITS) -> Any:
    return output(contract.operations[operation], reply, limits)


def violation(contract: Contract, operation: str, reply: bytes, limits: XmlLimits = LIMITS) -> str:
    with pytest.raises(BackendContractViolation) as caught:
        decoded(contract, operation, reply, limits)
    assert caught.value.detail == "the backend reply does not conform to the contract"  # the caller learns no more
    return f"{caught.value.path}: {caught.value.rule}"


# -- multi-reference values (§5.4.1) -------------------------------------------------------------------------


def test_multiref_reply_decodes_to_the_whole_value(contract: Contract) -> None:
    """Axis's default reply: the return value and each of its members written once, referred to by href."""
    reply = response(
        "getCustomer",
        '<getCustomerReturn href="#id0"/>',
        CUSTOMER_REF,
        VISITS_REF,
        BALANCE_REF,
        ADDRESS_REF,
    )
    value = decoded(contract, "getCustomer", reply)
    assert value == {"getCustomerReturn": CUSTOMER}
    assert isinstance(value["getCustomerReturn"]["balance"], Decimal)  # exact, never a float


def test_multirefs_may_come_in_any_order_and_before_the_wrapper(contract: Contract) -> None:
    reply = envelope(
        ADDRESS_REF
        + BALANCE_REF
        + '<ns1:getCustomerResponse><getCustomerReturn href="#id0"/></ns1:getCustomerResponse>'
        + VISITS_REF
        + CUSTOMER_REF
    )
    assert decoded(contract, "getCustomer", reply) == {"getCustomerReturn": CUSTOMER}


def test_shared_references_decode_to_equal_values(contract: Contract) -> None:
    """§5.4.1: one value, two accessors; each accessor gets the whole value."""
    reply = response(
        "twins",
        '<twinsReturn soapenc:arrayType="ns1:Customer[2]" xsi:type="soapenc:Array">'
        '<twinsReturn href="#id0"/><twinsReturn href="#id0"/></twinsReturn>',
        CUSTOMER_REF,
        BALANCE_REF,
        ADDRESS_REF,
        VISITS_REF,
    )
    value = decoded(contract, "twins", reply)
    assert value == {"twinsReturn": [CUSTOMER, CUSTOMER]}


@pytest.mark.parametrize(
    ("refs", "cycle"),
    [
        ([multiref("id0", "ns1:Customer", '<address href="#id0"/>')], "#id0 → #id0"),
        (
            [
                multiref("id0", "ns1:Customer", '<address href="#id1"/>'),
                multiref("id1", "ns1:Address", '<city href="#id0"/>'),
            ],
            "#id0 → #id1 → #id0",
        ),
    ],
    ids=["self", "two-step"],
)
def test_a_cycle_of_references_is_refused_naming_it(contract: Contract, refs: list[str], cycle: str) -> None:
    """JSON cannot carry a cycle and the adapter does not guess where to cut it: a contract violation (502)."""
    message = violation(contract, "getCustomer", response("getCustomer", '<getCustomerReturn href="#id0"/>', *refs))
    assert "cycle of references" in message and cycle in message


def test_references_that_would_multiply_the_reply_are_bounded(contract: Contract) -> None:
    """Each level refers twice to the next: 2^n copies. Refused once past the element limit, not built."""
    levels = 40
    refs = [
        multiref(f"id{n}", "ns1:Address", f'<city href="#id{n + 1}"/><zip href="#id{n + 1}"/>') for n in range(levels)
    ]
    refs.append(multiref(f"id{levels}", "xsd:string", "x"))
    reply = response("getCustomer", '<getCustomerReturn href="#id0"/>', *refs)
    message = violation(contract, "getCustomer", reply, XmlLimits(max_elements=1000))
    assert "more than 1000 elements once its references are resolved" in message


def test_references_are_bounded_in_depth(contract: Contract) -> None:
    refs = [multiref(f"id{n}", "ns1:Address", f'<city href="#id{n + 1}"/>') for n in range(30)]
    refs.append(multiref("id30", "xsd:string", "x"))
    reply = response("getCustomer", '<getCustomerReturn href="#id0"/>', *refs)
    assert "nests deeper than 20 elements" in violation(contract, "getCustomer", reply, XmlLimits(max_depth=20))


@pytest.mark.parametrize(
    ("href", "said"),
    [("#nowhere", "refers to #nowhere, which the reply does not hold"), ("http://x/y#1", "outside the message")],
)
def test_a_reference_to_nothing_is_refused(contract: Contract, href: str, said: str) -> None:
    message = violation(contract, "getCustomer", response("getCustomer", f'<getCustomerReturn href="{href}"/>'))
    assert said in message
    assert message.startswith("getCustomerResponse/getCustomerReturn")


# -- arrays (§5.4.2) ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ('soapenc:arrayType="xsd:string[0]"/>', []),
        ('soapenc:arrayType="xsd:string[0]"></listTagsReturn>', []),
        (
            'soapenc:arrayType="xsd:string[3]"><item>t0</item><x xsi:type="soapenc:string">t1</x>'
            '<item xsi:nil="true"/></listTagsReturn>',
            ["t0", "t1", None],
        ),
        ('soapenc:arrayType="xsd:string[]"><a>t0</a></listTagsReturn>', ["t0"]),
    ],
    ids=["empty", "empty-open", "items-named-anything-and-nil", "size-left-out"],
)
def test_soap_enc_arrays_are_json_lists(contract: Contract, items: str, expected: list[Any]) -> None:
    reply = response("listTags", f'<listTagsReturn xsi:type="soapenc:Array" {items}')
    assert decoded(contract, "listTags", reply) == {"listTagsReturn": expected}


def test_array_items_may_be_references(contract: Contract) -> None:
    """§5.4.2's example: items written as independent elements and referred to."""
    reply = response(
        "listTags",
        '<listTagsReturn xsi:type="soapenc:Array" soapenc:arrayType="xsd:string[2]">'
        '<item href="#s1"/><item href="#s2"/></listTagsReturn>',
        '<s id="s1" soapenc:root="0" xsi:type="xsd:string">Java</s>',
        '<s id="s2" soapenc:root="0" xsi:type="xsd:string">SOAP</s>',
    )
    assert decoded(contract, "listTags", reply) == {"listTagsReturn": ["Java", "SOAP"]}


def test_an_array_whose_items_differ_from_its_size_is_a_violation(contract: Contract) -> None:
    reply = response("listTags", '<listTagsReturn soapenc:arrayType="xsd:string[3]"><item>a</item></listTagsReturn>')
    assert "holds 1 items; its soapenc:arrayType xsd:string[3] says 3" in violation(contract, "listTags", reply)


def test_sparse_arrays_are_refused(contract: Contract) -> None:
    reply = response(
        "listTags",
        '<listTagsReturn soapenc:arrayType="xsd:string[5]" soapenc:offset="[2]"><item>c</item></listTagsReturn>',
    )
    assert "partially transmitted or sparse" in violation(contract, "listTags", reply)


def test_array_items_are_checked_against_the_item_type(contract: Contract) -> None:
    arrays = response(
        "twins",
        '<twinsReturn soapenc:arrayType="ns1:Customer[1]"><item><visits>many</visits></item></twinsReturn>',
    )
    assert violation(contract, "twins", arrays).startswith("twinsResponse/twinsReturn/item/visits")


# -- simple values (§5.2) -------------------------------------------------------------------------------------


def test_soapenc_typed_values_are_plain_json_scalars(contract: Contract) -> None:
    reply = response("total", '<totalReturn href="#id0"/>', multiref("id0", "soapenc:decimal", "0.30"))
    value = decoded(contract, "total", reply)
    assert value == {"totalReturn": Decimal("0.30")} and str(value["totalReturn"]) == "0.30"


def test_a_soapenc_value_the_type_refuses_is_a_violation(contract: Contract) -> None:
    reply = response("total", '<totalReturn xsi:type="soapenc:decimal">0.1e3x</totalReturn>')
    assert violation(contract, "total", reply).startswith("totalResponse/totalReturn")


# -- faults declared by type= (rpc/encoded) -------------------------------------------------------------------


def test_a_fault_declared_by_type_is_the_declared_fault_with_its_detail_as_an_object(contract: Contract) -> None:
    assert list(contract.operations["getCustomer"].faults) == ["UnknownCustomerFault"]
    reply = envelope(
        "<soapenv:Fault><faultcode>soapenv:Server.userException</faultcode>"
        "<faultstring>UnknownCustomerFault: unknown customer X1</faultstring><detail>"
        '<UnknownCustomerFault xsi:type="ns1:UnknownCustomerFault">'
        '<customerId xsi:type="soapenc:string">X1</customerId></UnknownCustomerFault>'
        '<ns2:stackTrace xmlns:ns2="http://xml.apache.org/axis/">at CustomerService.getCustomer</ns2:stackTrace>'
        "</detail></soapenv:Fault>"
    )
    with pytest.raises(BackendFault) as caught:
        decoded(contract, "getCustomer", reply)
    fault = caught.value.fault
    assert (fault.code, fault.detail_name, fault.detail) == (
        "Server.userException",
        "UnknownCustomerFault",
        {"customerId": "X1"},
    )


# -- requests -------------------------------------------------------------------------------------------------


def sent(contract: Contract, operation: str, data: dict[str, Any]) -> Any:
    return etree.fromstring(outbound(contract.operations[operation], data).body())[0][0]


def test_requests_carry_encoding_style_and_xsi_type(contract: Contract) -> None:
    wrapper = sent(contract, "getCustomer", {"in0": "C42"})
    assert wrapper.get("{http://schemas.xmlsoap.org/soap/envelope/}encodingStyle") == ENC
    (part,) = wrapper
    assert (part.tag, part.text) == ("in0", "C42")
    assert _qname(part, part.get(f"{{{XSI}}}type")) == f"{{{ENC}}}string"  # as the WSDL types the part


def test_lists_are_written_as_soap_enc_arrays(contract: Contract) -> None:
    wrapper = sent(contract, "total", {"in0": [Decimal("0.10"), Decimal("12345678901234567.20")]})
    (array,) = wrapper
    assert _qname(array, array.get(f"{{{XSI}}}type")) == f"{{{ENC}}}Array"
    assert array.get(f"{{{ENC}}}arrayType").split(":")[1] == "decimal[2]"
    assert [(item.text, _qname(item, item.get(f"{{{XSI}}}type"))) for item in array] == [
        ("0.10", "{http://www.w3.org/2001/XMLSchema}decimal"),
        ("12345678901234567.20", "{http://www.w3.org/2001/XMLSchema}decimal"),
    ]
    (empty,) = sent(contract, "total", {"in0": []})
    assert empty.get(f"{{{ENC}}}arrayType").endswith("decimal[0]") and len(empty) == 0


def test_beans_are_typed_by_their_contract_names(contract: Contract) -> None:
    (bean,) = sent(contract, "save", {"in0": {**CUSTOMER, "address": None}})
    assert _qname(bean, bean.get(f"{{{XSI}}}type")) == "{urn:customers}Customer"
    address = bean.find("address")
    assert address.get(f"{{{XSI}}}nil") == "true"
    tags = bean.find("tags")
    assert [item.text for item in tags] == ["gold", "emea"]


def test_a_request_value_the_contract_refuses_is_a_422(contract: Contract) -> None:
    with pytest.raises(RequestValidationError):
        outbound(contract.operations["total"], {"in0": "not a list"})


def _qname(element: Any, text: str) -> str:
    prefix, _, local = text.partition(":")
    return f"{{{element.nsmap[prefix]}}}{local}"

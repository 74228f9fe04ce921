"""The ERP simulator against its hand-written contract, over real HTTP, in SOAP 1.2 and SOAP 1.1.

Clients are built by zeep from ``wsdl/erp/sales_orders.wsdl`` (never from the simulator's ?wsdl),
and every reply's raw bytes are validated against the contract's schema.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import xmlschema
import zeep
from lxml import etree
from zeep.exceptions import Fault
from zeep.transports import Transport

from adapter.demo.simulators.erp import ErpState, create_app
from adapter.testing import assert_valid_reply, body_payloads, contract_schema, serve_wsgi

CONTRACT = Path(__file__).resolve().parents[2] / "wsdl" / "erp" / "sales_orders.wsdl"
TNS = "urn:sap-com:document:sap:rfc:functions"
PATH = "/sap/bc/srt/rfc/sap/zsalesorder"
BINDINGS = {"soap12": "ZSalesOrderBinding_soap12", "soap11": "ZSalesOrderBinding"}
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


class RecordingTransport(Transport):  # type: ignore[misc]
    """A zeep transport that keeps the raw bytes and headers of the last exchange."""

    def post(self, address: str, message: bytes, headers: dict[str, str]) -> Any:
        response = super().post(address, message, headers)
        self.request_headers = dict(headers)
        self.status = response.status_code
        self.reply_headers = dict(response.headers)
        self.reply: bytes = response.content
        return response


@dataclass
class Erp:
    """One binding of the contract, pointed at a running simulator; every call checks its reply."""

    version: str
    service: Any
    transport: RecordingTransport
    schema: xmlschema.XMLSchemaBase

    def __call__(self, operation: str, **params: Any) -> Any:
        result = getattr(self.service, operation)(**params)
        self.check_reply()
        return result

    def check_reply(self) -> None:
        reply = self.transport.reply
        assert_valid_reply(self.schema, reply)
        assert_unqualified_locals(reply)
        media_type = "application/soap+xml" if self.version == "soap12" else "text/xml"
        assert self.transport.reply_headers["Content-Type"].startswith(media_type)


def assert_unqualified_locals(envelope: bytes) -> None:
    """elementFormDefault="unqualified": the body entry is in the contract's namespace, nothing below."""
    for entry in body_payloads(envelope):
        if etree.QName(entry).localname == "Fault":
            continue
        assert etree.QName(entry).namespace == TNS
        assert [el.tag for el in entry.iterdescendants() if etree.QName(el).namespace] == []


def rows(table: Any) -> list[Any]:
    """The item rows of an SAP table as zeep returns it: an empty table comes back as None."""
    return [] if table is None else list(table.item or [])


def messages(reply: Any) -> list[tuple[str, str, str, str]]:
    """The RETURN rows as (TYPE, ID, NUMBER, MESSAGE)."""
    # zeep unwraps a response with one child (Z_SALESORDER_CANCELResponse) to that table's rows.
    table = reply if isinstance(reply, list) else rows(reply.RETURN)
    return [(r.TYPE, r.ID, r.NUMBER, r.MESSAGE) for r in table]


# --- fixtures ------------------------------------------------------------------------------------


def _contract_schema() -> xmlschema.XMLSchemaBase:
    return contract_schema(CONTRACT)


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchemaBase:
    return _contract_schema()


@pytest.fixture(scope="module")
def shared_url() -> Iterator[str]:
    """A simulator for tests that only read; its seed data never changes."""
    with serve_wsgi(create_app()) as url:
        yield url + PATH


@pytest.fixture(scope="module", params=list(BINDINGS))
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def zeep_client(version: str) -> tuple[zeep.Client, RecordingTransport]:
    transport = RecordingTransport()
    return zeep.Client(str(CONTRACT), transport=transport), transport


def _erp(client: tuple[zeep.Client, RecordingTransport], version: str, url: str, schema: Any) -> Erp:
    zeep_client, transport = client
    service = zeep_client.create_service(f"{{{TNS}}}{BINDINGS[version]}", url)
    return Erp(version, service, transport, schema)


@pytest.fixture
def erp(zeep_client: Any, version: str, shared_url: str, schema: Any) -> Erp:
    return _erp(zeep_client, version, shared_url, schema)


@pytest.fixture
def fresh_erp(zeep_client: Any, version: str, schema: Any) -> Iterator[Erp]:
    """A simulator of its own, for tests that create or cancel orders."""
    with serve_wsgi(create_app()) as url:
        yield _erp(zeep_client, version, url + PATH, schema)


# --- reading ---------------------------------------------------------------------------------------


def test_get_returns_the_seeded_order_with_exact_decimals(erp: Erp) -> None:
    reply = erp("Z_SALESORDER_GET", VBELN="0000004711")

    header = reply.ORDER_HEADER
    assert (header.VBELN, header.KUNNR, header.AUART, header.WAERK, header.STATUS) == (
        "0000004711",
        "0000100042",
        "TA",
        "EUR",
        "A",
    )
    assert header.AUDAT == date(2025, 1, 15)
    items = rows(reply.ORDER_ITEMS)
    assert [(i.POSNR, i.MATNR, i.VRKME) for i in items] == [
        ("000010", "MAT-1001", "ST"),
        ("000020", "MAT-1002", "ST"),
    ]
    assert items[0].ARKTX == "Hydraulic pump HX-200"
    assert [(i.KWMENG, i.NETPR, i.NETWR) for i in items] == [
        (Decimal("2.000"), Decimal("1249.90"), Decimal("2499.80")),
        (Decimal("4.000"), Decimal("89.50"), Decimal("358.00")),
    ]
    assert header.NETWR == sum(i.NETWR for i in items) == Decimal("2857.80")
    assert messages(reply) == []
    # The lexical forms SAP writes: all fraction digits, no exponent, no float noise.
    for text in (b"<KWMENG>2.000</KWMENG>", b"<NETPR>1249.90</NETPR>", b"<NETWR>2857.80</NETWR>"):
        assert text in erp.transport.reply


@pytest.mark.parametrize("vbeln", ["0000009999", "4711", "4711      "])
def test_get_unknown_or_external_number_is_an_e_row(erp: Erp, vbeln: str) -> None:
    reply = erp("Z_SALESORDER_GET", VBELN=vbeln)

    assert reply.ORDER_HEADER is None
    assert rows(reply.ORDER_ITEMS) == []
    assert messages(reply) == [("E", "V1", "302", f"Sales document {vbeln} does not exist")]
    assert erp.transport.status == 200


def test_list_customer_with_one_order(erp: Erp) -> None:
    reply = erp("Z_SALESORDER_LIST", KUNNR="0000100042")

    assert [(o.VBELN, o.KUNNR, o.NETWR) for o in rows(reply.ORDERS)] == [
        ("0000004711", "0000100042", Decimal("2857.80"))
    ]
    assert messages(reply) == []


def test_list_customer_with_three_orders_in_document_order(erp: Erp) -> None:
    reply = erp("Z_SALESORDER_LIST", KUNNR="0000100043")

    orders = rows(reply.ORDERS)
    assert [(o.VBELN, o.STATUS) for o in orders] == [
        ("0000004712", "A"),
        ("0000004713", "B"),
        ("0000004714", "C"),
    ]
    # 12.5 L x 4.35 = 54.375, rounded half up to 54.38.
    assert [o.NETWR for o in orders] == [Decimal("870.00"), Decimal("895.00"), Decimal("1304.28")]


@pytest.mark.parametrize(("status", "expected"), [("A", ["0000004712"]), ("C", ["0000004714"]), ("X", [])])
def test_list_filters_by_status(erp: Erp, status: str, expected: list[str]) -> None:
    reply = erp("Z_SALESORDER_LIST", KUNNR="0000100043", STATUS=status)

    assert [o.VBELN for o in rows(reply.ORDERS)] == expected
    assert messages(reply) == []


def test_list_customer_without_orders_is_an_empty_table(erp: Erp) -> None:
    reply = erp("Z_SALESORDER_LIST", KUNNR="0000100044")

    assert rows(reply.ORDERS) == []
    assert messages(reply) == []
    assert b"<ORDERS/>" in erp.transport.reply  # present and empty, as SAP sends tables


@pytest.mark.parametrize("kunnr", ["0000100099", "100042"])
def test_list_unknown_customer_is_an_e_row(erp: Erp, kunnr: str) -> None:
    reply = erp("Z_SALESORDER_LIST", KUNNR=kunnr)

    assert rows(reply.ORDERS) == []
    assert messages(reply) == [("E", "V1", "303", f"Customer {kunnr} does not exist")]


def test_customer_get(erp: Erp) -> None:
    reply = erp("Z_CUSTOMER_GET", KUNNR="0000100042")

    customer = reply.CUSTOMER
    assert customer.KUNNR == "0000100042"
    assert (customer.NAME1, customer.ORT01, customer.PSTLZ) == (
        "Müller Maschinenbau GmbH",
        "Stuttgart",
        "70173",
    )
    assert (customer.LAND1, customer.WAERS) == ("DE", "EUR")
    assert messages(reply) == []


@pytest.mark.parametrize("kunnr", ["0000100099", "100043"])
def test_customer_get_unknown_is_an_e_row(erp: Erp, kunnr: str) -> None:
    reply = erp("Z_CUSTOMER_GET", KUNNR=kunnr)

    assert reply.CUSTOMER is None
    assert messages(reply) == [("E", "V1", "303", f"Customer {kunnr} does not exist")]


# --- writing ---------------------------------------------------------------------------------------


def _create(erp: Erp, kunnr: str, *lines: tuple[str, str], **header: str) -> Any:
    items = [{"MATNR": matnr, "KWMENG": Decimal(qty)} for matnr, qty in lines]
    return erp(
        "Z_SALESORDER_CREATE",
        ORDER_HEADER_IN={"KUNNR": kunnr, **header},
        ORDER_ITEMS_IN={"item": items},
    )


def test_create_get_list_cancel(fresh_erp: Erp) -> None:
    erp = fresh_erp

    created = _create(erp, "0000100042", ("MAT-1001", "3"), ("MAT-1003", "1.5"))
    assert created.VBELN == "0000004715"  # the seeded orders end at 0000004714
    assert messages(created) == [("S", "V1", "311", "Sales order 0000004715 created")]

    got = erp("Z_SALESORDER_GET", VBELN="0000004715")
    header, items = got.ORDER_HEADER, rows(got.ORDER_ITEMS)
    assert (header.KUNNR, header.AUART, header.WAERK, header.STATUS) == (
        "0000100042",
        "TA",
        "EUR",
        "A",
    )
    assert header.AUDAT == date.today()
    assert [(i.POSNR, i.MATNR, i.KWMENG, i.NETPR, i.NETWR) for i in items] == [
        ("000010", "MAT-1001", Decimal("3.000"), Decimal("1249.90"), Decimal("3749.70")),
        # 1.5 x 4.35 = 6.525: half up gives 6.53 where banker's rounding would give 6.52.
        ("000020", "MAT-1003", Decimal("1.500"), Decimal("4.35"), Decimal("6.53")),
    ]
    assert header.NETWR == Decimal("3756.23")
    assert b"<NETWR>3749.70</NETWR>" in erp.transport.reply

    listed = erp("Z_SALESORDER_LIST", KUNNR="0000100042")
    assert [o.VBELN for o in rows(listed.ORDERS)] == ["0000004711", "0000004715"]

    cancelled = erp("Z_SALESORDER_CANCEL", VBELN="0000004715")
    assert messages(cancelled) == [("S", "V1", "312", "Sales order 0000004715 cancelled")]
    assert erp("Z_SALESORDER_GET", VBELN="0000004715").ORDER_HEADER.STATUS == "X"
    listed = erp("Z_SALESORDER_LIST", KUNNR="0000100042", STATUS="X")
    assert [o.VBELN for o in rows(listed.ORDERS)] == ["0000004715"]

    again = erp("Z_SALESORDER_CANCEL", VBELN="0000004715")
    assert messages(again) == [("E", "V1", "421", "Sales document 0000004715 is already cancelled")]


def test_create_continues_the_sequence_and_keeps_header_fields(fresh_erp: Erp) -> None:
    first = _create(fresh_erp, "0000100044", ("MAT-1002", "1"))
    second = _create(fresh_erp, "0000100044", ("MAT-1002", "2"), AUART="ZOR", WAERK="EUR")

    assert (first.VBELN, second.VBELN) == ("0000004715", "0000004716")
    header = fresh_erp("Z_SALESORDER_GET", VBELN="0000004716").ORDER_HEADER
    assert (header.AUART, header.WAERK, header.NETWR) == ("ZOR", "EUR", Decimal("179.00"))


@pytest.mark.parametrize(
    ("kunnr", "lines", "header", "expected"),
    [
        pytest.param(
            "0000100099",
            [("MAT-1001", "1")],
            {},
            [("V1", "303", "Customer 0000100099 does not exist")],
            id="unknown-customer",
        ),
        pytest.param(
            "0000100042",
            [("MAT-1001", "1"), ("MAT-9999", "1")],
            {},
            [("M3", "305", "Material MAT-9999 does not exist")],
            id="unknown-material",
        ),
        pytest.param("0000100042", [], {}, [("V1", "401", "Sales order contains no items")], id="no-items"),
        pytest.param(
            "0000100042",
            [("MAT-1001", "1"), ("MAT-1002", "0")],
            {},
            [("V1", "402", "Item 000020: order quantity must be greater than zero")],
            id="zero-quantity",
        ),
        pytest.param(
            "0000100042",
            [("MAT-1001", "-2.5")],
            {},
            [("V1", "402", "Item 000010: order quantity must be greater than zero")],
            id="negative-quantity",
        ),
        pytest.param(
            "0000100042",
            [("MAT-1001", "1")],
            {"WAERK": "USD"},
            [("V1", "403", "Currency USD is not allowed for customer 0000100042")],
            id="other-currency",
        ),
        pytest.param(
            "0000100043",
            [("MAT-1001", "9999999999.999")],
            {},
            [("V1", "404", "Net value of the sales order exceeds 9999999999999.99")],
            id="amount-beyond-curr15.2",
        ),
        pytest.param(
            "100042",
            [("MAT-9999", "0")],
            {},
            [
                ("V1", "303", "Customer 100042 does not exist"),
                ("M3", "305", "Material MAT-9999 does not exist"),
                ("V1", "402", "Item 000010: order quantity must be greater than zero"),
            ],
            id="every-problem-at-once",
        ),
    ],
)
def test_create_rejections_are_e_rows_and_create_nothing(
    fresh_erp: Erp,
    kunnr: str,
    lines: list[tuple[str, str]],
    header: dict[str, str],
    expected: list[tuple[str, str, str]],
) -> None:
    reply = _create(fresh_erp, kunnr, *lines, **header)

    assert reply.VBELN is None
    assert messages(reply) == [("E", *row) for row in expected]
    assert fresh_erp.transport.status == 200
    next_order = _create(fresh_erp, "0000100042", ("MAT-1001", "1"))
    assert next_order.VBELN == "0000004715"


@pytest.mark.parametrize(
    ("vbeln", "expected"),
    [
        ("0000004714", ("V1", "422", "Sales document 0000004714 is completed and cannot be cancelled")),
        ("0000009999", ("V1", "302", "Sales document 0000009999 does not exist")),
    ],
)
def test_cancel_rejections_are_e_rows(fresh_erp: Erp, vbeln: str, expected: tuple[str, ...]) -> None:
    reply = fresh_erp("Z_SALESORDER_CANCEL", VBELN=vbeln)

    assert messages(reply) == [("E", *expected)]
    if vbeln == "0000004714":
        assert fresh_erp("Z_SALESORDER_GET", VBELN=vbeln).ORDER_HEADER.STATUS == "C"


# --- the contract's edges ------------------------------------------------------------------------


def test_a_request_outside_the_contract_is_a_client_fault(erp: Erp) -> None:
    with pytest.raises(Fault) as caught:
        erp.service.Z_SALESORDER_LIST(KUNNR="0000100043", STATUS="Q")

    assert "enumeration" in caught.value.message
    assert body_payloads(erp.transport.reply)[0].tag.endswith("}Fault")
    if erp.version == "soap12":
        assert caught.value.code.endswith("Sender")
        assert erp.transport.status == 400  # SOAP 1.2 part 2 §7.5.2.2
    else:
        assert caught.value.code.endswith("Client.SchemaValidationError")
        assert erp.transport.status == 500  # SOAP 1.1 §6.2


@pytest.mark.parametrize("version", list(BINDINGS))
def test_qualified_local_elements_are_rejected(shared_url: str, version: str) -> None:
    env = SOAP12_ENV if version == "soap12" else SOAP11_ENV
    content_type = "application/soap+xml" if version == "soap12" else "text/xml"
    body = f"<n:Z_SALESORDER_GET xmlns:n='{TNS}'><n:VBELN>0000004711</n:VBELN></n:Z_SALESORDER_GET>"
    envelope = f"<e:Envelope xmlns:e='{env}'><e:Body>{body}</e:Body></e:Envelope>"

    response = httpx.post(shared_url, content=envelope, headers={"Content-Type": f"{content_type}; charset=utf-8"})

    fault = body_payloads(response.content)[0]
    assert etree.QName(fault) == etree.QName(env, "Fault")
    assert "VBELN" in etree.tostring(fault, encoding="unicode")


def test_wsdl_is_the_contract_pointed_at_the_server(shared_url: str) -> None:
    response = httpx.get(shared_url + "?wsdl")

    assert response.status_code == 200
    assert response.text.count(f'location="{shared_url}"') == 2
    assert response.text.replace(shared_url, "http://localhost:8002" + PATH) == CONTRACT.read_text(encoding="utf-8")


def test_state_hands_out_distinct_numbers_under_concurrency() -> None:
    state = ErpState()
    numbers: list[str] = []

    def create() -> None:
        for _ in range(25):
            order, _ = state.create_order("0000100043", None, None, [("MAT-1002", Decimal("1"))])
            assert order is not None
            numbers.append(order.number)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(numbers) == [f"{n:010d}" for n in range(4715, 4715 + 200)]

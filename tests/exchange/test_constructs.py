"""Every XSD construct, end to end, on the synthetic contracts of ``tests/wsdl``: scaffold → check → serve → call the
route → the stub backend records the envelope it received → the JSON answered.

``treasury.wsdl`` (SOAP 1.1): an abstract base type with derived types (xsi:type), xsd:list, xsd:union, nested
repetition, header parts in and out, xsd:long beyond 2^53, date offsets, faults feeding problem fields and headers.
``orders.wsdl`` (SOAP 1.2): choice, all, a repeated sequence group, facets of every kind, default and fixed values,
nillable, xsd:any and anyAttribute, a recursive type, a fault whose detail lists problems.

Every envelope the adapter sends is validated against the contract's XSD by xmlschema, the reference.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

from adapter.app import create_app
from adapter.cli import main
from adapter.testing import RecordingBackend, contract_schema, serve_asgi, serve_wsgi
from tests.api.problem import assert_problem
from tests.conftest import API_KEY, project_settings

WSDL = Path(__file__).resolve().parents[1] / "wsdl"
TR = "urn:example:treasury"
OR = "urn:example:orders"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ENV11 = "http://schemas.xmlsoap.org/soap/envelope/"
ENV12 = "http://www.w3.org/2003/05/soap-envelope"
AUDIT = {"x-audit-header-user-id": "u-17", "x-audit-header-channel": "WEB"}


@dataclass
class Served:
    api: httpx.Client
    backend: RecordingBackend
    mapping: dict[str, Any]
    schema: Any  # the contract's XSD read by xmlschema: the reference the envelopes sent are validated against

    def sent(self) -> etree._Element:
        """The Body entry the backend received last, checked against the contract by xmlschema."""
        payload = self.backend.last.payload()
        self.schema.validate(payload, namespaces={k or "": v for k, v in payload.nsmap.items()})
        return payload


@contextmanager
def served(tmp: Path, contract: str, variable: str, *, edit: str = "") -> Iterator[Served]:
    """``adapter scaffold`` the contract, ``adapter check`` the file, serve it over a recording stub backend."""
    wsdl_dir, mappings = tmp / "wsdl", tmp / "mappings"
    wsdl_dir.mkdir(exist_ok=True)
    mappings.mkdir(exist_ok=True)
    shutil.copy(WSDL / contract, wsdl_dir / contract)
    file = mappings / contract.replace(".wsdl", ".yaml")
    runner = CliRunner()
    scaffolded = runner.invoke(main, ["scaffold", str(wsdl_dir / contract), "--wsdl", str(wsdl_dir), "-o", str(file)])
    assert scaffolded.exit_code == 0, scaffolded.output
    if edit:
        file.write_text(file.read_text() + edit)
    checked = runner.invoke(main, ["check", str(file), "--wsdl", str(wsdl_dir)])
    assert checked.exit_code == 0, checked.output
    backend = RecordingBackend()
    with ExitStack() as stack:
        url = stack.enter_context(serve_wsgi(backend))
        settings = project_settings(mappings_dir=mappings, wsdl_dir=wsdl_dir, cache_dir=tmp / "cache")
        app = create_app(settings, env={variable: f"{url}/soap"})
        base = stack.enter_context(serve_asgi(app))
        api = stack.enter_context(httpx.Client(base_url=base, headers={"X-API-Key": API_KEY}, timeout=30))
        yield Served(
            api, backend, yaml.safe_load(file.read_text()), contract_schema(wsdl_dir / contract, validation="lax")
        )


def envelope(body: str, *, header: str = "", version: str = "1.1") -> bytes:
    env = ENV11 if version == "1.1" else ENV12
    head = f"<e:Header>{header}</e:Header>" if header else ""
    return (
        f'<e:Envelope xmlns:e="{env}" xmlns:xsi="{XSI}" xmlns:t="{TR}" xmlns:o="{OR}">{head}<e:Body>{body}</e:Body>'
        "</e:Envelope>"
    ).encode()


def fault(code: str, text: str, detail: str, version: str = "1.1") -> tuple[int, bytes]:
    if version == "1.1":
        body = f"<e:Fault><faultcode>e:{code}</faultcode><faultstring>{text}</faultstring>"
        body += f"<detail>{detail}</detail></e:Fault>"
    else:
        body = (
            f"<e:Fault><e:Code><e:Value>e:{code}</e:Value></e:Code><e:Reason><e:Text xml:lang='en'>{text}</e:Text>"
            f"</e:Reason><e:Detail>{detail}</e:Detail></e:Fault>"
        )
    return 500, envelope(body, version=version)


def text(element: etree._Element, path: str) -> str | None:
    found = element.find(path, {"t": TR, "o": OR})
    return found.text if found is not None else None


# -- treasury: derived types, lists, unions, nested repetition, headers, int64, offsets -----------------------------


@pytest.fixture(scope="module")
def treasury(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served(tmp_path_factory.mktemp("treasury"), "treasury.wsdl", "TREASURY_SERVICE_URL") as running:
        yield running


QUOTE = envelope(
    "<t:QuoteRateResponse><t:Rate>1.0842</t:Rate><t:Rate>NOT_QUOTED</t:Rate><t:Tenors>SPOT  1M</t:Tenors>"
    "<t:QuotedAt>2024-01-31T10:00:00+01:00</t:QuotedAt></t:QuoteRateResponse>"
)


def test_a_list_is_a_json_array_both_ways_and_a_union_takes_its_first_fitting_member(treasury: Served) -> None:
    treasury.backend.reply("urn:example:treasury:QuoteRate", QUOTE)
    answer = treasury.api.post("/v1/quote-rate", json={"pair": "EURUSD", "tenors": ["SPOT", "1M"]})
    assert answer.status_code == 200, answer.text
    assert text(treasury.sent(), "t:Tenors") == "SPOT 1M"  # one element, two tokens: not "S P O T   1 M"
    assert answer.json() == {
        "rate": ["1.0842", "NOT_QUOTED"],
        "tenors": ["SPOT", "1M"],
        "quotedAt": "2024-01-31T10:00:00+01:00",
    }
    # A whitespace-separated string is accepted too.
    assert treasury.api.post("/v1/quote-rate", json={"pair": "EURUSD", "tenors": "ON  TN"}).status_code == 200
    assert text(treasury.sent(), "t:Tenors") == "ON TN"


def test_list_items_and_lengths_are_checked_before_any_call(treasury: Served) -> None:
    calls = len(treasury.backend.received)
    problem = assert_problem(
        treasury.api.post("/v1/quote-rate", json={"pair": "EURUSDX", "tenors": ["SPOT", "13X"]}),
        422,
        "validation-error",
    )
    fields = {error["field"]: error["message"] for error in problem["errors"]}
    assert fields == {
        "body.pair": "must match [A-Z]{6}",
        "body.tenors": "item 1: must match ON|TN|SPOT|[0-9]{1,2}[DWMY]",
    }
    too_many = treasury.api.post("/v1/quote-rate", json={"pair": "EURUSD", "tenors": ["1W"] * 9})
    assert assert_problem(too_many, 422, "validation-error")["errors"][0]["message"] == "has more than 8 items"
    assert len(treasury.backend.received) == calls  # nothing reached the backend


PERSON = {"type": "Person", "id": "p-1", "name": "Ada Lovelace", "givenName": "Ada", "birthDate": "1815-12-10+00:00"}


def test_a_derived_type_is_sent_with_xsi_type_and_read_back_by_its_name(treasury: Served) -> None:
    treasury.backend.reply(
        "urn:example:treasury:RegisterParty",
        envelope(
            "<t:RegisterPartyResponse><t:PartyId>9223372036854775807</t:PartyId>"
            '<t:Party xsi:type="t:Organisation" id="o-9"><t:Name>Analytical Engines Ltd</t:Name>'
            "<t:LEI>5493001KJTIIGC8Y1R12</t:LEI></t:Party></t:RegisterPartyResponse>"
        ),
    )
    answer = treasury.api.post("/v1/party", json={"party": PERSON, "reference": "r-1"}, headers=AUDIT)
    assert answer.status_code == 200, answer.text
    party = treasury.sent().find("t:Party", {"t": TR})
    assert party.get(f"{{{XSI}}}type").endswith(":Person")
    assert (
        party.get(f"{{{XSI}}}type").split(":")[0] in party.nsmap
        and party.nsmap[party.get(f"{{{XSI}}}type").split(":")[0]] == TR
    )
    assert (text(party, "t:GivenName"), text(party, "t:BirthDate")) == ("Ada", "1815-12-10+00:00")
    assert [etree.QName(block).localname for block in treasury.backend.last.header_blocks()] == ["AuditHeader"]
    assert answer.json() == {
        "partyId": "9223372036854775807",  # xsd:long beyond 2^53: a JSON string
        "party": {"type": "Organisation", "id": "o-9", "name": "Analytical Engines Ltd", "lei": "5493001KJTIIGC8Y1R12"},
    }


def test_an_abstract_type_needs_its_derived_type_and_headers_declared_by_the_binding_are_required(
    treasury: Served,
) -> None:
    calls = len(treasury.backend.received)
    untyped = {k: v for k, v in PERSON.items() if k != "type"}
    problem = assert_problem(
        treasury.api.post("/v1/party", json={"party": untyped, "reference": "r"}), 422, "validation-error"
    )
    fields = {error["field"]: error["message"] for error in problem["errors"]}
    assert fields == {"body.party.type": "is required", "headers.x-audit-header-user-id": "is required"}
    wrong = {**PERSON, "type": "Robot"}
    problem = assert_problem(
        treasury.api.post("/v1/party", json={"party": wrong, "reference": "r"}, headers=AUDIT), 422, "validation-error"
    )
    assert problem["errors"] == [{"field": "body.party.type", "message": "must be one of: Person, Organisation"}]
    assert len(treasury.backend.received) == calls


def test_declared_faults_feed_the_problem_status_headers_and_members(treasury: Served) -> None:
    treasury.backend.reply(
        "urn:example:treasury:RegisterParty",
        fault(
            "Client",
            "duplicate",
            "<t:DuplicateReference><t:ExistingPartyId>42</t:ExistingPartyId></t:DuplicateReference>",
        ),
    )
    problem = assert_problem(
        treasury.api.post("/v1/party", json={"party": PERSON, "reference": "r"}, headers=AUDIT),
        409,
        "duplicate-reference",
    )
    assert problem["existingPartyId"] == "42"
    treasury.backend.reply(
        "urn:example:treasury:QuoteRate",
        fault(
            "Server",
            "slow down",
            "<t:RateLimited><t:RetryAfterSeconds>30</t:RetryAfterSeconds><t:Reason>burst</t:Reason></t:RateLimited>",
        ),
    )
    limited = treasury.api.post("/v1/quote-rate", json={"pair": "EURUSD", "tenors": "SPOT"})
    assert_problem(limited, 429, "rate-limited")
    assert limited.headers["retry-after"] == "30"


STATEMENT = envelope(
    "<t:GetStatementResponse>"
    "<t:Entry><t:EntryId>9007199254740993</t:EntryId><t:BookedAt>2024-01-31T23:30:00-05:00</t:BookedAt>"
    '<t:Counterparty xsi:nil="true"/>'
    "<t:Payments><t:Payment><t:PaymentId>P1</t:PaymentId><t:Amount Ccy='EUR'>10.50</t:Amount>"
    "<t:ValueDate>2024-02-01+01:00</t:ValueDate></t:Payment>"
    "<t:Payment><t:PaymentId>P2</t:PaymentId><t:Amount Ccy='USD'>0.01</t:Amount><t:ValueDate>2024-02-02</t:ValueDate>"
    "</t:Payment></t:Payments></t:Entry>"
    '<t:Entry><t:EntryId>2</t:EntryId><t:BookedAt>2024-02-01T00:00:00Z</t:BookedAt><t:Counterparty xsi:type="t:Person">'
    "<t:Name>Ada</t:Name><t:GivenName>Ada</t:GivenName></t:Counterparty><t:Payments/></t:Entry>"
    "<t:Total>2</t:Total></t:GetStatementResponse>",
    header="<t:ServerInfo><t:Node>n1</t:Node><t:Version>7.2</t:Version></t:ServerInfo>",
)
QUERY = {"accountId": "ACC-000042", "from": "2024-01-01+01:00", "to": "2024-01-31+01:00"}


def test_nested_repetition_nil_derived_types_offsets_and_reply_headers_come_through(treasury: Served) -> None:
    treasury.backend.reply("urn:example:treasury:GetStatement", STATEMENT)
    answer = treasury.api.post("/v1/statement/get", json=QUERY, headers=AUDIT)
    assert answer.status_code == 200, answer.text
    sent = treasury.sent()
    assert (text(sent, "t:From"), text(sent, "t:To")) == ("2024-01-01+01:00", "2024-01-31+01:00")
    body = answer.json()
    first, second = body["entry"]
    assert first["entryId"] == "9007199254740993" and second["entryId"] == "2"  # xsd:long: always a string
    assert first["bookedAt"] == "2024-01-31T23:30:00-05:00"
    assert first["counterparty"] is None
    assert first["payments"]["payment"] == [
        {"paymentId": "P1", "amount": {"value": "10.50", "ccy": "EUR"}, "valueDate": "2024-02-01+01:00"},
        {"paymentId": "P2", "amount": {"value": "0.01", "ccy": "USD"}, "valueDate": "2024-02-02"},
    ]
    assert second["counterparty"] == {"type": "Person", "name": "Ada", "givenName": "Ada"}
    assert second["payments"] == {"payment": []}
    assert body["total"] == "2"
    assert body["header"] == {"serverInfo": {"node": "n1", "version": "7.2"}}


def test_a_reply_that_breaks_the_contract_is_a_502_without_backend_text(treasury: Served) -> None:
    broken = STATEMENT.replace(b"Ccy='EUR'", b"Ccy='EURO'")
    treasury.backend.reply("urn:example:treasury:GetStatement", broken)
    problem = assert_problem(
        treasury.api.post("/v1/statement/get", json=QUERY, headers=AUDIT), 502, "backend-contract-violation"
    )
    assert "EURO" not in str(problem) and "Ccy" not in str(problem)


def test_validate_replies_warn_passes_a_sloppy_reply_on(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with served(tmp_path, "treasury.wsdl", "TREASURY_SERVICE_URL", edit="validate_replies: warn\n") as running:
        running.backend.reply("urn:example:treasury:GetStatement", STATEMENT.replace(b"Ccy='EUR'", b"Ccy='EURO'"))
        answer = running.api.post("/v1/statement/get", json=QUERY, headers=AUDIT)
        assert answer.status_code == 200
        assert answer.json()["entry"][0]["payments"]["payment"][0]["amount"]["ccy"] == "EURO"
    warned = [r.getMessage() for r in caplog.records if "breaks the contract" in r.getMessage()]
    assert warned and "GetStatementResponse/Entry[1]/Payments/Payment[1]/Amount/@Ccy: must match [A-Z]{3}" in warned[0]


# -- orders (SOAP 1.2): choice, all, repeated groups, facets, defaults, nillable, any, recursion -------------------


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served(tmp_path_factory.mktemp("orders"), "orders.wsdl", "ORDER_SERVICE_URL") as running:
        running.backend.reply(
            "urn:example:orders:PlaceOrder",
            envelope(
                "<o:PlaceOrderResponse><o:OrderId>O-1</o:OrderId><o:Status>ACCEPTED</o:Status>"
                '<o:Comment xsi:nil="true"/><o:Extension xmlns:x="urn:x" x:flag="on"><x:Note>kept</x:Note>'
                "</o:Extension></o:PlaceOrderResponse>",
                version="1.2",
            ),
        )
        yield running


ORDER = {
    "customerId": "C-1",
    "pickupPoint": "  Locker   12 ",
    "sequence": [{"sku": "AB123456", "quantity": 2}, {"sku": "CD654321", "quantity": 1, "weight": "12.5"}],
    "options": {"discount": 5},
    "comment": None,
}


def test_a_repeated_sequence_group_keeps_its_order_and_facets_pass(orders: Served) -> None:
    answer = orders.api.post("/v1/order", json=ORDER)
    assert answer.status_code == 200, answer.text
    assert orders.backend.last.content_type.startswith("application/soap+xml")
    sent = orders.sent()
    names = [etree.QName(child).localname for child in sent]
    assert names == ["CustomerId", "PickupPoint", "Sku", "Quantity", "Sku", "Quantity", "Weight", "Options", "Comment"]
    assert text(sent, "o:PickupPoint") == "Locker 12"  # xsd:token: white space collapsed
    assert text(sent, "o:Options/o:Channel") == "API"  # a fixed value fills itself in
    assert sent.find("o:Comment", {"o": OR}).get(f"{{{XSI}}}nil") == "true"
    assert answer.json() == {
        "orderId": "O-1",
        "status": "ACCEPTED",
        "comment": None,
        "extension": {"flag": "on", "Note": "kept"},  # xsd:any and anyAttribute: kept as found
    }


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"delivery": {"street": "1 Main St", "city": "X", "country": "DE"}},
            "body.pickupPoint",
            "cannot be given with body.delivery",
        ),
        (
            {"sequence": [{"sku": "AB12345", "quantity": 1}]},
            "body.sequence[0].sku",
            "must be exactly 8 characters long",
        ),
        ({"sequence": [{"sku": "AB123456", "quantity": 1000}]}, "body.sequence[0].quantity", "must be at most 999"),
        ({"sequence": [{"sku": "AB123456", "quantity": 0}]}, "body.sequence[0].quantity", "must be at least 1"),
        (
            {"sequence": [{"sku": "AB123456", "quantity": 1, "weight": "1000"}]},
            "body.sequence[0].weight",
            "must be less than 1000",
        ),
        (
            {"sequence": [{"sku": "AB123456", "quantity": 1, "weight": "123.456"}]},
            "body.sequence[0].weight",
            "must have at most 5 digits",
        ),
        ({"options": {"discount": 0}}, "body.options.discount", "must be greater than 0"),
        (
            {"options": {"discount": "1.005"}},
            "body.options.discount",
            "must have at most 2 digits after the decimal point",
        ),
        ({"options": {"channel": "WEB"}}, "body.options.channel", "must be API (a fixed value)"),
        ({"pickupPoint": "X"}, "body.pickupPoint", "shorter than 2"),
        ({"comment": "x" * 41}, "body.comment", "longer than 40"),
        ({"comment": "nul\x00byte"}, "body.comment", "contains a character XML 1.0 cannot carry (U+0000)"),
        ({"comment": "\ufffe"}, "body.comment", "contains a character XML 1.0 cannot carry (U+FFFE)"),
        (
            {"sequence": [{"sku": "AB1234\udc00", "quantity": 1}]},
            "body.sequence[0].sku",
            "contains a character XML 1.0 cannot carry (U+DC00)",
        ),
    ],
)
def test_a_value_the_contract_forbids_is_a_422_naming_field_and_rule(
    orders: Served, change: dict[str, Any], field: str, message: str
) -> None:
    calls = len(orders.backend.received)
    content = json.dumps({**ORDER, **change}).encode()  # ASCII with \u escapes: a lone surrogate travels too
    problem = assert_problem(
        orders.api.post("/v1/order", content=content, headers={"content-type": "application/json"}),
        422,
        "validation-error",
    )
    found = {error["field"]: error["message"] for error in problem["errors"]}
    assert found.get(field, "").startswith(message), found
    assert len(orders.backend.received) == calls


def test_open_content_is_sent_as_given(orders: Served) -> None:
    extension = {"{urn:example:ext}Note": "sent as is"}
    assert orders.api.post("/v1/order", json={**ORDER, "extension": extension}).status_code == 200
    note = orders.sent().find("o:Extension/{urn:example:ext}Note", {"o": OR})
    assert note is not None and note.text == "sent as is"


def test_a_recursive_type_is_read_to_any_depth(orders: Served) -> None:
    orders.backend.reply(
        "urn:example:orders:GetCategory",
        envelope(
            '<o:GetCategoryResponse><o:Category code="A"><o:Name>All</o:Name>'
            '<o:Category code="B"><o:Name>Books</o:Name><o:Category code="C"><o:Name>Comics</o:Name></o:Category>'
            "</o:Category></o:Category></o:GetCategoryResponse>",
            version="1.2",
        ),
    )
    answer = orders.api.get("/v1/category/A")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "category": {
            "code": "A",
            "name": "All",
            "category": [{"code": "B", "Name": "Books", "Category": [{"code": "C", "Name": "Comics", "Category": []}]}],
        }
    }


def test_a_fault_detail_list_becomes_the_problem_errors(orders: Served) -> None:
    orders.backend.reply(
        "urn:example:orders:PlaceOrder",
        fault(
            "Sender",
            "out of stock",
            "<o:OutOfStock><o:Sku>AB123456</o:Sku><o:Problems><o:Problem><o:Field>Quantity</o:Field>"
            "<o:Message>only 1 left</o:Message></o:Problem></o:Problems></o:OutOfStock>",
            version="1.2",
        ),
    )
    problem = assert_problem(orders.api.post("/v1/order", json=ORDER), 422, "out-of-stock")
    assert problem["errors"] == [{"field": "Quantity", "message": "only 1 left"}]

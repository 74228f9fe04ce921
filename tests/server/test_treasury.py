"""The synthetic treasury contract (``tests/wsdl/treasury.wsdl``) served end to end, every hard construct of it:
``adapter scaffold --serve`` → ``adapter check`` → the app serving the file on an ephemeral port → zeep and suds
clients built from the ORIGINAL contract calling over real HTTP → a real REST stub backend that records what it
receives. Nothing is edited in the scaffolded file.

Proven: a derived type sent with ``xsi:type`` reaches the backend with its own fields and comes back written with
``xsi:type``; an ``xsd:list`` is a JSON array both ways; a SOAP header block's values become backend request
headers and the reply's header block is built from reply headers; date and date-time offsets survive; nested
repetition (``Entry/Payments/Payment``) keeps every item; declared faults carry their detail; a request that breaks
the contract is a Client fault before any backend call, a reply that breaks it a Server fault without backend text.
Every reply validates against the contract's XSD, read by xmlschema.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import xmlschema
import zeep
from click.testing import CliRunner
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from suds.client import Client as SudsClient
from suds.plugin import MessagePlugin
from zeep.exceptions import Fault
from zeep.plugins import HistoryPlugin

from adapter.app import create_app
from adapter.cli import main
from adapter.testing import assert_valid_reply, contract_schema, serve_asgi
from tests.conftest import ROOT, project_settings

CONTRACT = ROOT / "tests" / "wsdl" / "treasury.wsdl"
TR = "urn:example:treasury"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
PATH = "/soap/treasury-service"
AUDIT = {"audit": {"UserId": "u-17", "Channel": "BRANCH"}}  # zeep names header blocks by their part
ENTRIES = [
    {
        "entryId": "9223372036854775807",  # xsd:long beyond 2^53, sent as a JSON string (int64 convention)
        "bookedAt": "2024-01-31T09:30:00.250+01:00",
        "counterparty": {"type": "Organisation", "id": "o-1", "name": "ACME SE", "lei": "529900T8BM49AURSDO55"},
        "payments": {
            "payment": [
                {"paymentId": "P-1", "amount": {"value": "10.50", "ccy": "EUR"}, "valueDate": "2024-01-31+01:00"},
                {"paymentId": "P-2", "amount": {"value": "0.01", "ccy": "CHF"}, "valueDate": "2024-02-01Z"},
            ]
        },
    },
    {"entryId": 2, "bookedAt": "2024-02-01T00:00:00Z", "counterparty": None, "payments": {"payment": []}},
]


@dataclass
class Backend:
    """A REST stub that records every request it receives: method, path, query pairs, headers, JSON body."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    async def _record(self, request: Request) -> dict[str, Any]:
        body = await request.body()
        call = {
            "method": request.method,
            "path": request.url.path,
            "query": list(request.query_params.multi_items()),
            "headers": dict(request.headers),
            "json": (await request.json()) if body else None,
        }
        self.calls.append(call)
        return call

    async def statement(self, request: Request) -> JSONResponse:
        await self._record(request)
        account = request.path_params["account"]
        if account == "ACC-999999":
            return JSONResponse({"message": "slow down", "retryAfterSeconds": 30, "reason": "quota"}, 429)
        entries = ENTRIES
        if account == "ACC-000666":  # an LEI the contract's pattern refuses, and a backend secret in it
            entries = [{**ENTRIES[0], "counterparty": {**ENTRIES[0]["counterparty"], "lei": "10.0.0.7 db-secret"}}]
        info = {"X-Server-Info-Node": "node-3", "X-Server-Info-Version": "2.4.1"}
        return JSONResponse({"entry": entries, "total": len(entries)}, headers=info)

    async def party(self, request: Request) -> JSONResponse:
        call = await self._record(request)
        if call["json"]["reference"] == "DUP":
            return JSONResponse({"message": "Reference already used", "existingPartyId": 77}, 409)
        return JSONResponse({"partyId": 42, "party": call["json"]["party"]}, 201)

    async def quote(self, request: Request) -> JSONResponse:
        call = await self._record(request)
        rates = ["1.0842", "SUSPENDED"]
        return JSONResponse({"rate": rates, "tenors": call["json"]["tenors"], "quotedAt": "2024-01-31T10:00:00+05:30"})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/statement/{account}", self.statement),
                Route("/v1/party", self.party, methods=["POST"]),
                Route("/v1/quote-rate", self.quote, methods=["POST"]),
            ]
        )


@dataclass
class Treasury:
    url: str
    backend: Backend
    mapping: str
    schema: xmlschema.XMLSchemaBase
    http: httpx.Client

    def zeep(self) -> tuple[Any, Any, HistoryPlugin]:
        history = HistoryPlugin()
        client = zeep.Client(str(CONTRACT), plugins=[history])
        return client, client.create_service(f"{{{TR}}}TreasurySoap", self.url), history


@pytest.fixture(scope="module")
def treasury(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Treasury]:
    tmp = tmp_path_factory.mktemp("treasury")
    wsdl_dir, mappings = tmp / "wsdl", tmp / "mappings"
    wsdl_dir.mkdir()
    mappings.mkdir()
    shutil.copy(CONTRACT, wsdl_dir / CONTRACT.name)
    file = mappings / "treasury.yaml"
    runner = CliRunner()
    scaffolded = runner.invoke(
        main, ["scaffold", "--serve", str(wsdl_dir / CONTRACT.name), "--wsdl", str(wsdl_dir), "-o", str(file)]
    )
    assert scaffolded.exit_code == 0, scaffolded.output
    checked = runner.invoke(main, ["check", str(file), "--wsdl", str(wsdl_dir)])
    assert checked.exit_code == 0 and "treasury.yaml: ok (3 operations)" in checked.output, checked.output
    backend = Backend()
    with ExitStack() as stack:
        rest = stack.enter_context(serve_asgi(backend.app()))
        settings = project_settings(mappings_dir=mappings, wsdl_dir=wsdl_dir, cache_dir=tmp / "cache")
        base = stack.enter_context(serve_asgi(create_app(settings, env={"TREASURY_SERVICE_REST_URL": rest})))
        http = stack.enter_context(httpx.Client(timeout=30))
        yield Treasury(base + PATH, backend, file.read_text(), contract_schema(CONTRACT), http)


def last_reply(history: HistoryPlugin) -> etree._Element:
    envelope: etree._Element = history.last_received["envelope"]
    return envelope


def post(treasury: Treasury, body: str, header: str = "") -> httpx.Response:
    envelope = (
        f'<s:Envelope xmlns:s="{SOAP11}" xmlns:t="{TR}" xmlns:xsi="{XSI}">'
        f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )
    return treasury.http.post(treasury.url, content=envelope.encode(), headers={"Content-Type": "text/xml"})


def fault_of(reply: httpx.Response) -> tuple[str, str]:
    root = etree.fromstring(reply.content)
    fault = root.find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault")
    assert fault is not None, reply.text
    prefix, _, local = (fault.findtext("faultcode") or "").rpartition(":")
    return f"{{{fault.nsmap[prefix or None]}}}{local}", fault.findtext("faultstring") or ""  # SOAP 1.1 §4.4.1: a QName


# -- the scaffold ---------------------------------------------------------------------------------------------


def test_the_scaffold_maps_every_field_header_block_and_fault(treasury: Treasury) -> None:
    mapping = treasury.mapping
    for line in (
        "path: /soap/treasury-service",
        "X-Audit-Header-User-Id: _header.AuditHeader.UserId",
        "type: _type",  # the derived type sent to the backend
        "_type: type",  # ... and read back from it
        "each: payment",  # nested repetition: Payment in Payments in each Entry
        "fields: { Node: headers.x-server-info-node, Version: headers.x-server-info-version }",
        "fault: RateLimited",
        "fault: DuplicateReference",
        "fault: UnknownParty",
        "body: { pair: Pair, tenors: Tenors }",
    ):
        assert line in mapping, line


# -- zeep -----------------------------------------------------------------------------------------------------


def test_a_derived_type_travels_both_ways_with_its_own_fields(treasury: Treasury) -> None:
    client, service, history = treasury.zeep()
    person = client.get_type(f"{{{TR}}}Person")(
        id="p-1", Name="Ada Lovelace", GivenName="Ada", BirthDate="1815-12-10+01:00"
    )
    result = service.RegisterParty(Party=person, Reference="R-1", _soapheaders=AUDIT)
    call = treasury.backend.calls[-1]
    assert (call["method"], call["path"]) == ("POST", "/v1/party")
    assert call["json"] == {
        "party": {
            "type": "Person",
            "id": "p-1",
            "name": "Ada Lovelace",
            "givenName": "Ada",
            "birthDate": "1815-12-10+01:00",
        },
        "reference": "R-1",
    }
    assert (call["headers"]["x-audit-header-user-id"], call["headers"]["x-audit-header-channel"]) == ("u-17", "BRANCH")
    assert result.PartyId == 42
    assert type(result.Party).__name__ == "Person" and result.Party.GivenName == "Ada"
    reply = last_reply(history)
    party = reply.find(f".//{{{TR}}}RegisterPartyResponse/{{{TR}}}Party")
    assert party is not None
    prefix, _, local = (party.get(f"{{{XSI}}}type") or "").rpartition(":")
    assert (party.nsmap[prefix or None], local) == (TR, "Person")
    assert party.findtext(f"{{{TR}}}BirthDate") == "1815-12-10+01:00"  # the offset kept
    assert_valid_reply(treasury.schema, etree.tostring(reply))


def test_a_statement_keeps_nested_repetition_offsets_wide_integers_and_header_blocks(treasury: Treasury) -> None:
    _, service, history = treasury.zeep()
    result = service.GetStatement(AccountId="ACC-000123", From="2024-01-01+01:00", To="2024-01-31", _soapheaders=AUDIT)
    call = treasury.backend.calls[-1]
    assert (call["method"], call["path"]) == ("GET", "/v1/statement/ACC-000123")
    assert call["query"] == [("from", "2024-01-01+01:00"), ("to", "2024-01-31")]
    assert call["headers"]["x-audit-header-user-id"] == "u-17"
    body = result.body
    assert [entry.EntryId for entry in body.Entry] == [9223372036854775807, 2]
    first, second = body.Entry
    assert type(first.Counterparty).__name__ == "Organisation" and first.Counterparty.LEI == "529900T8BM49AURSDO55"
    assert [(p.PaymentId, p.Amount._value_1, p.Amount.Ccy) for p in first.Payments.Payment] == [
        ("P-1", Decimal("10.50"), "EUR"),
        ("P-2", Decimal("0.01"), "CHF"),
    ]
    assert second.EntryId == 2  # its nil Counterparty and empty Payments are checked on the XML below
    assert (result.header.server.Node, result.header.server.Version) == ("node-3", "2.4.1")  # by its part name
    reply = last_reply(history)
    texts = [element.text for element in reply.iter(f"{{{TR}}}BookedAt", f"{{{TR}}}ValueDate")]
    assert texts == ["2024-01-31T09:30:00.250+01:00", "2024-01-31+01:00", "2024-02-01Z", "2024-02-01T00:00:00Z"]
    assert reply.findtext(f".//{{{TR}}}EntryId") == "9223372036854775807"
    nil = reply.findall(f".//{{{TR}}}Counterparty")[1]
    assert nil.get(f"{{{XSI}}}nil") == "true"
    assert [len(payments) for payments in reply.iter(f"{{{TR}}}Payments")] == [2, 0]
    assert_valid_reply(treasury.schema, etree.tostring(reply))
    header = reply.find(f"{{{SOAP11}}}Header/{{{TR}}}ServerInfo")
    assert header is not None
    treasury.schema.validate(header)


def test_declared_faults_carry_their_detail(treasury: Treasury) -> None:
    client, service, history = treasury.zeep()
    person = client.get_type(f"{{{TR}}}Person")(Name="Ada", GivenName="Ada")
    with pytest.raises(Fault) as duplicate:
        service.RegisterParty(Party=person, Reference="DUP", _soapheaders=AUDIT)
    assert (duplicate.value.code, duplicate.value.message) == ("soap11env:Client", "Reference already used")
    assert duplicate.value.detail.findtext(f"{{{TR}}}DuplicateReference/{{{TR}}}ExistingPartyId") == "77"
    with pytest.raises(Fault) as limited:
        service.GetStatement(AccountId="ACC-999999", From="2024-01-01", To="2024-01-31", _soapheaders=AUDIT)
    detail = limited.value.detail.find(f"{{{TR}}}RateLimited")
    assert (detail.findtext(f"{{{TR}}}RetryAfterSeconds"), detail.findtext(f"{{{TR}}}Reason")) == ("30", "quota")
    assert_valid_reply(treasury.schema, etree.tostring(last_reply(history)))


# -- suds ------------------------------------------------------------------------------------------------------


class Keep(MessagePlugin):  # type: ignore[misc]
    """Keeps the last raw reply suds received."""

    def __init__(self) -> None:
        self.reply = b""

    def received(self, context: Any) -> None:
        self.reply = context.reply


def suds_client(treasury: Treasury) -> tuple[Any, Keep]:
    keep = Keep()
    client = SudsClient(CONTRACT.as_uri(), location=treasury.url, plugins=[keep], cache=None)
    return client, keep


def test_a_list_is_a_json_array_both_ways(treasury: Treasury) -> None:
    # zeep 4.3 cannot write this list at all (its ListType asks the unresolved item type's QName for an xmlvalue):
    # suds, which sends the list as the contract's one space-separated element when given its text, calls it.
    client, keep = suds_client(treasury)
    result = client.service.QuoteRate(Pair="EURUSD", Tenors="ON 1W 1M")
    assert treasury.backend.calls[-1]["json"] == {"pair": "EURUSD", "tenors": ["ON", "1W", "1M"]}
    assert result.Tenors == "ON 1W 1M" and [str(rate) for rate in result.Rate] == ["1.0842", "SUSPENDED"]
    reply = etree.fromstring(keep.reply)
    assert reply.findtext(f".//{{{TR}}}Tenors") == "ON 1W 1M"
    assert [r.text for r in reply.iter(f"{{{TR}}}Rate")] == ["1.0842", "SUSPENDED"]  # a union: decimal or code
    assert reply.findtext(f".//{{{TR}}}QuotedAt") == "2024-01-31T10:00:00+05:30"
    assert_valid_reply(treasury.schema, keep.reply)


def test_suds_sends_a_derived_type_and_a_header_block(treasury: Treasury) -> None:
    client, keep = suds_client(treasury)
    audit = client.factory.create("AuditHeader")
    audit.UserId, audit.Channel = "u-99", "WEB"
    client.set_options(soapheaders=audit)
    organisation = client.factory.create("Organisation")
    organisation.Name, organisation.LEI = "ACME SE", "529900T8BM49AURSDO55"
    result = client.service.RegisterParty(Party=organisation, Reference="R-2")
    call = treasury.backend.calls[-1]
    assert call["json"]["party"] == {"type": "Organisation", "name": "ACME SE", "lei": "529900T8BM49AURSDO55"}
    assert (call["headers"]["x-audit-header-user-id"], call["headers"]["x-audit-header-channel"]) == ("u-99", "WEB")
    assert result.PartyId == 42 and result.Party.LEI == "529900T8BM49AURSDO55"
    assert_valid_reply(treasury.schema, keep.reply)


# -- what breaks the contract ---------------------------------------------------------------------------------

AUDIT_BLOCK = "<t:AuditHeader><t:UserId>u-17</t:UserId></t:AuditHeader>"


@pytest.mark.parametrize(
    ("body", "header", "problem"),
    [
        (
            "<t:QuoteRate><t:Pair>eurusd</t:Pair><t:Tenors>ON</t:Tenors></t:QuoteRate>",
            "",
            "QuoteRate/Pair: must match [A-Z]{6}",
        ),
        (
            "<t:QuoteRate><t:Pair>EURUSD</t:Pair><t:Tenors>ON 1W 2W 3W 1M 2M 3M 6M 1Y</t:Tenors></t:QuoteRate>",
            "",
            "QuoteRate/Tenors: has more than 8 items",
        ),
        (
            "<t:QuoteRate><t:Pair>EURUSD</t:Pair><t:Tenors>ON 7Q</t:Tenors></t:QuoteRate>",
            "",
            "QuoteRate/Tenors: item 1: must match ON|TN|SPOT|[0-9]{1,2}[DWMY]",
        ),
        (
            "<t:RegisterParty><t:Party><t:Name>A</t:Name></t:Party><t:Reference>R</t:Reference></t:RegisterParty>",
            AUDIT_BLOCK,
            "RegisterParty/Party: has the abstract type Party: it must name its type with xsi:type",
        ),
        (
            '<t:RegisterParty><t:Party xsi:type="t:Person"><t:Name>A</t:Name></t:Party>'
            "<t:Reference>R</t:Reference></t:RegisterParty>",
            AUDIT_BLOCK,
            "RegisterParty/Party: lacks the required element GivenName",
        ),
        (
            "<t:GetStatement><t:AccountId>ACC-000123</t:AccountId><t:From>2024-01-01</t:From>"
            "<t:To>2024-01-31</t:To></t:GetStatement>",
            "",
            "GetStatement: comes without the SOAP header block AuditHeader the contract requires",
        ),
        (
            "<t:GetStatement><t:AccountId>ACC-000123</t:AccountId><t:From>2024-01-01</t:From>"
            "<t:To>2024-01-31</t:To></t:GetStatement>",
            "<t:AuditHeader><t:UserId>u</t:UserId><t:Channel>PHONE</t:Channel></t:AuditHeader>",
            "AuditHeader/Channel: must be one of: WEB, BRANCH",
        ),
    ],
)
def test_a_request_that_breaks_the_contract_never_reaches_the_backend(
    treasury: Treasury, body: str, header: str, problem: str
) -> None:
    before = len(treasury.backend.calls)
    reply = post(treasury, body, header)
    assert reply.status_code == 500  # SOAP 1.1 §6.2
    assert fault_of(reply) == (f"{{{SOAP11}}}Client", f"the request does not conform to the contract: {problem}")
    assert len(treasury.backend.calls) == before


def test_a_reply_that_breaks_the_contract_is_a_server_fault_without_backend_text(treasury: Treasury) -> None:
    body = (
        "<t:GetStatement><t:AccountId>ACC-000666</t:AccountId><t:From>2024-01-01</t:From>"
        "<t:To>2024-01-31</t:To></t:GetStatement>"
    )
    reply = post(treasury, body, AUDIT_BLOCK)
    assert fault_of(reply) == (f"{{{SOAP11}}}Server", "Invalid backend reply")
    assert "10.0.0.7" not in reply.text and "secret" not in reply.text


# -- node-soap ----------------------------------------------------------------------------------------------------

NODE = Path(__file__).parent / "node"


def node_soap(treasury: Treasury, operation: str, args: dict[str, Any], header: str = "") -> dict[str, Any]:
    """One call by node-soap (tests/server/node/call.js), built from the original WSDL file."""
    node = shutil.which("node")
    if node is None or not (NODE / "node_modules" / "soap").is_dir():
        pytest.skip("node-soap is not installed: run `npm ci --prefix tests/server/node` (make test tries to)")
    command = [node, str(NODE / "call.js"), str(CONTRACT), treasury.url, operation, json.dumps(args)]
    done = subprocess.run([*command, header] if header else command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_node_soap_sends_a_derived_type_a_list_and_a_header_block(treasury: Treasury) -> None:
    audit = f'<AuditHeader xmlns="{TR}"><UserId>u-node</UserId></AuditHeader>'
    person = {
        "attributes": {"xsi_type": {"type": "Person", "xmlns": TR}, "id": "n-1"},  # node-soap's way to xsi:type
        "Name": "Grace Hopper",
        "GivenName": "Grace",
    }
    registered = node_soap(treasury, "RegisterParty", {"Party": person, "Reference": "R-3"}, audit)
    assert "result" in registered, registered
    call = treasury.backend.calls[-1]
    assert call["json"]["party"] == {"type": "Person", "id": "n-1", "name": "Grace Hopper", "givenName": "Grace"}
    assert call["headers"]["x-audit-header-user-id"] == "u-node"
    assert registered["result"]["Party"]["GivenName"] == "Grace"
    assert_valid_reply(treasury.schema, registered["reply"].encode())
    quoted = node_soap(treasury, "QuoteRate", {"Pair": "GBPUSD", "Tenors": "SPOT 3M"})
    assert treasury.backend.calls[-1]["json"] == {"pair": "GBPUSD", "tenors": ["SPOT", "3M"]}
    assert "<tns:Tenors>SPOT 3M</tns:Tenors>" in quoted["reply"], quoted["reply"]
    refused = node_soap(treasury, "QuoteRate", {"Pair": "GBPUSD", "Tenors": "SOON"})
    assert "Tenors: item 0: must match" in json.dumps(refused["fault"]), refused

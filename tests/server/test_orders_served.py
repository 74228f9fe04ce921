"""The synthetic order contract (``tests/wsdl/orders.wsdl``, SOAP 1.2) served end to end from a file written by
``adapter scaffold --serve``, over a REST stub that records what it receives: a choice (one branch, two refused), a
repeated sequence group, ``xsd:all`` with a default and a fixed value, facets, ``xsd:any`` content kept as found, a
recursive type, a declared fault whose detail lists problems. Requests are SOAP 1.2 envelopes over real HTTP; the
recursive read is made by zeep from the original WSDL. Every reply validates against the contract's XSD.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
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

from adapter.app import create_app
from adapter.cli import main
from adapter.testing import assert_valid_reply, contract_schema, serve_asgi
from tests.conftest import ROOT, project_settings

CONTRACT = ROOT / "tests" / "wsdl" / "orders.wsdl"
OR = "urn:example:orders"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
TREE = {
    "code": "A",
    "name": "All",
    "category": [{"code": "B", "name": "Books", "category": [{"code": "C", "name": "Crime"}]}],
}


@dataclass
class Backend:
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def order(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.calls.append({"path": request.url.path, "json": body})
        if body["sequence"][0]["sku"] == "ZZ000000":
            problems = {"problem": [{"field": "sku", "message": "gone"}, {"field": "quantity", "message": "too many"}]}
            return JSONResponse({"message": "Out of stock", "sku": "ZZ000000", "problems": problems}, 422)
        return JSONResponse({"orderId": "O-1", "status": "BACKORDERED", "comment": None})

    async def category(self, request: Request) -> JSONResponse:
        self.calls.append({"path": request.url.path, "json": None})
        return JSONResponse({"category": TREE})


@dataclass
class Orders:
    url: str
    backend: Backend
    schema: xmlschema.XMLSchemaBase
    http: httpx.Client

    def post(self, body: str) -> httpx.Response:
        envelope = f'<e:Envelope xmlns:e="{SOAP12}" xmlns:o="{OR}"><e:Body>{body}</e:Body></e:Envelope>'
        return self.http.post(self.url, content=envelope, headers={"Content-Type": "application/soap+xml"})


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orders]:
    tmp = tmp_path_factory.mktemp("orders")
    (tmp / "wsdl").mkdir()
    shutil.copy(CONTRACT, tmp / "wsdl" / CONTRACT.name)
    file = tmp / "mappings" / "orders.yaml"
    runner = CliRunner()
    wsdl = str(tmp / "wsdl")
    scaffolded = runner.invoke(
        main, ["scaffold", "--serve", f"{wsdl}/{CONTRACT.name}", "--wsdl", wsdl, "-o", str(file)]
    )
    assert scaffolded.exit_code == 0, scaffolded.output
    assert runner.invoke(main, ["check", str(file), "--wsdl", wsdl]).exit_code == 0
    backend = Backend()
    stub = Starlette(
        routes=[
            Route("/v1/order", backend.order, methods=["POST"]),
            Route("/v1/category/{code}", backend.category),
        ]
    )
    with ExitStack() as stack:
        rest = stack.enter_context(serve_asgi(stub))
        settings = project_settings(mappings_dir=file.parent, wsdl_dir=tmp / "wsdl", cache_dir=tmp / "cache")
        base = stack.enter_context(serve_asgi(create_app(settings, env={"ORDER_SERVICE_REST_URL": rest})))
        http = stack.enter_context(httpx.Client(timeout=30))
        yield Orders(base + "/soap/order-service", backend, contract_schema(CONTRACT, validation="lax"), http)


def order(*parts: str) -> str:
    return f"<o:PlaceOrder><o:CustomerId>C-1</o:CustomerId>{''.join(parts)}</o:PlaceOrder>"


DELIVERY = "<o:Delivery><o:Street>Main 1</o:Street><o:City>Bern</o:City><o:Country>CH</o:Country></o:Delivery>"
ITEMS = (
    "<o:Sku>AB123456</o:Sku><o:Quantity>2</o:Quantity><o:Weight>1.50</o:Weight>"
    "<o:Sku>CD654321</o:Sku><o:Quantity>1</o:Quantity>"
)
OPTIONS = "<o:Options><o:Channel>API</o:Channel><o:GiftWrap/></o:Options>"
EXTENSION = '<o:Extension><x:Note xmlns:x="urn:x" lang="en">fragile</x:Note></o:Extension>'


def test_choice_group_all_defaults_and_open_content_reach_the_backend(orders: Orders) -> None:
    reply = orders.post(order(DELIVERY, ITEMS, OPTIONS, "<o:Comment>  two   spaces </o:Comment>", EXTENSION))
    assert reply.status_code == 200, reply.text
    assert orders.backend.calls[-1]["json"] == {
        "customerId": "C-1",
        "delivery": {"street": "Main 1", "city": "Bern", "country": "CH"},
        "sequence": [{"sku": "AB123456", "quantity": 2, "weight": "1.50"}, {"sku": "CD654321", "quantity": 1}],
        "options": {"giftWrap": False, "channel": "API"},  # an empty GiftWrap takes its default (Part 1 §3.3.4)
        "comment": "two spaces",  # whiteSpace collapse
        "extension": {"Note": {"lang": "en", "_value": "fragile"}},  # xsd:any, kept as found
    }
    root = etree.fromstring(reply.content)
    comment = root.find(f".//{{{OR}}}Comment")
    assert comment is not None and comment.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
    assert root.findtext(f".//{{{OR}}}Status") == "BACKORDERED"
    assert_valid_reply(orders.schema, reply.content)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (order(DELIVERY, "<o:PickupPoint>Kiosk</o:PickupPoint>", ITEMS, OPTIONS), "holds Delivery and PickupPoint"),
        (order(DELIVERY, OPTIONS), "lacks the required group _sequence"),
        (order(DELIVERY, ITEMS.replace(">2<", ">0<"), OPTIONS), "Quantity[1]: must be at least 1"),
        (order(DELIVERY, ITEMS.replace("1.50", "1000"), OPTIONS), "Weight: must be less than 1000"),
        (order(DELIVERY, ITEMS, OPTIONS.replace("API", "WEB")), "Options/Channel: must be API (a fixed value)"),
        (order(DELIVERY, ITEMS.replace("AB123456", "AB12345"), OPTIONS), "must be exactly 8 characters long"),
    ],
)
def test_requests_that_break_the_content_model_are_sender_faults(orders: Orders, body: str, problem: str) -> None:
    before = len(orders.backend.calls)
    reply = orders.post(body)
    assert reply.status_code == 400  # SOAP 1.2 part 2 §7.5.2.2: a Sender fault
    root = etree.fromstring(reply.content)
    assert root.findtext(f".//{{{SOAP12}}}Code/{{{SOAP12}}}Value", "").endswith(":Sender")
    assert problem in root.findtext(f".//{{{SOAP12}}}Reason/{{{SOAP12}}}Text", ""), reply.text
    assert len(orders.backend.calls) == before


def test_a_declared_fault_with_a_list_of_problems(orders: Orders) -> None:
    reply = orders.post(order(DELIVERY, ITEMS.replace("AB123456", "ZZ000000"), OPTIONS))
    root = etree.fromstring(reply.content)
    detail = root.find(f".//{{{SOAP12}}}Detail/{{{OR}}}OutOfStock")
    assert detail is not None, reply.text
    assert [p.findtext(f"{{{OR}}}Message") for p in detail.iter(f"{{{OR}}}Problem")] == ["gone", "too many"]
    assert_valid_reply(orders.schema, reply.content)


def test_a_recursive_type_read_by_zeep(orders: Orders) -> None:
    client = zeep.Client(str(CONTRACT))
    service = client.create_service(f"{{{OR}}}OrdersSoap12", orders.url)
    category = service.GetCategory(Code="A")
    assert orders.backend.calls[-1]["path"] == "/v1/category/A"
    assert (category.code, category.Name, category.Category[0].Category[0].Name) == ("A", "All", "Crime")

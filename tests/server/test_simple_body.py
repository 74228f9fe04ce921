"""A Body element of a simple type served end to end (``tests/wsdl/clock.wsdl``, as gs1-epcis-query's
getStandardVersion has one): ``adapter scaffold --serve`` → ``adapter check`` → serve → zeep from the original WSDL
over a REST stub. The entry's facet is checked before the call, the reply's date keeps its offset."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import zeep
from click.testing import CliRunner
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from zeep.plugins import HistoryPlugin

from adapter.app import create_app
from adapter.cli import main
from adapter.testing import assert_valid_reply, contract_schema, serve_asgi
from tests.conftest import ROOT, project_settings

CONTRACT = ROOT / "tests" / "wsdl" / "clock.wsdl"
CK = "urn:example:clock"
received: list[Any] = []


async def today(request: Request) -> JSONResponse:
    received.append(await request.json())
    return JSONResponse({"localDate": "2026-12-04+01:00"})


@pytest.fixture(scope="module")
def clock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("clock")
    wsdl = tmp / "wsdl"
    wsdl.mkdir()
    shutil.copy(CONTRACT, wsdl / CONTRACT.name)
    file = tmp / "mappings" / "clock.yaml"
    runner = CliRunner()
    assert (
        runner.invoke(
            main, ["scaffold", "--serve", str(wsdl / CONTRACT.name), "--wsdl", str(wsdl), "-o", str(file)]
        ).exit_code
        == 0
    )
    assert runner.invoke(main, ["check", str(file), "--wsdl", str(wsdl)]).exit_code == 0
    stub = Starlette(routes=[Route("/v1/today", today, methods=["POST"])])
    settings = project_settings(mappings_dir=file.parent, wsdl_dir=wsdl, cache_dir=tmp / "cache")
    with serve_asgi(stub) as rest, serve_asgi(create_app(settings, env={"CLOCK_SERVICE_REST_URL": rest})) as base:
        yield base + "/soap/clock-service"


def test_a_simple_body_entry_both_ways(clock: str) -> None:
    history = HistoryPlugin()
    service = zeep.Client(str(CONTRACT), plugins=[history]).create_service(f"{{{CK}}}ClockSoap", clock)
    service.Today("Europe/Zurich")
    assert received[-1] == {"zone": "Europe/Zurich"}
    reply = history.last_received["envelope"]
    assert reply.findtext(f".//{{{CK}}}LocalDate") == "2026-12-04+01:00"
    assert_valid_reply(contract_schema(CONTRACT), etree.tostring(reply))


def test_a_simple_body_entry_breaking_its_facet_is_a_client_fault(clock: str) -> None:
    before = len(received)
    envelope = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        f'<c:Zone xmlns:c="{CK}">zurich</c:Zone></s:Body></s:Envelope>'
    )
    reply = httpx.post(clock, content=envelope, headers={"Content-Type": "text/xml"})
    fault = etree.fromstring(reply.content).find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
    assert fault is not None and fault.findtext("faultcode", "").endswith(":Client")
    assert (
        fault.findtext("faultstring")
        == "the request does not conform to the contract: Zone: must match [A-Z][a-z]+/[A-Z][a-z]+"
    )
    assert len(received) == before

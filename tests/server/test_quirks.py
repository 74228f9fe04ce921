"""Contract shapes the payment-order one does not have, served by the same machinery: unqualified local elements,
an operation without input content, and bare operations whose Body elements are not named after them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import zeep
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from zeep.plugins import HistoryPlugin

from adapter.app import create_app
from adapter.testing import assert_valid_reply, contract_schema, serve_asgi
from tests.conftest import ROOT, project_settings

CONTRACT = ROOT / "tests" / "wsdl" / "quirks.wsdl"


async def ping(_: Request) -> JSONResponse:
    return JSONResponse({"at": "2026-11-21T10:00:00+01:00"})


async def add(request: Request) -> JSONResponse:
    return JSONResponse({"sum": int(request.path_params["a"]) + int(request.query_params["b"])})


@pytest.fixture(scope="module")
def quirks() -> Iterator[tuple[Any, HistoryPlugin]]:
    stub = Starlette(routes=[Route("/ping", ping), Route("/add/{a}", add)])
    updates = {"mappings_dir": Path(__file__).parent / "quirks", "wsdl_dir": CONTRACT.parent}
    settings = project_settings().model_copy(update=updates)
    with serve_asgi(stub) as backend, serve_asgi(create_app(settings, env={"QUIRKS_URL": backend})) as base:
        history = HistoryPlugin()
        client = zeep.Client(str(CONTRACT), plugins=[history])
        yield client.create_service("{urn:example:quirks}QuirksSoap", f"{base}/soap/quirks"), history


def test_an_operation_without_input_content(quirks: tuple[Any, HistoryPlugin]) -> None:
    service, history = quirks
    assert service.Ping() == datetime.fromisoformat("2026-11-21T10:00:00+01:00")
    assert_valid_reply(contract_schema(CONTRACT), etree.tostring(history.last_received["envelope"]))


def test_bare_operation_with_unqualified_elements(quirks: tuple[Any, HistoryPlugin]) -> None:
    service, history = quirks
    assert service.Add(a=40, b=2) == 42
    reply = history.last_received["envelope"]
    entry = reply.find("{*}Body/{urn:example:quirks}AddReply")
    assert entry is not None and entry.find("sum").text == "42"  # local element in no namespace, as declared
    assert_valid_reply(contract_schema(CONTRACT), etree.tostring(reply))

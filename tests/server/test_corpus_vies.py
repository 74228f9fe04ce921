"""The same machinery serves a real-world contract from ``../shared/wsdl-corpus``: the EU's VIES VAT number check,
over a tiny REST stub, proven the same way (zeep and suds from the corpus file, replies checked against its XSD)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import xmlschema
import zeep
import zeep.exceptions
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from suds import WebFault
from suds.client import Client
from zeep.plugins import HistoryPlugin

from adapter import xml
from adapter.app import create_app
from adapter.settings import XmlLimits
from adapter.testing import assert_valid_reply, contract_schema, serve_asgi
from tests.conftest import project_settings
from tests.corpus import CORPUS as SHARED_CORPUS

CORPUS = SHARED_CORPUS
VIES = CORPUS / "eu-vies-checkvat" / "checkVatService.wsdl"
TYPES = "urn:ec.europa.eu:taxud:vies:services:checkVat:types"
REGISTER = {("DE", "811907980"): ("Musterfirma GmbH", "Musterstr. 1\n80331 München")}


@dataclass
class Vies:
    url: str
    schema: xmlschema.XMLSchemaBase
    seen: list[Any] = field(default_factory=list)

    def zeep(self) -> tuple[Any, HistoryPlugin]:
        history = HistoryPlugin(maxlen=20)
        client = zeep.Client(str(VIES), plugins=[history])
        return client.create_service(
            "{urn:ec.europa.eu:taxud:vies:services:checkVat}checkVatBinding", self.url
        ), history


def _stub(seen: list[Any]) -> Starlette:
    """A modern VAT lookup service: JSON, with VIES's documented error codes."""

    async def check(request: Request) -> JSONResponse:
        country, number = request.path_params["country"], request.path_params["number"]
        if country == "XX":
            return JSONResponse({"error": "MS_UNAVAILABLE"}, 503)
        if len(country) != 2 or not country.isupper():
            return JSONResponse({"error": "INVALID_INPUT"}, 400)
        name, address = REGISTER.get((country, number), (None, None))
        return JSONResponse(
            {"countryCode": country, "vatNumber": number, "requestDate": "2026-11-21", "valid": name is not None,
             "name": name, "address": address}
        )  # fmt: skip

    async def approx(request: Request) -> JSONResponse:
        body = await request.json()
        seen.append(body)
        name, _ = REGISTER.get((body["countryCode"], body["vatNumber"]), (None, None))
        match = "valid" if name and body.get("trader", {}).get("name") == name else "invalid"
        return JSONResponse(
            {"countryCode": body["countryCode"], "vatNumber": body["vatNumber"], "requestDate": "2026-11-21",
             "valid": name is not None, "trader": {"name": name, "address": None}, "match": {"name": match},
             "requestIdentifier": "WAPIAAAAZ0000001"}
        )  # fmt: skip

    return Starlette(routes=[Route("/vat/approx", approx, methods=["POST"]), Route("/vat/{country}/{number}", check)])


@pytest.fixture(scope="module")
def vies() -> Iterator[Vies]:
    if not VIES.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared WSDL corpus is required in CI: {VIES} is missing")
        pytest.skip(f"the shared WSDL corpus is not next to the repository ({CORPUS})")
    seen: list[Any] = []
    settings = project_settings().model_copy(
        update={"mappings_dir": Path(__file__).parent / "vies", "wsdl_dir": CORPUS}
    )
    with serve_asgi(_stub(seen)) as stub, serve_asgi(create_app(settings, env={"VIES_URL": stub})) as base:
        yield Vies(url=f"{base}/soap/vies", schema=contract_schema(VIES), seen=seen)


def test_check_vat_with_zeep(vies: Vies) -> None:
    service, history = vies.zeep()
    valid = service.checkVat(countryCode="DE", vatNumber="811907980")
    assert (valid.valid, valid.name, valid.address) == (True, "Musterfirma GmbH", "Musterstr. 1\n80331 München")
    assert str(valid.requestDate) == "2026-11-21"
    unknown = service.checkVat(countryCode="DE", vatNumber="000000000")
    assert unknown.valid is False and unknown.name is None
    for entry in history._buffer:
        assert_valid_reply(vies.schema, etree.tostring(entry["received"]["envelope"]))


def test_documented_faultstrings(vies: Vies) -> None:
    service, _ = vies.zeep()
    with pytest.raises(zeep.exceptions.Fault) as invalid:
        service.checkVat(countryCode="de", vatNumber="811907980")
    assert (invalid.value.code, invalid.value.message) == ("soap11env:Client", "INVALID_INPUT")
    with pytest.raises(zeep.exceptions.Fault) as down:
        service.checkVat(countryCode="XX", vatNumber="1")
    assert (down.value.code, down.value.message) == ("soap11env:Server", "MS_UNAVAILABLE")


def test_check_vat_approx_builds_a_nested_json_body(vies: Vies) -> None:
    service, history = vies.zeep()
    reply = service.checkVatApprox(
        countryCode="DE", vatNumber="811907980", traderName="Musterfirma GmbH", requesterCountryCode="AT"
    )
    assert (reply.valid, reply.traderName, reply.traderNameMatch) == (True, "Musterfirma GmbH", "1")
    assert reply.requestIdentifier == "WAPIAAAAZ0000001"
    assert vies.seen[-1] == {
        "countryCode": "DE",
        "vatNumber": "811907980",
        "trader": {"name": "Musterfirma GmbH"},
        "requester": {"countryCode": "AT"},
    }
    assert_valid_reply(vies.schema, etree.tostring(history.last_received["envelope"]))


def test_check_vat_with_suds(vies: Vies) -> None:
    client = Client(VIES.as_uri(), location=vies.url)
    assert client.service.checkVat(countryCode="DE", vatNumber="811907980").name == "Musterfirma GmbH"
    with pytest.raises(WebFault) as caught:
        client.service.checkVat(countryCode="de", vatNumber="1")
    assert caught.value.fault.faultstring == "INVALID_INPUT"


def test_served_wsdl_is_the_corpus_file_with_our_address(vies: Vies) -> None:
    served = xml.parse(httpx.get(vies.url + "?wsdl").content, XmlLimits())
    original = xml.parse(VIES.read_bytes(), XmlLimits())
    address = served.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address.get("location") == vies.url
    address.set("location", "http://ec.europa.eu/taxation_customs/vies/services/checkVatService")
    assert etree.tostring(served, method="c14n") == etree.tostring(original, method="c14n")
    assert served.find(".//{http://www.w3.org/2001/XMLSchema}schema").get("targetNamespace") == TYPES


def test_a_soap12_envelope_on_this_soap11_only_contract_is_version_mismatch(vies: Vies) -> None:
    envelope = (
        b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>'
        b'<v:checkVat xmlns:v="urn:ec.europa.eu:taxud:vies:services:checkVat:types">'
        b"<v:countryCode>DE</v:countryCode><v:vatNumber>123</v:vatNumber></v:checkVat></e:Body></e:Envelope>"
    )
    seen_before = len(vies.seen)
    for content_type in ("application/soap+xml; charset=utf-8", "text/xml; charset=utf-8"):
        reply = httpx.post(vies.url, content=envelope, headers={"Content-Type": content_type}, timeout=10)
        assert reply.status_code == 500, reply.text
        assert b"VersionMismatch" in reply.content
        assert b"http://schemas.xmlsoap.org/soap/envelope/" in reply.content  # answered in the version it speaks
    assert len(vies.seen) == seen_before  # the backend never saw it

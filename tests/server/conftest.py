"""A served contract end to end: the payments hub for real, the adapter for real, clients from the original WSDL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import xmlschema
import zeep
from lxml import etree
from xmlschema.extras.wsdl import Wsdl11Document
from zeep.plugins import HistoryPlugin
from zeep.wsse.username import UsernameToken

from adapter.app import create_app
from adapter.demo.simulators import payments_hub
from adapter.settings import Settings
from adapter.testing import serve_asgi
from tests.conftest import ROOT, project_settings

CONTRACT = ROOT / "wsdl" / "bank" / "payment_orders.wsdl"
TNS = "http://example.com/bank/paymentorders/v1"
PATH = "/soap/payment-orders"
USER, PASSWORD = "branch-0042", "s3cret-branch-pass"
BINDINGS = {"1.1": f"{{{TNS}}}PaymentOrderSoap11Binding", "1.2": f"{{{TNS}}}PaymentOrderSoap12Binding"}
# The facade's mappings need these to load; these tests never call those backends.
FACADE_ENV = {
    "BANK_URL": "http://127.0.0.1:9/x",
    "BANK_USER": "u",
    "BANK_PASSWORD": "p",
    "ERP_URL": "http://127.0.0.1:9/y",
}


@dataclass
class Served:
    """The adapter serving the payment-order contract, and the hub behind it."""

    url: str  # the SOAP endpoint
    hub: payments_hub.HubState
    hub_url: str
    http: httpx.Client

    def zeep(self, version: str = "1.1", *, digest: bool = False, password: str = PASSWORD) -> SoapClient:
        """A zeep client made from the ORIGINAL contract file, pointed at the adapter."""
        history = HistoryPlugin(maxlen=10)
        token = UsernameToken(USER, password, use_digest=digest)
        client = zeep.Client(str(CONTRACT), wsse=token, plugins=[history])
        return SoapClient(client.create_service(BINDINGS[version], self.url), history)


@dataclass
class SoapClient:
    service: Any
    history: HistoryPlugin

    def last_reply(self) -> bytes:
        return bytes(etree.tostring(self.history.last_received["envelope"]))


@contextmanager
def served_stack(settings: Settings | None = None, **env: str) -> Iterator[Served]:
    with ExitStack() as stack:
        hub = payments_hub.HubState()
        hub_url = stack.enter_context(serve_asgi(payments_hub.create_app(state=hub)))
        settings = settings or project_settings(soap_users={USER: PASSWORD})
        app = create_app(settings, env={**FACADE_ENV, "PAYMENTS_HUB_URL": hub_url, **env})
        base = stack.enter_context(serve_asgi(app))
        http = stack.enter_context(httpx.Client(timeout=30))
        yield Served(url=base + PATH, hub=hub, hub_url=hub_url, http=http)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with served_stack() as running:
        yield running


@pytest.fixture(scope="session")
def schema() -> xmlschema.XMLSchemaBase:
    """The original contract's XSD, read by xmlschema: an independent judge of what the adapter sends."""
    return wsdl_schema(CONTRACT)


def wsdl_schema(path: Any) -> xmlschema.XMLSchemaBase:
    """The ``wsdl:types`` schema of a contract. xmlschema's WSDL reader knows no SOAP 1.2 binding: that (and only
    that) is tolerated."""
    document = Wsdl11Document(str(path), validation="lax")  # type: ignore[no-untyped-call]
    assert all("missing soap:binding" in str(error) for error in document.errors), document.errors
    schema: xmlschema.XMLSchemaBase = document.schema
    assert not schema.all_errors
    return schema

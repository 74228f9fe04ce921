"""The facade, ``adapter try`` and ``adapter test`` run the same exchange: for the same backend reply they answer the
same status and body, untranslated faults and replies that break the contract included."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from lxml import etree

from adapter.app import create_app
from adapter.project import Binding, load_binding
from adapter.testing import RecordingBackend, body_payloads, serve_asgi, serve_wsgi
from adapter.tooling import trial
from tests.conftest import API_KEY, BANK_PASSWORD, BANK_USER, ROOT, project_settings

ACTION = "http://example.com/bank/corebanking/v1/GetBalance"
REPLY = (ROOT / "mappings/examples/bank/getBalance/reply.xml").read_bytes()
FAULT = (
    b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Server'
    b"</faultcode><faultstring>database on fire</faultstring><detail><Oops>internal</Oops></detail></s:Fault>"
    b"</s:Body></s:Envelope>"
)
CASES = {
    "success": (200, REPLY),
    "untranslated fault": (500, FAULT),
    "contract violation": (200, REPLY.replace(b'Ccy="EUR"', b'Ccy="EURO"', 1)),
    "not a SOAP reply": (200, b"<html>maintenance</html>"),
}


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[httpx.Client, RecordingBackend]]:
    backend = RecordingBackend()
    with ExitStack() as stack:
        url = stack.enter_context(serve_wsgi(backend))
        env = {"BANK_URL": f"{url}/corebanking", "BANK_USER": BANK_USER, "BANK_PASSWORD": BANK_PASSWORD}
        base = stack.enter_context(serve_asgi(create_app(project_settings(), env=env)))
        yield stack.enter_context(httpx.Client(base_url=base, headers={"X-API-Key": API_KEY})), backend


@pytest.fixture(scope="module")
def binding() -> Binding:
    return load_binding(ROOT / "mappings/bank.yaml", ROOT / "wsdl", None)


@pytest.mark.parametrize("case", CASES)
def test_try_answers_what_the_facade_answers(
    running: tuple[httpx.Client, RecordingBackend], binding: Binding, case: str
) -> None:
    api, backend = running
    status, reply = CASES[case]
    backend.reply(ACTION, (status, reply))
    served = api.get("/v1/accounts/DE89370400440532013000/balance")
    route, _ = trial.find_route(binding, "getBalance")
    tried = trial.answer(binding, route, reply, project_settings())
    body = served.json()
    for member in ("instance", "requestId"):
        body.pop(member, None)
    assert (tried.status, tried.body) == (served.status_code, body)


def test_try_sends_the_envelope_the_facade_sends(
    running: tuple[httpx.Client, RecordingBackend], binding: Binding
) -> None:
    api, backend = running
    backend.reply(ACTION, REPLY)
    api.get("/v1/accounts/de89%203704%200044%200532%200130%2000/balance")
    route, request = trial.find_route(binding, "GET /v1/accounts/de89%203704%200044%200532%200130%2000/balance")
    body, headers = trial.envelope(binding, route, request)
    sent = etree.tostring(backend.last.payload())  # the facade's also carries WS-Security, added at call time
    assert etree.tostring(body_payloads(body)[0]) == sent
    assert headers["SOAPAction"] == f'"{ACTION}"'

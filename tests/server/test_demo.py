"""The call ``adapter demo`` prints for the served contract works as printed, with the demo user."""

from __future__ import annotations

import shlex

import httpx
from pydantic import SecretStr

from adapter.app import create_app
from adapter.demo import runner as demo
from adapter.settings import Settings
from adapter.testing import serve_asgi
from tests.conftest import project_settings
from tests.server.conftest import served_stack


def test_the_printed_soap_call_works() -> None:
    settings = project_settings(soap_users={demo.SOAP_USER: SecretStr(demo.SOAP_PASSWORD)})
    with served_stack(settings) as served:
        assert served.url.endswith(demo.SOAP_PATH)
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{demo.SOAP_ACTION}"'}
        reply = served.http.post(served.url, content=demo.SOAP_EXAMPLE.encode(), headers=headers)
        assert reply.status_code == 200
        assert "<tns:PaymentOrderId>PAY-000001</tns:PaymentOrderId>" in reply.text
    banner = demo.banner("http://127.0.0.1:8000", {"BANK_URL": "", "ERP_URL": "", "PAYMENTS_HUB_URL": "http://hub"})
    assert "http://127.0.0.1:8000/soap/payment-orders?wsdl" in banner
    assert demo.SOAP_EXAMPLE in banner and "password demo-pass" in banner


def curl_commands(text: str) -> list[list[str]]:
    """The curl commands of a text, split as a shell would: continuation lines and quotes over several lines."""
    commands, pending = [], ""
    for line in text.replace("\\\n", " ").splitlines():
        if not pending and not line.strip().startswith("curl "):
            continue
        pending = f"{pending}\n{line}" if pending else line.strip()
        try:
            commands.append(shlex.split(pending))
        except ValueError:  # a quote still open: the command goes on
            continue
        pending = ""
    return commands


def run_curl(argv: list[str], client: httpx.Client) -> httpx.Response:
    """Make the request a curl command line describes (-s, -H, -X, -d and the URL: what the banner uses)."""
    method, url, headers, data = "GET", "", {}, None
    args = iter(argv[1:])
    for arg in args:
        if arg == "-H":
            name, _, value = next(args).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-X":
            method = next(args)
        elif arg == "-d":
            data = next(args)
            method = "POST" if method == "GET" else method
        elif not arg.startswith("-"):
            url = arg
    return client.request(method, url, headers=headers, content=data.encode() if data is not None else None)


def test_every_call_the_banner_prints_works_as_labelled() -> None:
    settings = demo.demo_settings(Settings())
    with demo.simulators("127.0.0.1", demo.DemoPorts(0, 0, 0, 0)) as env:
        with serve_asgi(create_app(settings, env=env)) as base, httpx.Client(timeout=30) as client:
            text = demo.banner(base, env)
            replies = [run_curl(argv, client) for argv in curl_commands(text)]
    statuses = [reply.status_code for reply in replies]
    # balance, transactions, sales orders, the affordable transfer, the refused one, the served SOAP call
    assert statuses == [200, 200, 200, 201, 422, 200], [(r.status_code, r.text[:200]) for r in replies]
    assert replies[3].json()["status"] == "executed"
    assert replies[3].headers["location"] == f"/v1/transfers/{replies[3].json()['transferId']}"
    assert replies[4].json()["type"] == "urn:soap-adapter:problem:insufficient-funds"
    assert "A transfer the account can afford" in text and "A transfer the bank refuses" in text

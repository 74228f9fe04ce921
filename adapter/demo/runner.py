"""``adapter demo``: the legacy simulators and the facade wired to them, and the payment-order SOAP contract
served over the payments hub, on local ports."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import click
import uvicorn
from pydantic import SecretStr

from adapter.api.auth import hash_key
from adapter.app import create_app
from adapter.demo import files
from adapter.demo.simulators import bank, erp, payments_hub
from adapter.listen import ensure_free
from adapter.logs import configure as configure_logging
from adapter.settings import ApiKey, Settings
from adapter.testing import make_wsgi_server, serve_asgi

API_KEY = "demo-key"
BANK_USER = "demo-bank"
BANK_PASSWORD = "demo-bank-pass"
SOAP_USER = "demo"
SOAP_PASSWORD = "demo-pass"
SOAP_PATH = "/soap/payment-orders"
SOAP_ACTION = "http://example.com/bank/paymentorders/v1/GetPaymentOrder"
SOAP_EXAMPLE = f"""\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    xmlns:po="http://example.com/bank/paymentorders/v1">
  <soap:Header><wsse:Security><wsse:UsernameToken>
    <wsse:Username>{SOAP_USER}</wsse:Username><wsse:Password>{SOAP_PASSWORD}</wsse:Password>
  </wsse:UsernameToken></wsse:Security></soap:Header>
  <soap:Body><po:GetPaymentOrder><po:PaymentOrderId>PAY-000001</po:PaymentOrderId></po:GetPaymentOrder></soap:Body>
</soap:Envelope>"""


DEBTOR = "DE89370400440532013000"  # holds 1,250.50 EUR in the simulator's seed data
CREDITOR = "FR7630006000011234567890189"


@dataclass(frozen=True)
class DemoPorts:
    facade: int = 8000
    bank: int = 8001
    erp: int = 8002
    hub: int = 8003

    def ensure_free(self, host: str) -> None:
        """Every port can be listened on, or one line says which is taken and which option moves it."""
        ensure_free(host, self.facade, what="the JSON facade", option="--port, or make demo PORT=...")
        ensure_free(host, self.bank, what="the core-banking simulator", option="--bank-port")
        ensure_free(host, self.erp, what="the ERP simulator", option="--erp-port")
        ensure_free(host, self.hub, what="the payments hub simulator", option="--hub-port")


@contextmanager
def simulators(host: str, ports: DemoPorts) -> Iterator[dict[str, str]]:
    """Run the core-banking and ERP simulators in background threads; yields the facade's environment."""
    servers = [
        make_wsgi_server(bank.create_app(username=BANK_USER, password=BANK_PASSWORD), host, ports.bank),
        make_wsgi_server(erp.create_app(), host, ports.erp),
    ]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        with ExitStack() as stack:
            hub = stack.enter_context(serve_asgi(payments_hub.create_app(), host, ports.hub))
            yield {
                "BANK_URL": f"http://{host}:{servers[0].server_port}/corebanking",
                "BANK_USER": BANK_USER,
                "BANK_PASSWORD": BANK_PASSWORD,
                "ERP_URL": f"http://{host}:{servers[1].server_port}/sap/bc/srt/rfc/sap/zsalesorder",
                "PAYMENTS_HUB_URL": hub,
            }
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def transfer(amount: str, reference: str) -> str:
    """The JSON body of a transfer from the demo debtor."""
    return (
        f'{{"debtorAccount": "{DEBTOR}", "creditorAccount": "{CREDITOR}", "creditorName": "Alice Martin", '
        f'"amount": {{"amount": "{amount}", "currency": "EUR"}}, "clientReference": "{reference}"}}'
    )


def banner(base: str, env: dict[str, str]) -> str:
    key = f"-H 'X-API-Key: {API_KEY}'"
    post = f"curl -s {key} -X POST {base}/v1/transfers -H 'Content-Type: application/json'"
    return f"""
SOAP adapter demo
  JSON facade      {base}   (OpenAPI: {base}/docs; API key {API_KEY}, every scope)
  core banking     {env["BANK_URL"]}   (SOAP 1.1, WS-Security UsernameToken)
  ERP sales orders {env["ERP_URL"]}   (SOAP 1.2)

Try:
  curl -s {key} {base}/v1/accounts/{DEBTOR}/balance
  curl -s {key} '{base}/v1/accounts/{DEBTOR}/transactions?from=2026-01-01&to=2026-03-31&page=1&pageSize=5'
  curl -s {key} '{base}/v1/sales-orders?customerId=100042'

A transfer the account can afford (201 Created; the same clientReference again is a 409):
  {post} \\
       -d '{transfer("250.00", "demo-1")}'

A transfer the bank refuses: more than the account holds (422 problem+json, insufficient funds):
  {post} \\
       -d '{transfer("99999.00", "demo-2")}'
{soap_banner(base, env)}
Ctrl-C stops everything.
"""


def soap_banner(base: str, env: dict[str, str]) -> str:
    """The served payment-order contract: where it is, who may call it, and one call to try."""
    endpoint = base + SOAP_PATH
    return f"""
Payment orders, the retired SOAP contract served over the payments hub ({env["PAYMENTS_HUB_URL"]}):
  SOAP endpoint    {endpoint}   (SOAP 1.1 and 1.2; WS-Security user {SOAP_USER}, password {SOAP_PASSWORD})
  contract         {endpoint}?wsdl

  curl -s {endpoint} -H 'Content-Type: text/xml; charset=utf-8' \\
       -H 'SOAPAction: "{SOAP_ACTION}"' -d '
{SOAP_EXAMPLE}'
"""


def demo_settings(settings: Settings) -> Settings:
    """The demo's own contracts and mappings (shipped with the package), a demo API key and a served-contract user
    unless configured."""
    settings = settings.model_copy(update={"mappings_dir": files.mappings_dir(), "wsdl_dir": files.wsdl_dir()})
    if not settings.auth.api_keys and settings.auth.jwt is None:
        demo_key = ApiKey(name="demo", hash=hash_key(API_KEY), scopes=["*"])
        settings = settings.model_copy(update={"auth": settings.auth.model_copy(update={"api_keys": [demo_key]})})
    if not settings.soap_users:
        settings = settings.model_copy(update={"soap_users": {SOAP_USER: SecretStr(SOAP_PASSWORD)}})
    return settings


def run(settings: Settings, ports: DemoPorts) -> None:
    # Spyne logs every Client fault (an unknown account, say) with a traceback: expected here, so kept quiet.
    logging.getLogger("spyne.application.client").setLevel(logging.CRITICAL)
    host = settings.host
    settings = demo_settings(settings)
    ports.ensure_free(host)  # before anything starts or prints
    with simulators(host, ports) as env:
        app = create_app(settings, env=env)
        click.echo(banner(f"http://{host}:{ports.facade}", env))
        configure_logging(settings.log_level)
        uvicorn.run(app, host=host, port=ports.facade, log_level="warning", access_log=False)

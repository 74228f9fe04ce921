"""``adapter demo``: the two legacy simulators and the facade wired to them, on local ports."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
import uvicorn

from adapter.api import create_app
from adapter.settings import Settings
from adapter.simulators import bank, erp
from adapter.testing import make_wsgi_server

BANK_USER = "demo-bank"
BANK_PASSWORD = "demo-bank-pass"


@dataclass(frozen=True)
class DemoPorts:
    facade: int = 8000
    bank: int = 8001
    erp: int = 8002


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
        yield {
            "BANK_URL": f"http://{host}:{servers[0].server_port}/corebanking",
            "BANK_USER": BANK_USER,
            "BANK_PASSWORD": BANK_PASSWORD,
            "ERP_URL": f"http://{host}:{servers[1].server_port}/sap/bc/srt/rfc/sap/zsalesorder",
        }
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def banner(base: str, env: dict[str, str]) -> str:
    return f"""
SOAP adapter demo
  JSON facade      {base}   (OpenAPI: {base}/docs)
  core banking     {env["BANK_URL"]}   (SOAP 1.1, WS-Security UsernameToken)
  ERP sales orders {env["ERP_URL"]}   (SOAP 1.2)

Try:
  curl -s {base}/v1/accounts/DE02120300000000202051/balance
  curl -s '{base}/v1/accounts/DE89370400440532013000/transactions?from=2026-01-01&to=2026-03-31&page=1&pageSize=5'
  curl -s -X POST {base}/v1/transfers -H 'Content-Type: application/json' \\
       -d '{{"debtorAccount": "DE89370400440532013000", "creditorAccount": "FR7630006000011234567890189",
            "creditorName": "Alice Martin", "amount": {{"amount": "99999.00", "currency": "EUR"}},
            "clientReference": "demo-1"}}'
  curl -s '{base}/v1/sales-orders?customerId=100042'

Ctrl-C stops everything.
"""


def run(settings: Settings, ports: DemoPorts) -> None:
    # Spyne logs every Client fault (an unknown account, say) with a traceback: expected here, so kept quiet.
    logging.getLogger("spyne.application.client").setLevel(logging.CRITICAL)
    host = settings.host
    with simulators(host, ports) as env:
        app = create_app(settings, env=env)
        click.echo(banner(f"http://{host}:{ports.facade}", env))
        uvicorn.run(app, host=host, port=ports.facade, log_level="warning")

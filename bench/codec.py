"""Micro-benchmark of the exchange compiled from the contract model (not a test: it prints figures).

    .venv/bin/python -m bench.codec [--corpus ../shared/wsdl-corpus]

- decode + validate a GetStatement reply of 25 and 500 rows (the shipped core-banking contract), and the whole
  reply side of the route (parse, decode, validate, response template);
- encode a TransferFunds request (envelope from plain data, facets checked) and the whole request side of the route;
- load the 3 MB e-conomic contract cold (build with xmlschema) and warm (from the JSON cache), in fresh processes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROW = (
    "<tns:Entry><tns:EntryId>ENT-{n:06d}</tns:EntryId><tns:BookingDate>2026-01-02</tns:BookingDate>"
    '<tns:ValueDate>2026-01-02</tns:ValueDate><tns:Amount Ccy="EUR">1350.00</tns:Amount>'
    "<tns:CreditDebit>DBIT</tns:CreditDebit><tns:Counterparty><tns:Name>Hausverwaltung Schmidt GmbH</tns:Name>"
    "<tns:IBAN>DE44500105175407324931</tns:IBAN></tns:Counterparty><tns:RemittanceInfo>Miete Januar 2026"
    "</tns:RemittanceInfo></tns:Entry>"
)
REPLY = (
    '<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:tns="http://example.com/bank/corebanking/v1"><soap:Body><tns:GetStatementResponse>{rows}'
    "<tns:TotalEntries>{count}</tns:TotalEntries><tns:MoreEntries>false</tns:MoreEntries>"
    "</tns:GetStatementResponse></soap:Body></soap:Envelope>"
)
TRANSFER = {
    "debtorAccount": "DE89370400440532013000",
    "creditorAccount": "FR7630006000011234567890189",
    "creditorName": "Alice Martin",
    "amount": {"amount": "1250.50", "currency": "EUR"},
    "remittanceInformation": "Invoice 2026-001",
    "clientReference": "bench-1",
}


def timed(work: Callable[[], Any], *, seconds: float = 1.0) -> tuple[float, int]:
    """Median time per call in ms over batches filling about ``seconds``."""
    work()
    batch, started = 1, time.perf_counter()
    while time.perf_counter() - started < 0.05:
        work()
        batch += 1
    samples = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 5:
        start = time.perf_counter()
        for _ in range(batch):
            work()
        samples.append((time.perf_counter() - start) / batch * 1000)
    return statistics.median(samples), batch * len(samples)


def exchange_figures() -> list[str]:
    from adapter import xml
    from adapter.exchange import route as exchange
    from adapter.exchange.decoder import Report
    from adapter.project import load_binding
    from adapter.settings import XmlLimits

    binding = load_binding(ROOT / "mappings/bank.yaml", ROOT / "wsdl", None)
    routes = {route.route.name: route for route in binding.mapping.routes}
    statement, transfer = routes["getTransactions"], routes["createTransfer"]
    operation = binding.contract.operations["GetStatement"]
    compiled = exchange.exchange_of(operation)
    limits = XmlLimits()
    lines = []
    for count in (25, 500):
        reply = REPLY.format(rows="".join(ROW.format(n=n) for n in range(count)), count=count).encode()
        root = xml.parse(reply, limits)
        decode_ms, runs = timed(lambda root=root: compiled.reply(root, Report()))
        answer_ms, _ = timed(lambda reply=reply: exchange.answer(statement, operation, reply, limits, status=200))
        lines.append(
            f"  GetStatement reply, {count:>3} rows ({len(reply) / 1024:.0f} KiB): decode+validate "
            f"{decode_ms:.3f} ms; parse+decode+validate+response template {answer_ms:.3f} ms ({runs} runs)"
        )
    data = {"path": {}, "query": {}, "headers": {}, "body": TRANSFER}
    transfer_op = binding.contract.operations["TransferFunds"]
    encode_ms, runs = timed(lambda: exchange.request(transfer, transfer_op, data).body())
    lines.append(f"  TransferFunds request: template + facets + envelope + bytes {encode_ms:.3f} ms ({runs} runs)")
    return lines


def load_figures(corpus: Path) -> list[str]:
    wsdl = corpus / "economic-erp" / "economic.wsdl"
    if not wsdl.is_file():
        return [f"  load: skipped, {wsdl} is not there"]
    lines = []
    with tempfile.TemporaryDirectory() as cache:
        code = (
            "import time; t = time.perf_counter(); from pathlib import Path; "
            "from adapter.intake import ContractCache, load_contract; "
            f"c = load_contract(Path({str(wsdl)!r}), cache=ContractCache(Path({cache!r}))); "
            "n = len(c.operations); import sys; "
            "print(f'{time.perf_counter() - t:.2f}', n, 'xmlschema' in sys.modules)"
        )
        for run in ("cold", "warm", "warm"):
            found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            seconds, operations, imported = found.stdout.split()
            lines.append(
                f"  e-conomic ({wsdl.stat().st_size / 1e6:.1f} MB, {operations} operations on the port), {run}: "
                f"{seconds} s in a fresh process (imports included; xmlschema imported: {imported})"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "wsdl-corpus")
    args = parser.parse_args()
    print("exchange (one core, median of batches):")
    for line in exchange_figures():
        print(line)
    print("contract load:")
    for line in load_figures(args.corpus):
        print(line)


if __name__ == "__main__":
    main()

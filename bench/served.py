"""CPU per call of the served direction: a SOAP client → the served payment-order contract → the payments hub.

    .venv/bin/python bench/served.py [--calls 2000] [--warmup 200]

A rough figure, not part of ``make bench``: the hub and the adapter each run under uvicorn in a child process, this
process sends ``--calls`` GetPaymentOrder envelopes (SOAP 1.1, a PasswordText UsernameToken) one after another on one
keep-alive connection, and prints the CPU time (user + system, from ``/proc``) the adapter's process spent per call.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
USER, PASSWORD = "bench-user", "bench-pass"
TNS = "http://example.com/bank/paymentorders/v1"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
ENVELOPE = (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
    f'<wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken><wsse:Username>{USER}</wsse:Username>'
    f"<wsse:Password>{PASSWORD}</wsse:Password></wsse:UsernameToken></wsse:Security></s:Header><s:Body>"
    f'<po:GetPaymentOrder xmlns:po="{TNS}"><po:PaymentOrderId>PAY-000001</po:PaymentOrderId></po:GetPaymentOrder>'
    "</s:Body></s:Envelope>"
).encode()
HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{TNS}/GetPaymentOrder"'}


def _hub(port: int) -> None:
    import uvicorn

    from adapter.demo.simulators import payments_hub

    uvicorn.run(payments_hub.create_app(), host=HOST, port=port, log_level="warning")


def _adapter(port: int, hub_port: int) -> None:
    import uvicorn

    from adapter.app import create_app
    from adapter.settings import AuthSettings, Settings

    settings = Settings(
        mappings_dir=ROOT / "mappings",
        wsdl_dir=ROOT / "wsdl",
        auth=AuthSettings(required=False),
        soap_users={USER: PASSWORD},
    )
    env = {"PAYMENTS_HUB_URL": f"http://{HOST}:{hub_port}", "BANK_URL": "http://127.0.0.1:9/x", "BANK_USER": "u"}
    app = create_app(settings, env={**env, "BANK_PASSWORD": "p", "ERP_URL": "http://127.0.0.1:9/y"})
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, stat(5) fields 14 and 15


def _wait(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    from adapter.testing import free_port

    hub_port, port = free_port(), free_port()
    spawn = multiprocessing.get_context("spawn")
    children = [spawn.Process(target=_hub, args=(hub_port,)), spawn.Process(target=_adapter, args=(port, hub_port))]
    for child in children:
        child.start()
    try:
        _wait(f"http://{HOST}:{hub_port}/payments/PAY-000001")
        _wait(f"http://{HOST}:{port}/healthz")
        url = f"http://{HOST}:{port}/soap/payment-orders"
        with httpx.Client(timeout=30) as client:
            for _ in range(args.warmup):
                reply = client.post(url, content=ENVELOPE, headers=HEADERS)
                if reply.status_code != 200:
                    raise SystemExit(f"the served endpoint answered {reply.status_code}: {reply.text[:500]}")
            before, started = _cpu_seconds(children[1].pid or 0), time.perf_counter()
            for _ in range(args.calls):
                client.post(url, content=ENVELOPE, headers=HEADERS)
            cpu, wall = _cpu_seconds(children[1].pid or 0) - before, time.perf_counter() - started
        print(f"{args.calls} GetPaymentOrder calls: adapter CPU {cpu / args.calls * 1000:.2f} ms per call, "
              f"wall {wall / args.calls * 1000:.2f} ms per call ({sys.version.split()[0]})")  # fmt: skip
    finally:
        for child in children:
            child.terminate()
            child.join(10)


if __name__ == "__main__":
    main()

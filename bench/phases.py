"""Where a mapped call's CPU goes, phase by phase, in one process (not a test, and not the benchmark: it prints
figures for comparing two branches on the same machine).

    .venv/bin/python -m bench.phases [balance|statement-25] [--requests 3000]

The facade is built as ``adapter serve`` builds it (the shipped mappings and contracts, an API key, the JSON access
log on /dev/null) and called through its ASGI interface, one request at a time, after ``gc.freeze()`` and with the
young-generation threshold ``serve`` sets. Only the network is left out: the backend's HTTP client answers the canned
reply of :mod:`bench.canned` at once, so uvicorn, h11, aiohttp and the event loop's I/O are not in these figures (they
are in ``make bench``'s). It prints the CPU per request (best of five loops) and the time inside each phase of the
exchange (the rest is the middlewares, the route, metrics and the access log).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import canned
from bench.scenarios import API_KEY
from bench.stack import facade_env

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = {
    "balance": (f"/v1/accounts/{canned.BALANCE_IBAN}/balance", b"", canned.balance_reply),
    "statement-25": (
        f"/v1/accounts/{canned.STATEMENT_IBAN}/transactions",
        b"from=2026-01-01&to=2026-12-31&page=1&pageSize=25",
        lambda: canned.statement_reply(25),
    ),
}


def _environment() -> None:
    nowhere = "http://127.0.0.1:9"  # never called: the client below answers
    os.environ.update(facade_env(f"{nowhere}/bank", f"{nowhere}/hub"))


def _timed(owner: Any, name: str, label: str, spent: Counter[str]) -> None:
    """Wrap ``owner.name`` so that its wall time (one thread, nothing else running: its CPU) adds up in ``spent``."""
    original: Callable[..., Any] = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - started

    setattr(owner, name, timed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.phases", description=__doc__.split("\n\n")[0])
    parser.add_argument("route", nargs="?", default="balance", choices=sorted(REQUESTS))
    parser.add_argument("--requests", type=int, default=3000, help="requests per loop (five loops)")
    args = parser.parse_args(argv)
    _environment()

    from adapter import logs, serving, xml
    from adapter.app import create_app
    from adapter.exchange import envelope, route
    from adapter.outbound import client
    from adapter.settings import Settings
    from adapter.soap import wsse

    path, query, reply_of = REQUESTS[args.route]
    reply = client.Reply(status=200, headers={"content-type": "text/xml; charset=utf-8"}, body=reply_of())

    async def answer(self: client.HttpClient, method: str, url: str, **_: Any) -> client.Reply:
        return reply

    client.HttpClient.request = answer  # type: ignore[method-assign]  # the network is what this leaves out
    logs.configure("info")
    logging.getLogger("adapter").handlers[0].setStream(open(os.devnull, "w"))  # type: ignore[attr-defined]  # noqa: SIM115
    app = create_app(Settings())
    spent: Counter[str] = Counter()
    _timed(route, "payload", "request mapping and validation", spent)
    _timed(route, "outbound", "request envelope", spent)
    _timed(wsse.Plugins, "serialize", "WS-Security header and serialisation", spent)
    _timed(xml, "parse", "reply parse and XML limits", spent)
    _timed(envelope.OperationExchange, "reply", "reply decode and validation", spent)
    _timed(route, "document", "response mapping", spent)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"x-api-key", API_KEY.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def call() -> None:
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(dict(scope), receive, send)
        if status != [200]:
            raise SystemExit(f"{args.route}: the facade answered {status}")

    async def run() -> None:
        for _ in range(300):
            await call()
        serving._settle()
        best = float("inf")
        for _ in range(5):
            spent.clear()
            started = time.process_time()
            for _ in range(args.requests):
                await call()
            best = min(best, (time.process_time() - started) / args.requests)
        print(f"{args.route}: {best * 1e6:.1f} µs of CPU per request in process (best of 5 x {args.requests})")
        for label, seconds in spent.most_common():
            print(f"  {seconds / args.requests * 1e6:7.1f} µs  {label}")

    asyncio.run(run())
    gc.unfreeze()


if __name__ == "__main__":
    main()

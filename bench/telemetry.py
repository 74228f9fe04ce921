"""Per-request cost of the adapter's telemetry: the ASGI middleware (metrics, tracing) and a backend call's observer.

    .venv/bin/python bench/telemetry.py [--requests 50000] [--rounds 5] [--multiprocess]

Each scenario drives the real :class:`adapter.asgi.telemetry.TelemetryMiddleware` (or a backend call's
:class:`adapter.observability.backend.ObservedCall`) in-process around an ASGI app that answers at once, so that what is
measured is the telemetry alone: no socket, no parsing, no backend. The figure is the CPU time of this process per
request (the span exporter's thread included), the best of ``--rounds``, minus the same loop without the middleware:
CPU time and the best round are what other work on a shared machine disturbs least. ``--multiprocess`` runs it in
prometheus-client's multiprocess mode (``adapter serve --workers N``: every increment writes to a memory-mapped file).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

TRACEPARENT = (b"traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
HEADERS = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*"), (b"x-api-key", b"k" * 32)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--multiprocess", action="store_true", help="prometheus-client's multiprocess mode")
    args = parser.parse_args()
    if args.multiprocess and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        with tempfile.TemporaryDirectory() as folder:  # must be set before prometheus-client is imported
            env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": folder}
            subprocess.run([sys.executable, *sys.argv], env=env, check=True)
        return
    run(args.requests, args.rounds)


def run(requests: int, rounds: int) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
    from starlette.routing import Route

    from adapter.asgi.telemetry import RouteLabels, TelemetryMiddleware
    from adapter.observability import BackendObserver, Metrics, Tracing

    class Discard(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Discard(), max_queue_size=1_000_000))
    route = Route("/v1/accounts/{iban}/balance", lambda request: None, name="getBalance")
    labels = RouteLabels([(route, "getBalance")])

    async def answer(scope: dict[str, Any], receive: Any, send: Callable[[Any], Awaitable[None]]) -> None:
        scope["route"] = route  # as Starlette's router leaves it
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    def middleware(metrics: Metrics | None, tracing: Tracing) -> Any:
        return TelemetryMiddleware(answer, metrics=metrics, tracing=tracing, routes=labels)

    metrics, off, on = Metrics(), Tracing(), Tracing(provider)
    scenarios: list[tuple[str, Any, list[tuple[bytes, bytes]]]] = [
        ("middleware, metrics off, tracing off", middleware(None, off), HEADERS),
        ("metrics on, tracing off (the default)", middleware(metrics, off), HEADERS),
        ("metrics on, tracing off, caller's traceparent", middleware(metrics, off), [*HEADERS, TRACEPARENT]),
        ("metrics on, tracing on (SDK, batch export)", middleware(metrics, on), HEADERS),
        ("metrics on, tracing on, caller's traceparent", middleware(metrics, on), [*HEADERS, TRACEPARENT]),
    ]
    mode = "multiprocess (mmap files)" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "single process"
    print(f"python {sys.version.split()[0]}; prometheus-client {mode}; {requests} requests x {rounds} rounds")
    print(f"{'scenario':<50} {'CPU us/request':>15}")
    base = asyncio.run(_per_request(answer, HEADERS, requests, rounds))
    print(f"{'bare ASGI app (subtracted below)':<50} {base:>15.2f}")
    for name, app, headers in scenarios:
        cost = asyncio.run(_per_request(app, headers, requests, rounds)) - base
        print(f"{name:<50} {cost:>15.2f}")
    observers = [
        ("backend call observer, metrics on, tracing off", BackendObserver("Bank", metrics=metrics, tracing=off)),
        ("backend call observer, metrics on, tracing on", BackendObserver("Bank", metrics=metrics, tracing=on)),
    ]
    for name, observer in observers:
        print(f"{name:<50} {_per_call(observer, requests, rounds):>15.2f}")
    provider.shutdown()


async def _per_request(app: Any, headers: list[tuple[bytes, bytes]], requests: int, rounds: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    timings = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(requests):
            scope = {"type": "http", "method": "GET", "path": "/v1/accounts/X/balance", "headers": headers}
            await app(scope, receive, send)
        timings.append((time.process_time() - started) / requests * 1e6)
    return min(timings)


def _per_call(observer: Any, calls: int, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(calls):
            with observer.call("GetBalance") as call:
                call.http_status(200)
        timings.append((time.process_time() - started) / calls * 1e6)
    return min(timings)


if __name__ == "__main__":
    main()

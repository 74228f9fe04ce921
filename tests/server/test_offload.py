"""Large messages are parsed off the event loop, on threads of the served endpoints' own; backend calls hold none."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Iterator

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from adapter.demo.simulators import payments_hub
from adapter.server.faults import ServiceBusy
from adapter.server.workers import Workers
from adapter.settings import XmlLimits
from adapter.testing import serve_asgi
from tests.server.conftest import Served, served_stack
from tests.server.test_endpoint import ACTION, GET, SOAP11, token

LIMIT = XmlLimits().max_bytes


def namespace_heavy_envelope(size: int = LIMIT - 64 * 1024) -> bytes:
    """A valid GetPaymentOrder of about ``size`` bytes: a header block (not mustUnderstand, so ignored) of elements
    declaring 40 namespaces each, within every XML limit."""
    declarations = " ".join(f'xmlns:n{i}="urn:example:namespace:{i:02d}"' for i in range(40))
    element = f"<t:e {declarations}/>".encode()
    head = f'<s:Envelope xmlns:s="{SOAP11}"><s:Header>{token()}<t:Trace xmlns:t="urn:trace">'.encode()
    tail = f"</t:Trace></s:Header><s:Body>{GET}</s:Body></s:Envelope>".encode()
    count = (size - len(head) - len(tail)) // len(element)
    return head + element * count + tail


def test_a_10mb_envelope_never_stalls_healthz(served: Served) -> None:
    body = namespace_heavy_envelope()
    assert 9_900_000 < len(body) <= LIMIT
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{ACTION}GetPaymentOrder"'}
    stop, statuses = threading.Event(), []

    def keep_posting() -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                statuses.append(client.post(served.url, content=body, headers=headers).status_code)

    posters = [threading.Thread(target=keep_posting) for _ in range(2)]
    for poster in posters:
        poster.start()
    latencies = []
    try:
        with httpx.Client(timeout=10) as client:
            healthz = served.url.replace("/soap/payment-orders", "/healthz")
            while len(statuses) < 2:  # the posts are under way
                time.sleep(0.05)
            for _ in range(60):
                started = time.perf_counter()
                assert client.get(healthz).status_code == 200
                latencies.append(time.perf_counter() - started)
                time.sleep(0.02)
    finally:
        stop.set()
        for poster in posters:
            poster.join()
    assert set(statuses) == {200}
    p90 = statistics.quantiles(latencies, n=10)[-1]
    assert p90 < 0.1, f"/healthz p90 {p90 * 1000:.0f} ms while 10 MB envelopes were parsed"


def test_a_full_worker_pool_answers_service_busy() -> None:
    release = threading.Event()

    async def main() -> None:
        workers = Workers(1, queue_timeout=0.05)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(workers.run, release.wait)
            await anyio.sleep(0.02)
            with pytest.raises(ServiceBusy):
                await workers.run(time.sleep, 0)
            release.set()
        assert await workers.run(lambda: 42) == 42

    anyio.run(main)


def test_backend_calls_hold_no_thread() -> None:
    hub = payments_hub.create_app()

    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(0.5)
        reply = await _forward(hub_url, f"/payments/{request.path_params['pid']}")
        return JSONResponse(reply.json(), status_code=reply.status_code)

    with serve_asgi(hub) as hub_url, serve_asgi(Starlette(routes=[Route("/payments/{pid}", slow)])) as slow_url:
        with served_stack(PAYMENTS_HUB_URL=slow_url) as served:
            before = _anyio_workers()
            peak = 0

            async def calls() -> list[int]:
                nonlocal peak
                async with httpx.AsyncClient(timeout=30) as client:
                    posts = [asyncio.ensure_future(_post(client, served.url)) for _ in range(30)]
                    while not all(post.done() for post in posts):
                        peak = max(peak, _anyio_workers())
                        await asyncio.sleep(0.05)
                    return [post.result() for post in posts]

            assert asyncio.run(calls()) == [200] * 30
    assert peak - before < 5, f"{peak - before} more worker threads while 30 backend calls were waited for"


async def _forward(base: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(base + path)


async def _post(client: httpx.AsyncClient, url: str) -> int:
    body = f'<s:Envelope xmlns:s="{SOAP11}"><s:Header>{token()}</s:Header><s:Body>{GET}</s:Body></s:Envelope>'
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{ACTION}GetPaymentOrder"'}
    return (await client.post(url, content=body.encode(), headers=headers)).status_code


def _anyio_workers() -> int:
    return sum(thread.name.startswith("AnyIO worker") for thread in threading.enumerate())


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with served_stack() as running:
        yield running

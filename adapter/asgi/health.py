"""The adapter's own endpoints for operators: ``/healthz`` (the process answers), ``/readyz`` (it should receive
traffic) and ``/metrics`` (Prometheus). Health and readiness are public; where metrics are served, and to whom, is
the application's choice (:mod:`adapter.app`)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from adapter.observability.health import Readiness
from adapter.observability.metrics import Metrics

HEALTHZ = "/healthz"
READYZ = "/readyz"
METRICS = "/metrics"
_NO_STORE = {"Cache-Control": "no-store"}  # a probe must never see a cached verdict


async def healthz(_: Request) -> Response:
    """Alive: the event loop answers. Nothing else is checked, so that a liveness probe never restarts an instance
    for a backend's or a store's trouble."""
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


class ReadyEndpoint:
    """``/readyz``: 200 ``{"status": "ready", "checks": {...}}``, or 503 ``"not ready"`` while a critical check
    fails (:class:`adapter.observability.health.Readiness`)."""

    def __init__(self, readiness: Readiness) -> None:
        self.readiness = readiness

    async def handle(self, _: Request) -> Response:
        ready, checks = await self.readiness.report()
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503, headers=_NO_STORE)


class MetricsEndpoint:
    """``/metrics`` in the Prometheus text format, or OpenMetrics when the scraper asks for it."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def handle(self, request: Request) -> Response:
        self.metrics.later.run()  # what this loop's turn counted so far (adapter.deferred)
        # In multiprocess mode a scrape reads every worker's files: off the event loop.
        body, media_type = await run_in_threadpool(self.metrics.exposition, request.headers.get("accept", ""))
        return Response(body, media_type=media_type, headers=_NO_STORE)

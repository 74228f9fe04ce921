"""Request telemetry: the Prometheus series of every answer and the request's trace, in one pure ASGI middleware.

It sits inside :class:`adapter.asgi.requestid.RequestIdMiddleware` and outside the access log, so that the access
record and every other record of the request carry the trace id (:mod:`adapter.logs`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapter import logs
from adapter.observability.metrics import Metrics, http_method
from adapter.observability.tracing import RequestTrace, Tracing

UNMAPPED = "unmapped"


class RouteLabels:
    """The label of each route: a mapping route's name, or the fixed path of the adapter's own endpoints. Never the
    path a caller sent, which may carry an account number."""

    def __init__(self, labels: Iterable[tuple[BaseRoute, str]]) -> None:
        self.routes = list(labels)
        self._by_id = {id(route): (label, getattr(route, "path", None)) for route, label in self.routes}

    def of(self, scope: Scope) -> tuple[str, str | None]:
        """``(label, path template)`` of the route that served ``scope``, or ``("unmapped", None)``."""
        route = scope.get("route")
        if route is None:
            route = self._match(scope)  # refused before routing (401): still the route it was meant for
        return self._by_id.get(id(route), (UNMAPPED, None))

    def _match(self, scope: Scope) -> BaseRoute | None:
        partial = None
        for route, _ in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return route
            if match is Match.PARTIAL and partial is None:
                partial = route
        return partial


def own_routes(routes: Iterable[BaseRoute], exclude: Iterable[BaseRoute]) -> list[tuple[BaseRoute, str]]:
    """Label the routes not in ``exclude`` with their path (health, metrics, docs, served SOAP endpoints)."""
    skip = {id(route) for route in exclude}
    return [(r, r.path) for r in routes if id(r) not in skip and isinstance(r, Route)]


class TelemetryMiddleware:
    """Counts and times every HTTP request by route, method and status; traces it (:mod:`adapter.observability`)."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None, tracing: Tracing, routes: RouteLabels) -> None:
        self.app = app
        self.metrics = metrics
        self.tracing = tracing
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = http_method(scope["method"])
        metrics = self.metrics
        if metrics is not None:
            metrics.request_started()
        traced = self.tracing.begin_request(scope["headers"], method)
        bound = logs.bind(_with_trace(traced)) if traced is not None else None
        status = 500  # what the server error handler answers when the application raises

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            label, template = self.routes.of(scope)
            if metrics is not None:
                metrics.request_finished(label, method, status, time.perf_counter() - started)
            if traced is not None:
                traced.end(status, label, template)
            if bound is not None:
                logs.unbind(bound)


def _with_trace(traced: RequestTrace) -> logs.RequestContext:
    current = logs.current()
    return logs.RequestContext(request_id=current.request_id if current else "-", trace_id=traced.trace_id)

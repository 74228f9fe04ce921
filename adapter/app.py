"""The application: the JSON facade (:mod:`adapter.api`) and the served SOAP contracts (:mod:`adapter.server`),
built from the mapping files at start-up and served on one port. This is the composition root: the only module that
knows both directions."""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import PurePath
from typing import Any, Protocol

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from adapter import __version__, logs
from adapter.api import docs, openapi, problems
from adapter.api.auth import Authenticator, AuthMiddleware, principal, refuse_scoped_public_routes
from adapter.api.routes import MappedRoutes, starlette_route
from adapter.asgi import health
from adapter.asgi.access import AccessLogMiddleware
from adapter.asgi.requestid import RequestIdMiddleware
from adapter.asgi.telemetry import RouteLabels, TelemetryMiddleware, own_routes
from adapter.exceptions import AdapterError
from adapter.intake import ContractCache, ContractStore
from adapter.observability import Metrics, Telemetry, Tracing
from adapter.observability.events import listener
from adapter.observability.health import Check, CheckResult
from adapter.ops.runtime import GuardedBackend, Operations
from adapter.outbound.client import HttpClient
from adapter.project import Binding, Project, load_project
from adapter.settings import Settings
from adapter.soap.call import SoapBackend

METRICS_SCOPE = "metrics"
# FastAPI's own OpenTelemetry instrumentation (its `telemetry` option, in recent releases) is off: the adapter counts
# and traces requests itself (adapter.asgi.telemetry, ADAPTER_TRACING__*). Left on, FastAPI looks the global
# providers up on every request, and with an OpenTelemetry SDK configured in the process it would add a second span
# and a second set of metrics per request.
_NO_NATIVE_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


def create_app(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    metrics: Metrics | None = None,
    tracing: Tracing | None = None,
) -> FastAPI:
    """Build the facade for every mapping file in ``settings.mappings_dir``.

    ``env`` resolves ``${VAR}`` references in the mappings (the process environment by default). ``metrics`` and
    ``tracing`` replace the ones built from ``settings`` (one registry across ``serve --reload`` generations; a test's
    in-memory span exporter). Raises :class:`adapter.exceptions.MappingErrors` listing every problem when a mapping
    does not fit its contract.
    """
    authenticator = Authenticator(settings.auth)  # first: a facade without credentials must not start at all
    public = docs.public_paths(settings.docs, settings.auth.public_paths)
    logs.install()  # every record written while serving a request carries its id
    if metrics is None and settings.metrics.enabled:
        metrics = Metrics()
    telemetry = Telemetry(metrics, tracing or Tracing.from_settings(settings.tracing))
    started = time.perf_counter()
    contracts = ContractStore(ContractCache(settings.cache_dir))  # each contract read once, from the cache if warm
    project = load_project(settings.mappings_dir, settings.wsdl_dir, env, contracts)  # what `adapter check` checks
    if metrics is not None:
        metrics.project_loaded(len(project.bindings), len(project.served), time.perf_counter() - started)
    bindings = project.bindings
    refuse_scoped_public_routes([binding.mapping for binding in bindings], public)
    ops = Operations(settings)  # resilience, rate limits, cache, Idempotency-Key: adapter.ops
    backends = [_backend(binding, settings, ops, telemetry) for binding in bindings]
    _watch_operations(ops, telemetry)  # after _backend: every backend's breaker exists
    soap = _served(project, settings, ops, telemetry)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        for backend in backends:
            await backend.http.close()
        await ops.close()
        await soap.close()
        telemetry.tracing.shutdown()  # export the spans still batched

    # FastAPI's own documentation routes load Swagger UI from a CDN: adapter.api.docs serves them offline instead.
    app = Facade(
        title="SOAP adapter",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        **_NO_NATIVE_TELEMETRY,
    )
    app.state.ops = ops
    app.state.telemetry = telemetry  # `adapter serve` exposes its metrics
    mapped: list[tuple[BaseRoute, str]] = []
    for binding, backend in zip(bindings, backends, strict=True):
        guard = ops.backends[_backend_name(binding)]
        for compiled in binding.mapping.routes:
            guarded = GuardedBackend(backend.call, guard, compiled.route)
            plan = ops.route(binding.mapping.file, binding.mapping.model, compiled.route, guard)
            route = starlette_route(compiled, guarded, settings, (ops, plan))
            app.router.routes.append(route)  # first in the router: the order MappedRoutes tries them in
            app.mapped.append(route)
            mapped.append((route, route.name))
    app.router.routes.extend(soap.routes)
    _operator_endpoints(app, settings, telemetry, _contracts_check(bindings, soap))
    routes = [compiled for binding in bindings for compiled in binding.mapping.routes]
    schema = openapi.document(routes, title="SOAP adapter", version=__version__)
    app.openapi = lambda: schema  # type: ignore[method-assign]  # the document is derived, not introspected
    app.router.routes.extend(docs.routes(schema, "SOAP adapter", settings.docs))
    app.add_exception_handler(AdapterError, problems.adapter_error)
    app.add_exception_handler(HTTPException, problems.http_error)
    app.add_exception_handler(Exception, problems.unexpected_error)
    labels = RouteLabels([*mapped, *own_routes(app.router.routes, exclude=[route for route, _ in mapped])])
    app.front = [  # outermost first: every answer (a 401 too) carries the request id
        Middleware(RequestIdMiddleware),
        Middleware(TelemetryMiddleware, metrics=metrics, tracing=telemetry.tracing, routes=labels),
        Middleware(AccessLogMiddleware),
        # Served SOAP endpoints authenticate their callers as their contract says (WS-Security), not with API keys.
        Middleware(AuthMiddleware, authenticator=authenticator, public_paths=[*public, *soap.paths]),
    ]
    return app


class Facade(FastAPI):
    """FastAPI, with the facade's own pure ASGI middlewares (``front``) in front of FastAPI's, and the mapped routes
    answered right behind them (:class:`adapter.api.routes.MappedRoutes`); every other path (health, metrics, docs,
    served contracts, 404 and 405) goes through FastAPI's middlewares and router as usual.

    The stack: Starlette's ``ServerErrorMiddleware`` (an unexpected exception → a 500 problem, as the handler
    registered for ``Exception`` renders it), ``front`` in order, then the mapped routes, then FastAPI's own
    stack (with the middlewares added by ``add_middleware``, which only that part sees)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.front: list[Middleware] = []
        self.mapped: list[Route] = []

    def build_middleware_stack(self) -> ASGIApp:
        fastapi_stack = super().build_middleware_stack()
        if isinstance(fastapi_stack, ServerErrorMiddleware):  # the one below serves every request: handle errors once
            fastapi_stack = fastapi_stack.app
        app: ASGIApp = MappedRoutes(fastapi_stack, self.mapped, self.router)
        for cls, args, kwargs in reversed(self.front):
            app = cls(app, *args, **kwargs)
        return ServerErrorMiddleware(app, handler=problems.unexpected_error, debug=self.debug)


def _served(project: Project, settings: Settings, ops: Operations, telemetry: Telemetry) -> Served:
    """The served contracts (SOAP over REST; nonces shared over Redis). :mod:`adapter.server`, and Spyne with it, is
    imported only when there are some: a facade of JSON routes alone starts without them."""
    if not project.served:
        return _NothingServed()
    from adapter.server import serve_contracts

    return serve_contracts(project.served, settings, ops.nonces(), telemetry=telemetry)


class Served(Protocol):
    """What the application uses of :class:`adapter.server.ServedContracts`."""

    @property
    def endpoints(self) -> Mapping[str, object]: ...

    @property
    def paths(self) -> list[str]: ...

    @property
    def routes(self) -> list[Route]: ...

    async def close(self) -> None: ...


class _NothingServed:
    """No served contract: no endpoint, path or route."""

    endpoints: Mapping[str, object] = {}
    paths: list[str] = []
    routes: list[Route] = []

    async def close(self) -> None:
        return None


def _operator_endpoints(app: FastAPI, settings: Settings, telemetry: Telemetry, contracts: Check) -> None:
    """``/healthz`` and ``/readyz`` (public by default), and ``/metrics`` on this port unless it has its own."""
    telemetry.readiness.add("contracts", contracts)
    app.add_route(health.HEALTHZ, health.healthz, methods=["GET"], include_in_schema=False)
    app.add_route(health.READYZ, health.ReadyEndpoint(telemetry.readiness).handle, ["GET"], include_in_schema=False)
    if telemetry.metrics is None or settings.metrics.port is not None:
        return
    scrape = health.MetricsEndpoint(telemetry.metrics).handle

    async def metrics(request: Request) -> Response:
        principal(request).require([METRICS_SCOPE])  # an API key for Prometheus need not call any route
        return await scrape(request)

    app.add_route(health.METRICS, metrics, methods=["GET"], include_in_schema=False)


def _contracts_check(bindings: list[Binding], soap: Served) -> Check:
    routes = sum(len(binding.mapping.routes) for binding in bindings)

    async def contracts() -> CheckResult:  # loaded before the application existed: ready by construction
        return CheckResult(True, {"mappings": len(bindings), "routes": routes, "servedContracts": len(soap.endpoints)})

    return contracts


def _watch_operations(ops: Operations, telemetry: Telemetry) -> None:
    """The operations layer's events as metrics; its shared store and its breakers as readiness checks."""
    if telemetry.metrics is not None:
        ops.events.subscribe(listener(telemetry.metrics))
        for name in ops.backends:  # a series per backend from the start, not from its first change
            telemetry.metrics.breaker_changed(name, "closed")
    if ops.settings.redis_url is not None:

        async def store() -> CheckResult:
            await ops.ping()  # raises when Redis does not answer: the check fails, saying only "error"
            return CheckResult(True, {"kind": "redis"})

        telemetry.readiness.add("store", store)

    async def breakers() -> CheckResult:  # informative only: see adapter.observability.health
        states = ops.breakers()
        tripped = {name: state for name, state in sorted(states.items()) if state != "closed"}
        return CheckResult(not tripped, {"closed": len(states) - len(tripped), "notClosed": tripped})

    telemetry.readiness.add("breakers", breakers, critical=False)


def _backend_name(binding: Binding) -> str:
    return PurePath(binding.mapping.file).stem


def _backend(binding: Binding, settings: Settings, ops: Operations, telemetry: Telemetry) -> SoapBackend:
    spec = binding.mapping.model.backend
    address = spec.url or binding.contract.address
    guard = ops.resilience(_backend_name(binding), binding.mapping.model, spec.timeout or settings.backend_timeout)
    http = HttpClient(
        timeout=guard.policy.timeout,  # one attempt; guard.policy.deadline bounds the whole call
        connect_timeout=settings.backend_connect_timeout,
        max_reply_bytes=settings.max_backend_reply_bytes,
        tls=binding.tls,  # the mapping's backend.tls, read at start-up; verification on unless written off
        name=binding.contract.service,
        headers_hook=telemetry.tracing.inject,  # W3C traceparent to the backend
    )
    return SoapBackend(
        binding.contract,
        address=address,
        http=http,
        xml_limits=settings.xml,
        observer=telemetry.backend(_backend_name(binding), binding.contract.service, address),
        security=binding.security,
        strict=binding.mapping.model.validate_replies == "strict",
    )


__all__ = ["create_app"]

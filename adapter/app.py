"""The application: the JSON facade (:mod:`adapter.api`) and the served SOAP contracts (:mod:`adapter.server`),
built from the mapping files at start-up and served on one port. This is the composition root: the only module that
knows both directions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import PurePath

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from adapter import __version__, logs
from adapter.api import docs, openapi, problems
from adapter.api.auth import Authenticator, AuthMiddleware, refuse_scoped_public_routes
from adapter.api.routes import starlette_route
from adapter.asgi.access import AccessLogMiddleware
from adapter.asgi.requestid import RequestIdMiddleware
from adapter.exceptions import AdapterError
from adapter.ops.runtime import GuardedBackend, Operations
from adapter.outbound.client import HttpClient
from adapter.project import Binding, load_project
from adapter.server import serve_contracts
from adapter.settings import Settings
from adapter.soap.call import SoapBackend


def create_app(settings: Settings, *, env: Mapping[str, str] | None = None) -> FastAPI:
    """Build the facade for every mapping file in ``settings.mappings_dir``.

    ``env`` resolves ``${VAR}`` references in the mappings (the process environment by default). Raises
    :class:`adapter.exceptions.MappingErrors` listing every problem when a mapping does not fit its contract.
    """
    authenticator = Authenticator(settings.auth)  # first: a facade without credentials must not start at all
    public = docs.public_paths(settings.docs, settings.auth.public_paths)
    logs.install()  # every record written while serving a request carries its id
    project = load_project(settings.mappings_dir, settings.wsdl_dir, env)  # what `adapter check` checks, too
    bindings = project.bindings
    refuse_scoped_public_routes([binding.mapping for binding in bindings], public)
    ops = Operations(settings)  # resilience, rate limits, cache, Idempotency-Key: adapter.ops
    backends = [_backend(binding, settings, ops) for binding in bindings]
    soap = serve_contracts(project.served, settings, ops.nonces())  # SOAP over REST; nonces shared over Redis

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        for backend in backends:
            await backend.http.close()
        await ops.close()
        await soap.close()

    # FastAPI's own documentation routes load Swagger UI from a CDN: adapter.api.docs serves them offline instead.
    app = FastAPI(
        title="SOAP adapter", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.ops = ops  # for readiness and metrics: ops.events, ops.breakers(), ops.ping()
    for binding, backend in zip(bindings, backends, strict=True):
        guard = ops.backends[_backend_name(binding)]
        for compiled in binding.mapping.routes:
            guarded = GuardedBackend(backend.call, guard, compiled.route)
            plan = ops.route(binding.mapping.file, binding.mapping.model, compiled.route, guard)
            app.router.routes.append(starlette_route(compiled, guarded, settings, (ops, plan)))
    app.router.routes.extend(soap.routes)
    app.add_api_route("/healthz", _healthz, methods=["GET"], include_in_schema=False)
    routes = [compiled for binding in bindings for compiled in binding.mapping.routes]
    schema = openapi.document(routes, title="SOAP adapter", version=__version__)
    app.openapi = lambda: schema  # type: ignore[method-assign]  # the document is derived, not introspected
    app.router.routes.extend(docs.routes(schema, "SOAP adapter", settings.docs))
    app.add_exception_handler(AdapterError, problems.adapter_error)
    app.add_exception_handler(HTTPException, problems.http_error)
    app.add_exception_handler(Exception, problems.unexpected_error)
    # Served SOAP endpoints authenticate their callers as their contract says (WS-Security), not with API keys.
    app.add_middleware(AuthMiddleware, authenticator=authenticator, public_paths=[*public, *soap.paths])
    app.add_middleware(AccessLogMiddleware)
    app.add_middleware(RequestIdMiddleware)  # added last: outermost, so every answer (a 401 too) carries the id
    return app


async def _healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _backend_name(binding: Binding) -> str:
    return PurePath(binding.mapping.file).stem


def _backend(binding: Binding, settings: Settings, ops: Operations) -> SoapBackend:
    spec = binding.mapping.model.backend
    guard = ops.resilience(_backend_name(binding), binding.mapping.model, spec.timeout or settings.backend_timeout)
    http = HttpClient(
        timeout=guard.policy.timeout,  # one attempt; guard.policy.deadline bounds the whole call
        connect_timeout=settings.backend_connect_timeout,
        max_reply_bytes=settings.max_backend_reply_bytes,
        tls=binding.tls,  # the mapping's backend.tls, read at start-up; verification on unless written off
        name=binding.contract.service,
    )
    return SoapBackend(
        binding.contract,
        address=spec.url or binding.contract.address,
        http=http,
        xml_limits=settings.xml,
    )


__all__ = ["create_app"]

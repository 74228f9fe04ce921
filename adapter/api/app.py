"""The JSON facade: a FastAPI app built from the mapping files at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from adapter import __version__
from adapter.api import openapi, problems
from adapter.api.requestid import RequestIdMiddleware
from adapter.api.routes import starlette_route
from adapter.exceptions import AdapterError
from adapter.project import Binding, load_project
from adapter.settings import Settings
from adapter.soap.call import SoapBackend


def create_app(settings: Settings, *, env: Mapping[str, str] | None = None) -> FastAPI:
    """Build the facade for every mapping file in ``settings.mappings_dir``.

    ``env`` resolves ``${VAR}`` references in the mappings (the process environment by default). Raises
    :class:`adapter.exceptions.MappingErrors` listing every problem when a mapping does not fit its contract.
    """
    bindings = load_project(settings.mappings_dir, settings.wsdl_dir, env)
    backends = [_backend(binding, settings) for binding in bindings]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        for backend in backends:
            await backend.http.aclose()

    app = FastAPI(title="SOAP adapter", version=__version__, lifespan=lifespan)
    for binding, backend in zip(bindings, backends, strict=True):
        for compiled in binding.mapping.routes:
            app.router.routes.append(starlette_route(compiled, backend, settings))
    app.add_api_route("/healthz", _healthz, methods=["GET"], include_in_schema=False)
    routes = [compiled for binding in bindings for compiled in binding.mapping.routes]
    schema = openapi.document(routes, title="SOAP adapter", version=__version__)
    app.openapi = lambda: schema  # type: ignore[method-assign]  # the document is derived, not introspected
    app.add_exception_handler(AdapterError, problems.adapter_error)
    app.add_exception_handler(HTTPException, problems.http_error)
    app.add_exception_handler(Exception, problems.unexpected_error)
    app.add_middleware(RequestIdMiddleware)
    return app


async def _healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _backend(binding: Binding, settings: Settings) -> SoapBackend:
    spec = binding.mapping.model.backend
    timeout = httpx.Timeout(spec.timeout or settings.backend_timeout, connect=settings.backend_connect_timeout)
    http = httpx.AsyncClient(
        timeout=timeout,
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        follow_redirects=False,
        trust_env=False,
    )
    return SoapBackend(
        binding.contract,
        address=spec.url or binding.contract.address,
        http=http,
        xml_limits=settings.xml,
        max_reply_bytes=settings.max_backend_reply_bytes,
    )


__all__ = ["create_app"]

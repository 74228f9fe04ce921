"""Inbound SOAP: contracts served with Spyne, answered by REST backends. Everything that imports Spyne.

    soap = serve_contracts(load_project(...).served, settings)   # soap.routes: one Starlette route per contract

Layout: :mod:`.messages` (Body entries and header blocks read and written by the contract model),
:mod:`.protocol` (Spyne's SOAP 1.1/1.2 held to the contract), :mod:`.driver` (Spyne fed the parsed envelope),
:mod:`.service` (the Spyne applications over the REST backend), :mod:`.endpoint` (HTTP: one parse, size, version,
SOAPAction), :mod:`.envelope` (SOAP's own rules), :mod:`.wsse`, :mod:`.wsdl`, :mod:`.workers` (threads for large
messages), and :mod:`.faults`, the SOAP fault builder.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from starlette.routing import Route

from adapter.observability import Telemetry
from adapter.outbound.client import HttpClient
from adapter.project import ServedBinding
from adapter.rest.client import RestBackend
from adapter.server.endpoint import SoapEndpoint
from adapter.server.service import ServedService
from adapter.server.workers import Workers
from adapter.server.wsdl import PublicAddress, ServedWsdl
from adapter.server.wsse import ClientCertGate, MemoryNonceStore, NonceStore, UsernameTokenGuard
from adapter.settings import Settings, XmlLimits
from adapter.soap.bindings import service_bindings

# Contracts are the project's own files, read once at start-up: a large WSDL is no attack.
_CONTRACT_LIMITS = XmlLimits(max_bytes=64 * 1024 * 1024)
log = logging.getLogger("adapter.server")


def endpoint(
    binding: ServedBinding,
    settings: Settings,
    workers: Workers,
    nonces: NonceStore | None = None,
    telemetry: Telemetry | None = None,
) -> SoapEndpoint:
    """The ASGI app serving one served-contract mapping. ``nonces`` is where UsernameToken nonces are kept (this
    process's memory by default); ``telemetry`` records each backend call (nothing by default)."""
    contract = binding.contract
    bindings = service_bindings(contract)
    spec = binding.service.model.backend
    telemetry = telemetry or Telemetry()
    http = HttpClient(
        timeout=spec.timeout or settings.backend_timeout,
        connect_timeout=settings.backend_connect_timeout,
        max_reply_bytes=settings.max_backend_reply_bytes,
        name=contract.service,
        headers_hook=telemetry.tracing.inject,  # W3C traceparent to the backend
    )
    observer = telemetry.backend(PurePath(binding.service.file).stem, contract.service, spec.url)
    backend = RestBackend(spec.url, http, json_limits=settings.json_limits, observer=observer)
    service = ServedService(contract, bindings, binding.service, backend)
    wsdl = ServedWsdl(contract.path, bindings.service, bindings.ports, _CONTRACT_LIMITS)
    path = binding.service.model.endpoint.path
    guard = None
    if binding.service.model.endpoint.username_token:
        if not settings.soap_users:
            log.warning("%s requires a UsernameToken but ADAPTER_SOAP_USERS names no user: every call fails", path)
        store = nonces or MemoryNonceStore(
            max_bytes=settings.soap_nonce_cache_bytes, max_user_bytes=settings.soap_nonce_user_bytes
        )
        guard = UsernameTokenGuard(settings.soap_users, store, window=settings.soap_replay_window)
    identity = settings.soap_client_cert
    cert_gate = ClientCertGate(identity.header, identity.subjects) if identity is not None else None
    return SoapEndpoint(
        service,
        wsdl,
        settings.xml,
        guard,
        cert_gate,
        path=path,
        address=PublicAddress.of(settings.public_url, settings.allowed_hosts),
        workers=workers,
        offload_bytes=settings.soap_offload_bytes,
    )


@dataclass
class ServedContracts:
    """The endpoints of every served contract, by path."""

    endpoints: dict[str, SoapEndpoint]

    @property
    def paths(self) -> list[str]:
        """The paths served, each with and without a trailing slash (the router would otherwise redirect from one to
        the other, to a URL made from the Host header). Their callers authenticate as the contract says
        (WS-Security), not with API keys."""
        return [route for path in self.endpoints for route in _with_and_without_slash(path)]

    @property
    def routes(self) -> list[Route]:
        """One route per path, for every HTTP method: the endpoint itself answers 405 with a SOAP fault."""
        return [
            Route(route, app, include_in_schema=False)
            for path, app in self.endpoints.items()
            for route in _with_and_without_slash(path)
        ]

    async def close(self) -> None:
        for app in self.endpoints.values():
            await app.close()


def _with_and_without_slash(path: str) -> list[str]:
    bare = path.rstrip("/")
    return list(dict.fromkeys((path, bare or "/", bare + "/")))


def serve_contracts(
    served: Iterable[ServedBinding],
    settings: Settings,
    nonces: NonceStore | None = None,
    telemetry: Telemetry | None = None,
) -> ServedContracts:
    """The endpoints of ``served`` (see :func:`adapter.project.load_project`), sharing one pool of worker threads and
    ``nonces``, the store of UsernameToken nonces (a shared one across instances; by default each endpoint keeps its
    own in memory), and ``telemetry``."""
    workers = Workers(settings.soap_workers, settings.soap_queue_timeout)
    return ServedContracts(
        {
            binding.service.model.endpoint.path: endpoint(binding, settings, workers, nonces, telemetry)
            for binding in served
        }
    )


__all__ = ["MemoryNonceStore", "NonceStore", "ServedContracts", "SoapEndpoint", "endpoint", "serve_contracts"]

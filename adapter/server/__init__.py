"""Inbound SOAP: contracts served with Spyne, answered by REST backends. Everything that imports Spyne.

    soap = serve_contracts(load_project(...).served, settings)   # soap.routes: one Starlette route per contract

Layout: :mod:`.types` (Spyne classes from the contract), :mod:`.schema` (the contract's XSD as validator),
:mod:`.protocol` (Spyne's SOAP 1.1/1.2 held to the contract), :mod:`.service` (the Spyne applications),
:mod:`.endpoint` (HTTP: size, version, SOAPAction, WS-Security), :mod:`.wsse`, :mod:`.wsdl`, and :mod:`.faults`,
the SOAP fault builder.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import httpx
from starlette.routing import Route

from adapter.project import ServedBinding
from adapter.rest.client import RestBackend
from adapter.server.endpoint import SoapEndpoint
from adapter.server.schema import load_schema
from adapter.server.service import ServedService
from adapter.server.wsdl import ServedWsdl
from adapter.server.wsse import ClientCertGate, UsernameTokenGuard
from adapter.settings import Settings, XmlLimits
from adapter.soap.bindings import service_bindings

# Contracts are the project's own files, read once at start-up: a large WSDL is no attack.
_CONTRACT_LIMITS = XmlLimits(max_bytes=64 * 1024 * 1024)
log = logging.getLogger("adapter.server")


def endpoint(binding: ServedBinding, settings: Settings) -> SoapEndpoint:
    """The ASGI app serving one served-contract mapping."""
    contract = binding.contract
    bindings = service_bindings(contract)
    spec = binding.service.model.backend
    backend = RestBackend(
        spec.url,
        timeout=httpx.Timeout(spec.timeout or settings.backend_timeout, connect=settings.backend_connect_timeout),
        max_reply_bytes=settings.max_backend_reply_bytes,
        json_limits=settings.json_limits,
    )
    service = ServedService(contract, bindings, binding.service, backend, load_schema(contract.path, _CONTRACT_LIMITS))
    wsdl = ServedWsdl(contract.path, bindings.service, bindings.ports, _CONTRACT_LIMITS)
    guard = None
    if binding.service.model.endpoint.username_token:
        if not settings.soap_users:
            path = binding.service.model.endpoint.path
            log.warning("%s requires a UsernameToken but ADAPTER_SOAP_USERS names no user: every call fails", path)
        guard = UsernameTokenGuard(
            settings.soap_users, window=settings.soap_replay_window, capacity=settings.soap_nonce_cache_size
        )
    identity = settings.soap_client_cert
    cert_gate = ClientCertGate(identity.header, identity.subjects) if identity is not None else None
    return SoapEndpoint(service, wsdl, settings.xml, guard, cert_gate)


@dataclass
class ServedContracts:
    """The endpoints of every served contract, by path."""

    endpoints: dict[str, SoapEndpoint]

    @property
    def paths(self) -> list[str]:
        """The endpoint paths. Their callers authenticate as the contract says (WS-Security), not with API keys."""
        return list(self.endpoints)

    @property
    def routes(self) -> list[Route]:
        """One route per endpoint, for every HTTP method: the endpoint itself answers 405 with a SOAP fault."""
        return [Route(path, app, include_in_schema=False) for path, app in self.endpoints.items()]

    def close(self) -> None:
        for app in self.endpoints.values():
            app.close()


def serve_contracts(served: Iterable[ServedBinding], settings: Settings) -> ServedContracts:
    """The endpoints of ``served`` (see :func:`adapter.project.load_project`)."""
    return ServedContracts({binding.service.model.endpoint.path: endpoint(binding, settings) for binding in served})


__all__ = ["ServedContracts", "SoapEndpoint", "endpoint", "serve_contracts"]

"""Observability: Prometheus metrics (:mod:`.metrics`), OpenTelemetry traces (:mod:`.tracing`), the telemetry of one
backend call (:mod:`.backend`) and readiness checks (:mod:`.health`).

Plain recording APIs, with no web framework and no HTTP client: the ASGI middleware that uses them is
:mod:`adapter.asgi.telemetry`, the endpoints are :mod:`adapter.asgi.health`, and the outbound clients take a
:class:`.backend.BackendObserver`. Every object here is made by :func:`adapter.app.create_app` and passed explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapter.observability.backend import BackendObserver
from adapter.observability.health import Readiness
from adapter.observability.metrics import Metrics
from adapter.observability.tracing import Tracing


@dataclass(frozen=True)
class Telemetry:
    """What one application records to: its metrics (``None``: off), its tracer and its readiness checks."""

    metrics: Metrics | None = None
    tracing: Tracing = field(default_factory=Tracing)
    readiness: Readiness = field(default_factory=Readiness)

    def backend(self, name: str, service: str, address: str) -> BackendObserver:
        """The observer of every call to backend ``name`` (a mapping file's name) of ``service`` at ``address``."""
        return BackendObserver(name, service=service, address=address, metrics=self.metrics, tracing=self.tracing)


__all__ = ["BackendObserver", "Metrics", "Readiness", "Telemetry", "Tracing"]

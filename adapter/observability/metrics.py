"""Prometheus metrics: what the adapter counts, under which names, and how they are exposed.

Names follow the Prometheus conventions (``adapter_`` prefix, base units, ``_total`` on counters, ``_seconds`` on
durations); docs/operations.md lists them with their labels. Every label takes a bounded set of values: a route's
name from its mapping (never the raw path, which carries account numbers; ``unmapped`` for paths no route matches), a
normalised HTTP method, a backend's contract service name and operation, a problem type.

One :class:`Metrics` per application, each with its own registry, so that two applications in one process (tests,
``serve --reload``) never share a series. With ``--workers N`` every worker writes its samples to files in
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode, chosen when that variable is set before the
library is imported) and any worker, or the supervising process, exposes the sum of all of them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    start_http_server,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from adapter import __version__
from adapter.deferred import EndOfTurn

# Seconds: from a cached answer (1 ms) to a backend at its default timeout (10 s) and beyond.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# RFC 9110 §9 methods; anything a client invents is "_OTHER" (as in OpenTelemetry's HTTP conventions), so that it
# adds no series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
BREAKER_STATES = {"closed": 0, "half_open": 1, "open": 2}
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def http_method(method: str) -> str:
    """The method as a label: a known one, or ``_OTHER``."""
    return method if method in METHODS else "_OTHER"


def multiprocess_dir() -> str | None:
    """The folder of prometheus-client's multiprocess mode, when it is on."""
    return os.environ.get(MULTIPROC_ENV) or None


class Metrics:
    """The adapter's metrics and the recording API every part calls (the facade, backends, the operations layer)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        # The text format would turn each series' creation time into a series of its own (``*_created``); rate()
        # handles counter resets without it. A process-wide switch of prometheus-client, set the same way each time.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.http_requests = Counter(
            "adapter_http_requests",
            "Requests answered, by route, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.http_duration = Histogram(
            "adapter_http_request_duration_seconds",
            "Time from the request's arrival to the end of its answer.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.http_in_flight = Gauge(
            "adapter_http_requests_in_flight", "Requests being served.", registry=r, multiprocess_mode="livesum"
        )
        self.backend_requests = Counter(
            "adapter_backend_requests",
            "Backend calls, by backend, operation and outcome (ok, or the problem type).",
            ["backend", "operation", "outcome"],
            registry=r,
        )
        self.backend_duration = Histogram(
            "adapter_backend_request_duration_seconds",
            "Time of one backend call, envelope and reply included.",
            ["backend", "operation"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.backend_rejections = Counter(
            "adapter_backend_rejections",
            "Calls refused before reaching the backend (open breaker, full bulkhead).",
            ["backend", "reason"],
            registry=r,
        )
        self.breaker_state = Gauge(
            "adapter_circuit_breaker_state",
            "Circuit breaker per backend: 0 closed, 1 half-open, 2 open.",
            ["backend"],
            registry=r,
            multiprocess_mode="livemax",
        )
        self.rate_limited = Counter(
            "adapter_rate_limit_rejections",
            "Requests refused with 429, by route and limit policy.",
            ["route", "policy"],
            registry=r,
        )
        self.cache_events = Counter(
            "adapter_cache_events",
            "Answer cache, by route and event (hit, miss, revalidated, stored, invalidated, bypassed).",
            ["route", "event"],
            registry=r,
        )
        self.backend_retries = Counter(
            "adapter_backend_retries",
            "Calls made again after a failure that is safe to retry.",
            ["backend"],
            registry=r,
        )
        self.idempotency_events = Counter(
            "adapter_idempotency_events",
            "Idempotency-Key handling, by route and event (claimed, replayed, in-flight, reused, released, missing).",
            ["route", "event"],
            registry=r,
        )
        self.load_duration = Gauge(
            "adapter_contracts_load_duration_seconds",
            "Time to load and check the mapping files and their contracts at start-up.",
            registry=r,
            multiprocess_mode="max",
        )
        self.mappings_loaded = Gauge(
            "adapter_mappings_loaded", "Mapping files in service.", ["direction"], registry=r, multiprocess_mode="max"
        )
        info = Gauge("adapter_build_info", "Always 1.", ["version"], registry=r, multiprocess_mode="max")
        info.labels(__version__).set(1)
        if multiprocess_dir() is None:  # one process's figures are meaningless for a pool of workers
            ProcessCollector(registry=r)
            PlatformCollector(registry=r)
        # labels() costs more than the increment: each series' children are kept (bounded, as the labels are)
        self._request_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._backend_series: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        # Request and backend-call updates are applied when the event loop's turn ends (adapter.deferred); a scrape
        # on the main port runs them first, the metrics port's thread may see them one turn later.
        self.later: EndOfTurn[tuple[Callable[..., None], tuple[Any, ...]]] = EndOfTurn(_apply)

    # -- the facade and the served endpoints (adapter.asgi.telemetry) -------------------------------------------

    def request_started(self) -> None:
        self.http_in_flight.inc()

    def request_finished(self, route: str, method: str, status: int, seconds: float) -> None:
        """One answered request. ``route`` is a route's name, a fixed path, or ``unmapped``; ``method`` is
        :func:`http_method`'s. Counted when the event loop's turn ends (:attr:`later`)."""
        self.later.add((self._request_finished, (route, method, status, seconds)))

    def _request_finished(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        series = self._request_series.get(key)
        if series is None:
            series = (self.http_requests.labels(route, method, str(status)), self.http_duration.labels(route, method))
            self._request_series[key] = series
        series[0].inc()
        series[1].observe(seconds)
        self.http_in_flight.dec()

    # -- backends (adapter.observability.backend) -----------------------------------------------------------------

    def backend_call(self, backend: str, operation: str, outcome: str, seconds: float) -> None:
        """One backend call and its outcome; counted when the event loop's turn ends (:attr:`later`)."""
        self.later.add((self._backend_call, (backend, operation, outcome, seconds)))

    def _backend_call(self, backend: str, operation: str, outcome: str, seconds: float) -> None:
        key = (backend, operation, outcome)
        series = self._backend_series.get(key)
        if series is None:
            series = (self.backend_requests.labels(*key), self.backend_duration.labels(backend, operation))
            self._backend_series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    # -- the operations layer: breakers, bulkheads, rate limits, the cache ------------------------------------------

    def backend_rejected(self, backend: str, reason: str) -> None:
        """A call refused without contacting ``backend``; ``reason`` is ``circuit_open`` or ``bulkhead_full``."""
        self.backend_rejections.labels(backend, reason).inc()

    def breaker_changed(self, backend: str, state: str) -> None:
        """``state`` is ``closed``, ``half-open`` (or ``half_open``) or ``open``."""
        self.breaker_state.labels(backend).set(BREAKER_STATES[state.replace("-", "_")])

    def backend_retried(self, backend: str) -> None:
        self.backend_retries.labels(backend).inc()

    def rate_limited_request(self, route: str, policy: str) -> None:
        """A 429; ``policy`` names the limit that refused it, never the caller (who is not a bounded label)."""
        self.rate_limited.labels(route, policy).inc()

    def cache_event(self, route: str, event: str) -> None:
        """``event``: ``hit``, ``miss``, ``revalidated`` (a 304), ``stored``, ``invalidated``, ``bypassed``."""
        self.cache_events.labels(route, event).inc()

    def idempotency_event(self, route: str, event: str) -> None:
        self.idempotency_events.labels(route, event).inc()

    # -- start-up --------------------------------------------------------------------------------------------

    def project_loaded(self, facade: int, served: int, seconds: float) -> None:
        """The mapping files in service, by direction (``facade``: JSON over SOAP, ``served``: SOAP over REST), and
        the time their loading took."""
        self.mappings_loaded.labels("facade").set(facade)
        self.mappings_loaded.labels("served").set(served)
        self.load_duration.set(seconds)

    # -- exposition ------------------------------------------------------------------------------------------

    def exposed(self) -> CollectorRegistry:
        """What a scrape reads: this registry, or in multiprocess mode every worker's files."""
        folder = multiprocess_dir()
        return self.registry if folder is None else multiprocess_registry(folder)

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The scrape's body and media type: OpenMetrics when the scraper asks for it, else the text format. The
        caller runs :attr:`later` first, in the event loop's thread."""
        encoder, media_type = choose_encoder(accept)
        return encoder(self.exposed()), media_type


def _apply(updates: list[tuple[Callable[..., None], tuple[Any, ...]]]) -> None:
    for update, args in updates:
        update(*args)


def multiprocess_registry(folder: str) -> CollectorRegistry:
    """A registry that reads, at each scrape, the samples every process wrote to ``folder``."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    return registry


def serve_metrics(registry: CollectorRegistry, host: str, port: int) -> tuple[WSGIServer, threading.Thread]:
    """Expose ``registry`` on its own port (``ADAPTER_METRICS__PORT``), in a daemon thread, without credentials."""
    return start_http_server(port, host, registry=registry)

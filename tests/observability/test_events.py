"""The operations layer's events, as the metrics operators read (parsed from the exposition)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from adapter.observability import Metrics
from adapter.observability.events import listener


@dataclass(frozen=True)
class Event:
    kind: str
    subject: str
    outcome: str


def exposed(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = generate_latest(metrics.registry).decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value for f in text_string_to_metric_families(text) for s in f.samples
    }


def test_each_kind_of_event_moves_its_series() -> None:
    metrics = Metrics()
    record = listener(metrics)
    for event in [
        Event("breaker", "bank", "open"),
        Event("breaker", "bank", "half-open"),
        Event("rejected", "bank", "circuit-open"),
        Event("rejected", "bank", "circuit-open"),
        Event("rejected", "erp", "bulkhead-full"),
        Event("retry", "bank", "2"),
        Event("rate-limited", "bank/getBalance", "route:GET /v1/accounts/{iban}/balance"),
        Event("cache", "bank/getBalance", "hit"),
        Event("cache", "bank/getBalance", "hit"),
        Event("cache", "bank/getBalance", "miss"),
        Event("idempotency", "bank/createTransfer", "replayed"),
        Event("something-new", "x", "y"),  # a kind added later is ignored, not an error
    ]:
        record(event)
    found = exposed(metrics)

    def value(name: str, **labels: str) -> float:
        return found[(name, frozenset(labels.items()))]

    assert value("adapter_circuit_breaker_state", backend="bank") == 1  # half-open, the last state
    assert value("adapter_backend_rejections_total", backend="bank", reason="circuit_open") == 2
    assert value("adapter_backend_rejections_total", backend="erp", reason="bulkhead_full") == 1
    assert value("adapter_backend_retries_total", backend="bank") == 1
    policy = "route:GET /v1/accounts/{iban}/balance"
    assert value("adapter_rate_limit_rejections_total", route="getBalance", policy=policy) == 1
    assert value("adapter_cache_events_total", route="getBalance", event="hit") == 2
    assert value("adapter_cache_events_total", route="getBalance", event="miss") == 1
    assert value("adapter_idempotency_events_total", route="createTransfer", event="replayed") == 1

"""The operations layer's events (breakers, bulkheads, retries, rate limits, the answer cache, Idempotency-Key) as
metrics: one listener, subscribed by :func:`adapter.app.create_app` to that layer's event hook.

An event is anything with ``kind``, ``subject`` and ``outcome`` (the operations layer's ``Event``):

    kind           subject                 outcome                                  metric
    breaker        backend                 closed · half-open · open                adapter_circuit_breaker_state
    rejected       backend                 circuit-open · bulkhead-full             adapter_backend_rejections_total
    retry          backend                 the attempt number                       adapter_backend_retries_total
    rate-limited   route                   the spent policy                         adapter_rate_limit_rejections_total
    cache          route                   hit · miss · revalidated · stored · ...  adapter_cache_events_total
    idempotency    route                   claimed · replayed · in-flight · ...     adapter_idempotency_events_total

A route subject may be ``<mapping file>/<route name>``; the label is the route's name, as on every other series.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from adapter.observability.metrics import Metrics


class Event(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def outcome(self) -> str: ...


def listener(metrics: Metrics) -> Callable[[Event], None]:
    """A listener that records each event on ``metrics``; unknown kinds are left alone."""
    record: dict[str, Callable[[str, str], None]] = {
        "breaker": metrics.breaker_changed,
        "rejected": lambda backend, reason: metrics.backend_rejected(backend, reason.replace("-", "_")),
        "retry": lambda backend, _: metrics.backend_retried(backend),
        "rate-limited": lambda route, policy: metrics.rate_limited_request(_route(route), policy),
        "cache": lambda route, event: metrics.cache_event(_route(route), event),
        "idempotency": lambda route, event: metrics.idempotency_event(_route(route), event),
    }

    def on_event(event: Event) -> None:
        found = record.get(event.kind)
        if found is not None:
            found(event.subject, event.outcome)

    return on_event


def _route(subject: str) -> str:
    return subject.rpartition("/")[2]

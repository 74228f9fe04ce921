"""What the operations layer reports, for metrics and logs to count: one small hook, no metrics library here.

    events = Events()
    events.subscribe(lambda event: counter.labels(event.kind, event.subject, event.outcome).inc())

An event names its kind, its subject (a backend or a route) and its outcome:

    kind             subject    outcome
    breaker          backend    closed · open · half-open           (a state change)
    rejected         backend    circuit-open · bulkhead-full        (a call answered 503 without the backend)
    retry            backend    the attempt about to be made: "2", "3", ...
    rate-limited     route      the name of the spent policy
    cache            route      hit · miss · revalidated · stored · invalidated · bypassed
    idempotency      route      claimed · replayed · in-flight · reused · released · missing

With no listener, :meth:`Events.emit` costs one attribute test.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("adapter.ops")

BREAKER = "breaker"
REJECTED = "rejected"
RETRY = "retry"
RATE_LIMITED = "rate-limited"
CACHE = "cache"
IDEMPOTENCY = "idempotency"


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    subject: str
    outcome: str


Listener = Callable[[Event], None]


class Events:
    """The listeners of one application (no global registry: each ``create_app`` has its own)."""

    def __init__(self) -> None:
        self.listeners: tuple[Listener, ...] = ()

    def subscribe(self, listener: Listener) -> None:
        self.listeners = (*self.listeners, listener)

    def emit(self, kind: str, subject: str, outcome: str) -> None:
        if not self.listeners:
            return
        event = Event(kind, subject, outcome)
        for listener in self.listeners:
            try:
                listener(event)
            except Exception:  # a broken metrics hook must not fail the request it reports on
                log.exception("event listener failed on %s", event)

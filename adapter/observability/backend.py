"""The telemetry of a backend call: a count and a duration by outcome, and a client span that is the current context
while the call runs, so that the ``traceparent`` the HTTP client sends names it.

    with observer.call("GetBalance") as call:      # in adapter.soap.call and adapter.rest.client
        reply = await http.request(...)            # the header hook injects this call's span
        call.http_status(reply.status)
"""

from __future__ import annotations

import time
from contextvars import Token
from types import TracebackType
from urllib.parse import urlsplit

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from adapter.exceptions import AdapterError
from adapter.observability.metrics import Metrics
from adapter.observability.tracing import Tracing


def outcome(error: BaseException | None) -> str:
    """``ok``, or what went wrong as a label: the problem type without its ``backend-`` prefix (``fault``,
    ``timeout``, ``unavailable``, ``protocol_error``, ...), ``cancelled``, or ``error`` for anything unforeseen."""
    if error is None:
        return "ok"
    if isinstance(error, AdapterError):
        return error.problem_type.removeprefix("backend-").replace("-", "_")
    return "error" if isinstance(error, Exception) else "cancelled"


class BackendObserver:
    """Records every call to one backend at ``address``: ``name`` labels its metrics (the mapping file's name, as the
    operations layer names a backend: unique even when two backends share a contract), ``service`` (the contract's
    service) names its spans."""

    def __init__(
        self,
        name: str,
        *,
        service: str = "",
        address: str = "",
        metrics: Metrics | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        self.name = name
        self.service = service or name
        self.metrics = metrics
        self.tracing = tracing if tracing is not None and tracing.enabled else None
        parts = urlsplit(address)
        self.attributes: dict[str, AttributeValue] = {"rpc.service": self.service, "adapter.backend": name}
        if parts.hostname:
            self.attributes["server.address"] = parts.hostname
            self.attributes["server.port"] = parts.port or (443 if parts.scheme == "https" else 80)

    def call(self, operation: str) -> ObservedCall:
        return ObservedCall(self, operation)


class ObservedCall:
    """One call, from ``with`` to its end; whatever it raises is its outcome and goes on."""

    __slots__ = ("observer", "operation", "span", "started", "token")

    def __init__(self, observer: BackendObserver, operation: str) -> None:
        self.observer = observer
        self.operation = operation
        self.span: Span | None = None
        self.token: Token[Context] | None = None
        self.started = 0.0

    def __enter__(self) -> ObservedCall:
        self.started = time.perf_counter()
        tracing = self.observer.tracing
        if tracing is not None:
            name = f"{self.observer.service}/{self.operation}"  # semconv RPC span name: {rpc.service}/{rpc.method}
            attributes = {**self.observer.attributes, "rpc.method": self.operation}
            self.span = tracing.tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
            self.token = otel_context.attach(trace.set_span_in_context(self.span))
        return self

    def http_status(self, status: int) -> None:
        if self.span is not None:
            self.span.set_attribute("http.response.status_code", status)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        result = outcome(error)
        metrics = self.observer.metrics
        if metrics is not None:
            metrics.backend_call(self.observer.name, self.operation, result, time.perf_counter() - self.started)
        span = self.span
        if span is not None:
            if self.token is not None:
                otel_context.detach(self.token)
            span.set_attribute("adapter.outcome", result)
            if result != "ok":
                span.set_status(Status(StatusCode.ERROR, result))
                span.set_attribute("error.type", result)
            span.end()

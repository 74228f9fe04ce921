"""OpenTelemetry traces: the caller's W3C Trace Context in, a span per request and per backend call, the context
passed on to every backend as a ``traceparent`` header.

Off by default: without ``ADAPTER_TRACING__OTLP_ENDPOINT`` no span is recorded, nothing is exported, and no
connection is opened. The caller's ``traceparent`` is still passed on unchanged, as the W3C Trace Context
Recommendation (§3.2) asks of an intermediary that does not take part in the trace, so a trace crosses the adapter
whether or not the adapter reports to it. With an endpoint, spans are batched to an OTLP/HTTP collector; the exporter
module is imported only then.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import TYPE_CHECKING

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NoOpTracer, Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from adapter import __version__
from adapter.settings import TracingSettings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

TRACEPARENT = b"traceparent"
TRACESTATE = b"tracestate"
_PROPAGATOR = TraceContextTextMapPropagator()  # stateless: W3C Trace Context, traceparent and tracestate


class Tracing:
    """The tracer of one application; ``provider`` ``None`` means off (see the module docstring)."""

    def __init__(self, provider: TracerProvider | None = None, *, trust_incoming: bool = True) -> None:
        self.provider = provider
        self.enabled = provider is not None
        self.trust_incoming = trust_incoming
        self.tracer: Tracer = provider.get_tracer("adapter", __version__) if provider is not None else NoOpTracer()

    @classmethod
    def from_settings(cls, settings: TracingSettings) -> Tracing:
        return cls(otlp_provider(settings), trust_incoming=settings.trust_incoming)

    def incoming(self, headers: Iterable[tuple[bytes, bytes]]) -> Context | None:
        """The caller's trace context from ASGI headers, or ``None`` (absent, ambiguous, or not trusted)."""
        if not self.trust_incoming:
            return None
        parents: list[bytes] = []
        states: list[bytes] = []
        for name, value in headers:
            if name == TRACEPARENT:
                parents.append(value)
            elif name == TRACESTATE:
                states.append(value)
        if len(parents) != 1:  # W3C Trace Context §3.2: several traceparent fields make no valid context
            return None
        carrier = {"traceparent": parents[0].decode("latin-1")}
        if states:  # RFC 9110 §5.3: repeated fields combine with commas
            carrier["tracestate"] = b",".join(states).decode("latin-1")
        found = _PROPAGATOR.extract(carrier)
        return found if trace.get_current_span(found).get_span_context().is_valid else None

    def begin_request(self, headers: Iterable[tuple[bytes, bytes]], method: str) -> RequestTrace | None:
        """Make the request's context current: its server span when tracing is on, else the caller's context."""
        parent = self.incoming(headers)
        if not self.enabled:
            return None if parent is None else RequestTrace(None, parent, method)
        span = self.tracer.start_span(
            method, context=parent, kind=SpanKind.SERVER, attributes={"http.request.method": method}
        )
        return RequestTrace(span, trace.set_span_in_context(span, parent), method)

    def inject(self, headers: MutableMapping[str, str]) -> None:
        """Add the current trace context (``traceparent``, ``tracestate``) to a backend call's headers."""
        if not otel_context.get_current():  # nothing attached (tracing off, no caller's context): nothing to pass on
            return
        _PROPAGATOR.inject(headers)

    def shutdown(self) -> None:
        """Export what is still batched, then stop (the application's shutdown)."""
        if self.provider is not None:
            self.provider.shutdown()


class RequestTrace:
    """The trace context of one request, current from its construction until :meth:`end`."""

    __slots__ = ("method", "span", "token", "trace_id")

    def __init__(self, span: Span | None, context: Context, method: str) -> None:
        self.span = span
        self.method = method
        self.token = otel_context.attach(context)
        span_context = trace.get_current_span(context).get_span_context()
        self.trace_id = format(span_context.trace_id, "032x")

    def end(self, status: int, route: str | None, template: str | None) -> None:
        """Close the request's span with what the routing learnt (OpenTelemetry HTTP semantic conventions)."""
        otel_context.detach(self.token)
        span = self.span
        if span is None:
            return
        if template is not None:
            span.update_name(f"{self.method} {template}")
            span.set_attribute("http.route", template)
        if route is not None:
            span.set_attribute("adapter.route", route)
        span.set_attribute("http.response.status_code", status)
        if status >= 500:  # a 4xx is the caller's mistake, not a server span's error (semconv, HTTP server spans)
            span.set_status(Status(StatusCode.ERROR))
            span.set_attribute("error.type", str(status))
        span.end()


def otlp_provider(settings: TracingSettings) -> TracerProvider | None:
    """An SDK tracer provider exporting to ``settings.otlp_endpoint`` in batches, or ``None`` when none is set."""
    if not settings.otlp_endpoint:  # unset, or set to nothing (compose's ${VAR:-})
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    resource = Resource.create({"service.name": settings.service_name, "service.version": __version__})
    provider = TracerProvider(resource=resource, sampler=ParentBased(TraceIdRatioBased(settings.sample_ratio)))
    headers = {name: secret.get_secret_value() for name, secret in settings.otlp_headers.items()} or None
    exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint, headers=headers, timeout=settings.otlp_timeout)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider

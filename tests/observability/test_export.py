"""Traces of the served direction (SOAP in, REST backend out), and the OTLP/HTTP export an operator configures."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from adapter.app import create_app
from adapter.demo.runner import SOAP_ACTION, SOAP_EXAMPLE, SOAP_PASSWORD, SOAP_USER
from adapter.demo.simulators import payments_hub
from adapter.observability import Tracing
from adapter.settings import TracingSettings
from adapter.testing import serve_asgi
from tests.conftest import project_settings, running_stack
from tests.observability.waiting import eventually

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"
FACADE_ENV = {
    "BANK_URL": "http://127.0.0.1:9/x",
    "BANK_USER": "u",
    "BANK_PASSWORD": "p",
    "ERP_URL": "http://127.0.0.1:9/y",
}
Asgi = Callable[..., Any]


def recording(app: Asgi, seen: list[dict[str, str]]) -> Asgi:
    """ASGI middleware in front of the payments hub: keeps the headers of every request."""

    async def recorder(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append({k.decode(): v.decode() for k, v in scope["headers"]})
        await app(scope, receive, send)

    return recorder


def test_the_rest_backend_of_a_served_contract_gets_the_trace() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    seen: list[dict[str, str]] = []
    with ExitStack() as stack:
        hub = stack.enter_context(serve_asgi(recording(payments_hub.create_app(), seen)))
        settings = project_settings(soap_users={SOAP_USER: SOAP_PASSWORD})
        app = create_app(settings, env={**FACADE_ENV, "PAYMENTS_HUB_URL": hub}, tracing=Tracing(provider))
        base = stack.enter_context(serve_asgi(app))
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{SOAP_ACTION}"'}
        reply = httpx.post(
            f"{base}/soap/payment-orders", content=SOAP_EXAMPLE, headers={**headers, "traceparent": TRACEPARENT}
        )
    assert reply.status_code == 200 and b"PAY-000001" in reply.content
    eventually(lambda: [span for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER])
    spans = exporter.get_finished_spans()
    [server] = [span for span in spans if span.kind is SpanKind.SERVER]
    [client] = [span for span in spans if span.kind is SpanKind.CLIENT]
    assert server.name == "POST /soap/payment-orders"
    assert f"{server.context.trace_id:032x}" == TRACE_ID
    assert client.name == "PaymentOrderService/GetPaymentOrder"  # Spyne answered in a worker thread: same trace
    assert client.parent is not None and client.parent.span_id == server.context.span_id
    assert seen[-1]["traceparent"] == f"00-{TRACE_ID}-{client.context.span_id:016x}-01"


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, str, bytes]]

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@contextmanager
def otlp_collector() -> Iterator[tuple[str, list[tuple[str, str, bytes]]]]:
    """A real HTTP server standing in for an OpenTelemetry collector's OTLP/HTTP receiver."""
    received: list[tuple[str, str, bytes]] = []
    handler = type("Collector", (_Collector,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1/traces", received
    finally:
        server.shutdown()
        server.server_close()


def test_spans_are_exported_over_otlp_when_an_endpoint_is_set() -> None:
    with otlp_collector() as (endpoint, received):
        settings = project_settings(tracing=TracingSettings(otlp_endpoint=endpoint, service_name="adapter-under-test"))
        with running_stack(settings=settings) as stack:
            response = stack.client.get(
                "/v1/accounts/DE89370400440532013000/balance", headers={"traceparent": TRACEPARENT}
            )
            assert response.status_code == 200
        # leaving the stack ran the application's shutdown, which flushed the batch
    assert received, "nothing reached the collector"
    path, media_type, body = received[0]
    assert (path, media_type) == ("/v1/traces", "application/x-protobuf")
    export = ExportTraceServiceRequest.FromString(body)
    [resource_spans] = export.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}["service.name"]
    spans = [span for scope in resource_spans.scope_spans for span in scope.spans]
    assert service == "adapter-under-test"
    assert {span.name for span in spans} == {"GET /v1/accounts/{iban}/balance", "CoreBankingService/GetBalance"}
    assert {span.trace_id.hex() for span in spans} == {TRACE_ID}

"""Traces: a span per request and a child span per backend call, exported to the SDK's in-memory exporter; the W3C
traceparent honoured inbound and carried to the backend, a real HTTP server that records what it receives."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from adapter.demo.simulators import bank
from adapter.observability import Tracing
from adapter.settings import TracingSettings
from tests.conftest import BANK_PASSWORD, BANK_USER, Stack, project_settings, running_stack
from tests.observability.waiting import eventually

MAIN = "DE89370400440532013000"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"


class HeaderRecorder:
    """WSGI middleware in front of the bank simulator: keeps the headers of every request it answers."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.seen: list[dict[str, str]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.seen.append({k[5:].lower(): v for k, v in environ.items() if k.startswith("HTTP_")})
        return self.app(environ, start_response)


def recorded_bank() -> HeaderRecorder:
    return HeaderRecorder(bank.create_app(username=BANK_USER, password=BANK_PASSWORD))


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def traced(exporter: InMemorySpanExporter) -> Iterator[tuple[Stack, HeaderRecorder]]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    backend = recorded_bank()
    with running_stack(bank_app=backend, tracing=Tracing(provider)) as stack:
        yield stack, backend


def by_kind(spans: Iterable[ReadableSpan], kind: SpanKind) -> list[ReadableSpan]:
    return [span for span in spans if span.kind is kind]


def server_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    """The request spans, once ended: the middleware ends one after the answer's last byte has gone out."""
    return list(eventually(lambda: by_kind(exporter.get_finished_spans(), SpanKind.SERVER)))


def test_the_backend_span_is_a_child_of_the_request_span_and_its_traceparent_reaches_the_backend(
    traced: tuple[Stack, HeaderRecorder], exporter: InMemorySpanExporter
) -> None:
    stack, backend = traced
    assert stack.client.get(f"/v1/accounts/{MAIN}/balance").status_code == 200
    [server] = server_spans(exporter)
    [client] = by_kind(exporter.get_finished_spans(), SpanKind.CLIENT)
    assert server.name == "GET /v1/accounts/{iban}/balance"
    assert server.parent is None  # no caller context: a new trace
    assert client.name == "CoreBankingService/GetBalance"
    assert client.parent is not None and client.parent.span_id == server.context.span_id
    assert client.context.trace_id == server.context.trace_id
    assert (
        dict(server.attributes or {}).items()
        >= {
            "http.request.method": "GET",
            "http.route": "/v1/accounts/{iban}/balance",
            "http.response.status_code": 200,
            "adapter.route": "getBalance",
        }.items()
    )
    assert (
        dict(client.attributes or {}).items()
        >= {
            "rpc.service": "CoreBankingService",
            "adapter.backend": "bank",
            "rpc.method": "GetBalance",
            "server.address": "127.0.0.1",
            "http.response.status_code": 200,
            "adapter.outcome": "ok",
        }.items()
    )
    [headers] = backend.seen
    version, trace_id, parent_id, flags = headers["traceparent"].split("-")
    assert (version, trace_id, parent_id) == ("00", f"{client.context.trace_id:032x}", f"{client.context.span_id:016x}")
    assert int(flags, 16) & 1  # sampled
    print(f"\nserver span {server.name!r} {server.context.span_id:016x} (trace {server.context.trace_id:032x})")
    print(f"client span {client.name!r} {client.context.span_id:016x} parent {client.parent.span_id:016x}")
    print(f"backend received traceparent: {headers['traceparent']}")


def test_the_callers_trace_is_continued(
    traced: tuple[Stack, HeaderRecorder], exporter: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    stack, backend = traced
    caplog.set_level(logging.INFO, logger="adapter")
    headers = {"traceparent": TRACEPARENT, "tracestate": "vendor=opaque", "X-Request-ID": "trace-in"}
    assert stack.client.get(f"/v1/accounts/{MAIN}/balance", headers=headers).status_code == 200
    [server] = server_spans(exporter)
    assert f"{server.context.trace_id:032x}" == TRACE_ID
    assert server.parent is not None and f"{server.parent.span_id:016x}" == CALLER_SPAN
    sent = backend.seen[-1]
    assert sent["traceparent"].startswith(f"00-{TRACE_ID}-") and CALLER_SPAN not in sent["traceparent"]
    assert sent["tracestate"] == "vendor=opaque"
    eventually(lambda: [r for r in caplog.records if r.name == "adapter.access"])
    records = [r for r in caplog.records if getattr(r, "requestId", None) == "trace-in"]
    assert {r.name for r in records} >= {"adapter.access"}
    assert all(getattr(r, "traceId", None) == TRACE_ID for r in records)


def test_a_backend_failure_marks_the_client_span(exporter: InMemorySpanExporter) -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with running_stack(tracing=Tracing(provider)) as stack:
        assert stack.client.get("/v1/accounts/DE00000000000000000000").status_code == 404
    [client] = by_kind(exporter.get_finished_spans(), SpanKind.CLIENT)
    assert client.status.is_ok is False
    assert (client.attributes or {})["adapter.outcome"] == "fault"
    [server] = server_spans(exporter)
    assert server.status.is_ok  # a 404 is the caller's, not the server's, error


def test_with_tracing_off_the_callers_traceparent_passes_through_unchanged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="adapter")
    backend = recorded_bank()
    with running_stack(bank_app=backend) as stack:  # the default: no exporter, no span recorded
        stack.client.get(f"/v1/accounts/{MAIN}/balance", headers={"traceparent": TRACEPARENT, "X-Request-ID": "off"})
        stack.client.get(f"/v1/accounts/{MAIN}/balance")
    assert backend.seen[0]["traceparent"] == TRACEPARENT  # W3C Trace Context §3.2: not participating, pass it on
    assert "traceparent" not in backend.seen[1]
    access = eventually(
        lambda: [r for r in caplog.records if r.name == "adapter.access" and getattr(r, "requestId", None) == "off"]
    )
    assert [getattr(r, "traceId", None) for r in access] == [TRACE_ID]


@pytest.mark.parametrize(
    "headers",
    [
        {"traceparent": "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},  # all-zero trace id
        {"traceparent": "garbage"},
        {"traceparent": "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},  # version ff is invalid
    ],
)
def test_an_invalid_traceparent_starts_a_new_trace(headers: dict[str, str]) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    backend = recorded_bank()
    with running_stack(bank_app=backend, tracing=Tracing(provider)) as stack:
        assert stack.client.get(f"/v1/accounts/{MAIN}/balance", headers=headers).status_code == 200
    [server] = server_spans(exporter)
    assert server.parent is None
    assert f"{server.context.trace_id:032x}" in backend.seen[0]["traceparent"]


def test_an_edge_can_refuse_the_callers_trace(exporter: InMemorySpanExporter) -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with running_stack(tracing=Tracing(provider, trust_incoming=False)) as stack:
        stack.client.get(f"/v1/accounts/{MAIN}/balance", headers={"traceparent": TRACEPARENT})
    [server] = server_spans(exporter)
    assert server.parent is None and f"{server.context.trace_id:032x}" != TRACE_ID


def test_tracing_is_off_without_an_endpoint() -> None:
    assert Tracing.from_settings(TracingSettings()).enabled is False
    assert project_settings().tracing.otlp_endpoint is None

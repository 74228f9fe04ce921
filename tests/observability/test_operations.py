"""The operations layer seen through /metrics and /readyz, on the real facade and the bank simulator: a failing
backend's retries, its breaker opening and the calls it refuses, a 429, cache hits."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import running_stack
from tests.observability.test_metrics import scrape, value
from tests.ops.project import MAIN, Backend, bank_mapping, bank_settings


def test_retries_an_open_breaker_and_its_refusals_are_counted_and_reported(tmp_path: Path) -> None:
    backend = Backend()
    backend.mode = "503"
    folder = bank_mapping(
        tmp_path,
        resilience={"retries": {"attempts": 2}, "breaker": {"failures": 2, "window": 60, "open_for": 30}},
    )
    with running_stack(bank_app=backend, settings=bank_settings(folder)) as stack:
        before = scrape(stack.client)
        assert value(before, "adapter_circuit_breaker_state", backend="bank") == 0  # a series from the start
        for _ in range(2):  # two failed calls of two attempts each: the breaker opens
            assert stack.client.get(f"/v1/accounts/{MAIN}").status_code == 502
        refused = stack.client.get(f"/v1/accounts/{MAIN}")
        assert refused.status_code == 503 and "retry-after" in refused.headers
        found = scrape(stack.client)
        ready = httpx.get(f"{stack.url}/readyz")
    assert backend.calls["GetAccount"] == 4
    labels = {"backend": "bank", "operation": "GetAccount"}
    assert value(found, "adapter_backend_requests_total", **labels, outcome="unavailable") == 4  # every attempt
    assert value(found, "adapter_backend_retries_total", backend="bank") == 2
    assert value(found, "adapter_circuit_breaker_state", backend="bank") == 2  # open
    assert value(found, "adapter_backend_rejections_total", backend="bank", reason="circuit_open") == 1
    assert value(found, "adapter_http_requests_total", route="getAccount", method="GET", status="503") == 1
    # An open breaker is reported, and does not take the instance out of the balancer.
    assert ready.status_code == 200
    assert ready.json()["checks"]["breakers"] == {"status": "failing", "closed": 0, "notClosed": {"bank": "open"}}


def test_rate_limit_refusals_and_cache_hits_are_counted(tmp_path: Path) -> None:
    routes = {"getBalance": {"limits": [{"rate": "2/minute", "name": "tiny"}]}, "getAccount": {"cache": {"ttl": 60}}}
    folder = bank_mapping(tmp_path, routes=routes)
    with running_stack(settings=bank_settings(folder)) as stack:
        statuses = [stack.client.get(f"/v1/accounts/{MAIN}/balance").status_code for _ in range(3)]
        cached = [stack.client.get(f"/v1/accounts/{MAIN}").headers["x-cache-status"] for _ in range(3)]
        found = scrape(stack.client)
    assert statuses == [200, 200, 429] and cached == ["MISS", "HIT", "HIT"]
    assert value(found, "adapter_rate_limit_rejections_total", route="getBalance", policy="tiny") == 1
    assert value(found, "adapter_cache_events_total", route="getAccount", event="hit") == 2
    assert value(found, "adapter_cache_events_total", route="getAccount", event="miss") == 1
    assert value(found, "adapter_http_requests_total", route="getBalance", method="GET", status="429") == 1

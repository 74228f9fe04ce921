"""/metrics after known traffic through the real facade, parsed with prometheus-client's own parser."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapter.api.auth import hash_key
from adapter.settings import ApiKey, AuthSettings, MetricsSettings
from adapter.testing import free_port
from tests.conftest import API_KEY, Stack, project_settings, running_stack

MAIN = "DE89370400440532013000"
UNKNOWN = "DE00000000000000000000"
SCRAPER_KEY = "prometheus-scraper-key"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: httpx.Client, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert response.headers["cache-control"] == "no-store"
    return samples(response.text)


def samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    keys = [
        ApiKey(name="tests", hash=hash_key(API_KEY)),
        ApiKey(name="prometheus", hash=hash_key(SCRAPER_KEY), scopes=["metrics"]),
        ApiKey(name="app", hash=hash_key("app-key"), scopes=["accounts:read"]),
    ]
    with running_stack(settings=project_settings(auth=AuthSettings(api_keys=keys))) as running:
        yield running


def test_counters_move_as_the_traffic_says(stack: Stack) -> None:
    api = stack.client
    before = scrape(api)
    for _ in range(3):
        assert api.get(f"/v1/accounts/{MAIN}/balance").status_code == 200
    assert api.get(f"/v1/accounts/{UNKNOWN}").status_code == 404  # a SOAP fault the mapping turns into a 404
    assert api.get(f"/v1/no-such-route/{MAIN}").status_code == 404
    assert httpx.get(f"{stack.url}/v1/accounts/{MAIN}/balance").status_code == 401  # no key: refused before routing
    assert api.request("BREW", f"/v1/accounts/{MAIN}/balance").status_code == 405
    after = scrape(api)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "adapter_http_requests_total"
    assert moved(requests, route="getBalance", method="GET", status="200") == 3
    assert moved(requests, route="getAccount", method="GET", status="404") == 1
    assert moved(requests, route="unmapped", method="GET", status="404") == 1
    assert moved(requests, route="getBalance", method="GET", status="401") == 1
    assert moved(requests, route="getBalance", method="_OTHER", status="405") == 1
    assert moved("adapter_http_request_duration_seconds_count", route="getBalance", method="GET") == 4
    assert moved("adapter_http_request_duration_seconds_bucket", route="getBalance", method="GET", le="+Inf") == 4
    assert moved("adapter_http_request_duration_seconds_sum", route="getBalance", method="GET") > 0
    backend = {"backend": "bank"}  # the mapping file's name
    assert moved("adapter_backend_requests_total", **backend, operation="GetBalance", outcome="ok") == 3
    assert moved("adapter_backend_requests_total", **backend, operation="GetAccount", outcome="fault") == 1
    assert moved("adapter_backend_request_duration_seconds_count", **backend, operation="GetBalance") == 3
    assert value(after, "adapter_http_requests_in_flight") == 1  # the scrape itself


def test_no_account_number_or_raw_path_becomes_a_label(stack: Stack) -> None:
    stack.client.get(f"/v1/accounts/{MAIN}/transactions", params={"from": "2026-01-01", "to": "2026-03-31"})
    stack.client.get(f"/v1/unknown/{UNKNOWN}")
    text = stack.client.get("/metrics").text
    assert MAIN not in text and UNKNOWN not in text and "/v1/" not in text


def test_start_up_is_measured(stack: Stack) -> None:
    found = scrape(stack.client)
    assert value(found, "adapter_mappings_loaded", direction="facade") == 2
    assert value(found, "adapter_mappings_loaded", direction="served") == 1
    assert value(found, "adapter_contracts_load_duration_seconds") > 0
    assert value(found, "adapter_build_info", version="0.1.0") == 1
    assert value(found, "process_resident_memory_bytes") > 0


def test_metrics_need_a_key_with_the_metrics_scope(stack: Stack) -> None:
    assert httpx.get(f"{stack.url}/metrics").status_code == 401
    assert httpx.get(f"{stack.url}/metrics", headers={"X-API-Key": "app-key"}).status_code == 403
    assert scrape(stack.client, **{"X-API-Key": SCRAPER_KEY})


def test_openmetrics_when_the_scraper_asks(stack: Stack) -> None:
    response = stack.client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


def test_a_down_backend_counts_as_unavailable() -> None:
    closed = free_port()
    with running_stack(env={"BANK_URL": f"http://127.0.0.1:{closed}/corebanking"}) as stack:
        assert stack.client.get(f"/v1/accounts/{MAIN}/balance").status_code == 502
        found = scrape(stack.client)
    labels = {"backend": "bank", "operation": "GetBalance", "outcome": "unavailable"}
    attempts = 1 + value(found, "adapter_backend_retries_total", backend="bank")  # a GET may be retried
    assert value(found, "adapter_backend_requests_total", **labels) == attempts
    assert value(found, "adapter_http_requests_total", route="getBalance", method="GET", status="502") == 1


def test_a_metrics_port_takes_metrics_off_the_main_port() -> None:
    settings = project_settings(metrics=MetricsSettings(port=free_port()))
    with running_stack(settings=settings) as stack:
        assert stack.client.get("/metrics").status_code == 404  # `adapter serve` listens on the metrics port


def test_metrics_can_be_turned_off() -> None:
    with running_stack(settings=project_settings(metrics=MetricsSettings(enabled=False))) as stack:
        assert stack.client.get(f"/v1/accounts/{MAIN}/balance").status_code == 200
        assert stack.client.get("/metrics").status_code == 404

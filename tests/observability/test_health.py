"""/healthz and /readyz: public, never cached, and /readyz says 503 while a critical check fails."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from adapter.observability import Readiness
from adapter.observability.health import CheckResult
from adapter.settings import ApiKey, AuthSettings
from tests.conftest import Stack, project_settings, running_stack


@pytest.fixture
def stack() -> Iterator[Stack]:  # one per test: tests add readiness checks
    with running_stack() as running:
        yield running


def readiness(stack: Stack) -> Readiness:
    found: Readiness = stack.app.state.telemetry.readiness
    return found


def test_healthz_answers_without_credentials(stack: Stack) -> None:
    response = httpx.get(f"{stack.url}/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-request-id"]


def test_readyz_reports_the_loaded_contracts_without_credentials(stack: Stack) -> None:
    response = httpx.get(f"{stack.url}/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    contracts = response.json()["checks"]["contracts"]
    assert contracts == {"status": "ok", "mappings": 2, "routes": 10, "servedContracts": 1}


def test_a_failing_critical_check_makes_the_instance_not_ready(stack: Stack) -> None:
    async def store() -> CheckResult:
        return CheckResult(False, {"backend": "redis"})

    async def breakers() -> CheckResult:  # informative: an open breaker does not take the instance out
        return CheckResult(False, {"open": ["bank"]})

    readiness(stack).add("breakers", breakers, critical=False)
    response = httpx.get(f"{stack.url}/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["breakers"] == {"status": "failing", "open": ["bank"]}
    readiness(stack).add("store", store)
    response = httpx.get(f"{stack.url}/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert response.json()["checks"]["store"] == {"status": "failing", "backend": "redis"}


def test_a_hanging_or_broken_check_fails_in_time_and_says_nothing_of_why(stack: Stack) -> None:
    async def hangs() -> CheckResult:
        await asyncio.sleep(60)
        return CheckResult(True)

    async def breaks() -> CheckResult:
        raise ConnectionError("redis://secret-host:6379 refused")

    readiness(stack).timeout = 0.2
    readiness(stack).add("store", hangs)
    readiness(stack).add("cache", breaks)
    response = httpx.get(f"{stack.url}/readyz", timeout=10)
    assert response.status_code == 503
    assert response.json()["checks"]["store"] == {"status": "failing", "reason": "timed out"}
    assert response.json()["checks"]["cache"] == {"status": "failing", "reason": "error"}
    assert "secret-host" not in response.text


def test_probes_follow_the_public_paths_setting() -> None:
    auth = AuthSettings(api_keys=[ApiKey(name="k", hash="sha256:" + "0" * 64)], public_paths=["/healthz"])
    with running_stack(settings=project_settings(auth=auth)) as stack:
        assert httpx.get(f"{stack.url}/healthz").status_code == 200
        assert httpx.get(f"{stack.url}/readyz").status_code == 401

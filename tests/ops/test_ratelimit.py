"""Rate limits and quotas on the real facade (memory counters, one instance): RateLimit and RateLimit-Policy on
every answer of a limited route, errors included; a spent budget is a 429 problem with Retry-After; budgets are per
caller unless ``per: everyone``; the settings' defaults apply to every route."""

from __future__ import annotations

from pathlib import Path

import httpx

from adapter.api.auth import hash_key
from adapter.settings import ApiKey, AuthSettings, RateLimits
from tests.api.problem import assert_problem
from tests.conftest import API_KEY, running_stack
from tests.ops.project import MAIN, bank_mapping, bank_settings

OTHER_KEY = "second-caller-key"
TWO_CALLERS = AuthSettings(
    api_keys=[ApiKey(name="tests", hash=hash_key(API_KEY)), ApiKey(name="other", hash=hash_key(OTHER_KEY))]
)


def _remaining(response: httpx.Response) -> dict[str, int]:
    """``RateLimit: "a";r=2;t=60, "b";r=9;t=86400`` → {"a": 2, "b": 9}."""
    found = {}
    for item in response.headers["ratelimit"].split(","):
        name, *params = item.strip().split(";")
        values = dict(param.split("=") for param in params)
        assert 0 <= int(values["t"]) <= 86400
        found[name.strip('"')] = int(values["r"])
    return found


def test_limits_and_quotas_are_told_on_every_answer_and_enforced_per_caller(tmp_path: Path) -> None:
    folder = bank_mapping(
        tmp_path,
        routes={"getBalance": {"limits": [{"rate": "3/minute"}]}},
        limits=[{"rate": "100/day", "name": "daily"}],
    )
    with running_stack(settings=bank_settings(folder, auth=TWO_CALLERS)) as stack:
        answers = [stack.client.get(f"/v1/accounts/{MAIN}/balance") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        policy = '"daily";q=100;w=86400, "route-minute";q=3;w=60'
        assert {a.headers["ratelimit-policy"] for a in answers} == {policy}
        assert [_remaining(a) for a in answers] == [
            {"daily": 99, "route-minute": 2},
            {"daily": 98, "route-minute": 1},
            {"daily": 97, "route-minute": 0},
        ]

        refused = stack.client.get(f"/v1/accounts/{MAIN}/balance")
        body = assert_problem(refused, 429, "rate-limited")
        assert "route-minute" in body["detail"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["ratelimit-policy"] == policy
        assert _remaining(refused)["route-minute"] == 0

        # The file's quota counts every route of the file, errors included, and errors carry the fields too.
        missing = stack.client.get("/v1/accounts/DE00000000000000000000")
        assert_problem(missing, 404, "account-not-found")
        assert missing.headers["ratelimit-policy"] == '"daily";q=100;w=86400'
        assert _remaining(missing) == {"daily": 95}

        other = stack.client.get(f"/v1/accounts/{MAIN}/balance", headers={"X-API-Key": OTHER_KEY})
        assert other.status_code == 200, "another caller has a budget of its own"
        assert _remaining(other) == {"daily": 99, "route-minute": 2}


def test_a_shared_budget_and_the_settings_defaults(tmp_path: Path) -> None:
    folder = bank_mapping(tmp_path, routes={"getAccount": {"limits": [{"rate": "2/minute", "per": "everyone"}]}})
    settings = bank_settings(folder, auth=TWO_CALLERS, rate_limits=RateLimits(default=["1000/hour"]))
    with running_stack(settings=settings) as stack:
        assert stack.client.get(f"/v1/accounts/{MAIN}").status_code == 200
        assert stack.client.get(f"/v1/accounts/{MAIN}", headers={"X-API-Key": OTHER_KEY}).status_code == 200
        refused = stack.client.get(f"/v1/accounts/{MAIN}")
        assert_problem(refused, 429, "rate-limited")
        assert refused.headers["ratelimit-policy"] == '"all-hour";q=1000;w=3600, "route-minute";q=2;w=60'

        unlimited_route = stack.client.get(f"/v1/accounts/{MAIN}/balance")
        assert unlimited_route.headers["ratelimit-policy"] == '"all-hour";q=1000;w=3600'
        assert _remaining(unlimited_route) == {"all-hour": 997}


def test_no_limit_no_fields(tmp_path: Path) -> None:
    with running_stack(settings=bank_settings(bank_mapping(tmp_path))) as stack:
        response = stack.client.get(f"/v1/accounts/{MAIN}/balance")
        assert response.status_code == 200
        assert "ratelimit" not in response.headers and "ratelimit-policy" not in response.headers

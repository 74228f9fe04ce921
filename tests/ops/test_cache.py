"""The answer cache on the real facade (memory, one instance), counted at the bank simulator: hit and miss, ETag and
304 on If-None-Match, variants by caller and query, invalidation by a named write, expiry, errors never cached."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from tests.api.problem import assert_problem
from tests.conftest import running_stack
from tests.ops.project import MAIN, SAVINGS, Backend, bank_mapping, bank_settings
from tests.ops.test_ratelimit import OTHER_KEY, TWO_CALLERS

CACHED = {
    "getAccount": {"cache": {"ttl": 60}},
    "getBalance": {"cache": {"ttl": 60, "vary": ["query"]}},  # callers share the answers of this one
    "getTransactions": {"cache": {"ttl": 0.5}},
    "createTransfer": {"invalidates": ["getBalance"]},
}


def test_hit_miss_etag_and_304(tmp_path: Path) -> None:
    backend = Backend()
    settings = bank_settings(bank_mapping(tmp_path, routes=CACHED), auth=TWO_CALLERS)
    with running_stack(bank_app=backend, settings=settings) as stack:
        first = stack.client.get(f"/v1/accounts/{MAIN}")
        assert first.status_code == 200 and first.headers["x-cache-status"] == "MISS"
        assert first.headers["cache-control"] == "private, max-age=60"
        tag = first.headers["etag"]
        assert tag.startswith('"') and tag.endswith('"')

        second = stack.client.get(f"/v1/accounts/{MAIN}")
        assert second.headers["x-cache-status"] == "HIT"
        assert (second.content, second.headers["etag"]) == (first.content, tag)
        assert 0 <= int(second.headers["age"]) <= 60
        assert second.headers["content-type"] == "application/json"
        assert backend.calls["GetAccount"] == 1

        for validator in (tag, f"W/{tag}", f'"other", {tag}', "*"):
            unchanged = stack.client.get(f"/v1/accounts/{MAIN}", headers={"If-None-Match": validator})
            assert unchanged.status_code == 304 and unchanged.content == b""
            assert unchanged.headers["etag"] == tag and "max-age" in unchanged.headers["cache-control"]
        changed = stack.client.get(f"/v1/accounts/{MAIN}", headers={"If-None-Match": '"something-else"'})
        assert changed.status_code == 200 and changed.content == first.content
        assert backend.calls["GetAccount"] == 1

        other = stack.client.get(f"/v1/accounts/{MAIN}", headers={"X-API-Key": OTHER_KEY})
        assert other.headers["x-cache-status"] == "MISS", "by default each caller has its own entries"
        assert other.headers["etag"] == tag, "the same body has the same tag"
        assert backend.calls["GetAccount"] == 2

        assert_problem(stack.client.get("/v1/accounts/DE00000000000000000000"), 404, "account-not-found")
        assert_problem(stack.client.get("/v1/accounts/DE00000000000000000000"), 404, "account-not-found")
        assert backend.calls["GetAccount"] == 4, "errors are not cached"


def test_variants_by_query_and_expiry(tmp_path: Path) -> None:
    backend = Backend()
    settings = bank_settings(bank_mapping(tmp_path, routes=CACHED), auth=TWO_CALLERS)
    with running_stack(bank_app=backend, settings=settings) as stack:
        base = f"/v1/accounts/{MAIN}/transactions"
        page1 = stack.client.get(base, params=[("from", "2026-01-01"), ("to", "2026-03-31"), ("page", "1")])
        assert page1.status_code == 200 and page1.headers["x-cache-status"] == "MISS"
        reordered = stack.client.get(base, params=[("page", "1"), ("to", "2026-03-31"), ("from", "2026-01-01")])
        assert reordered.headers["x-cache-status"] == "HIT"
        page2 = stack.client.get(base, params=[("from", "2026-01-01"), ("to", "2026-03-31"), ("page", "2")])
        assert page2.headers["x-cache-status"] == "MISS"
        assert backend.calls["GetStatement"] == 2
        time.sleep(0.6)  # ttl 0.5
        expired = stack.client.get(base, params=[("from", "2026-01-01"), ("to", "2026-03-31"), ("page", "1")])
        assert expired.headers["x-cache-status"] == "MISS"
        assert backend.calls["GetStatement"] == 3

        shared = stack.client.get(f"/v1/accounts/{MAIN}/balance")
        assert shared.headers["x-cache-status"] == "MISS"
        assert (
            stack.client.get(f"/v1/accounts/{MAIN}/balance", headers={"X-API-Key": OTHER_KEY}).headers["x-cache-status"]
            == "HIT"
        ), "vary: [query] shares answers between callers"


def test_a_named_write_invalidates(tmp_path: Path) -> None:
    backend = Backend()
    settings = bank_settings(bank_mapping(tmp_path, routes=CACHED))
    with running_stack(bank_app=backend, settings=settings) as stack:
        before = stack.client.get(f"/v1/accounts/{MAIN}/balance").json()
        assert stack.client.get(f"/v1/accounts/{MAIN}/balance").headers["x-cache-status"] == "HIT"
        account = stack.client.get(f"/v1/accounts/{MAIN}")
        body = {
            "debtorAccount": MAIN,
            "creditorAccount": SAVINGS,
            "creditorName": "Alice Martin",
            "amount": {"amount": "10.00", "currency": "EUR"},
        }
        big = {**body, "amount": {"amount": "99999999", "currency": "EUR"}, "clientReference": "inval-big"}
        refused = stack.client.post("/v1/transfers", json=big)
        assert_problem(refused, 422, "insufficient-funds")
        assert stack.client.get(f"/v1/accounts/{MAIN}/balance").headers["x-cache-status"] == "HIT", "no write, no drop"

        assert stack.client.post("/v1/transfers", json={**body, "clientReference": "inval"}).status_code == 201
        after = stack.client.get(f"/v1/accounts/{MAIN}/balance")
        assert after.headers["x-cache-status"] == "MISS"
        assert after.json()["available"] != before["available"]
        assert after.headers["etag"] != account.headers["etag"]
        assert stack.client.get(f"/v1/accounts/{MAIN}").headers["x-cache-status"] == "HIT", "only named routes drop"
        assert backend.calls["GetBalance"] == 2


def test_callers_who_miss_together_make_one_backend_call(tmp_path: Path) -> None:
    backend = Backend(delay={"GetAccount": 0.5})
    settings = bank_settings(bank_mapping(tmp_path, routes=CACHED))
    with running_stack(bank_app=backend, settings=settings) as stack:

        async def together() -> list[httpx.Response]:
            headers = dict(stack.client.headers)
            async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as client:
                return list(await asyncio.gather(*(client.get(f"/v1/accounts/{MAIN}") for _ in range(5))))

        answers = asyncio.run(together())
        assert {(a.status_code, a.headers["etag"]) for a in answers} == {(200, answers[0].headers["etag"])}
        assert backend.calls["GetAccount"] == 1

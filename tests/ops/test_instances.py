"""Two facade instances on two ports, each its own ``create_app``, sharing one real Redis and one bank simulator:
a limit of 10 a minute holds across both, an Idempotency-Key used on A and retried on B replays A's answer (and
one in flight on A is a 409 on B), and the answer cache and its invalidation are shared."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from pydantic import SecretStr

from adapter.app import create_app
from adapter.settings import Settings
from adapter.testing import free_port, serve_asgi, serve_wsgi
from tests.api.problem import assert_problem
from tests.conftest import API_KEY, BANK_PASSWORD, BANK_USER
from tests.ops.conftest import RedisTarget
from tests.ops.project import MAIN, Backend, bank_mapping, bank_settings
from tests.ops.test_idempotency import transfer


@contextmanager
def two_instances(settings: Settings, backend: Backend) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Facades A and B (two apps, two ports, one Redis) in front of one bank simulator."""
    with ExitStack() as stack:
        bank_url = stack.enter_context(serve_wsgi(backend)) + "/corebanking"
        env = {"BANK_URL": bank_url, "BANK_USER": BANK_USER, "BANK_PASSWORD": BANK_PASSWORD}
        clients = []
        for _ in range(2):
            url = stack.enter_context(serve_asgi(create_app(settings, env=env)))
            clients.append(stack.enter_context(httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30)))
        yield clients[0], clients[1]


def shared(tmp_path: Path, target: RedisTarget, **routes: dict[str, object]) -> Settings:
    folder = bank_mapping(tmp_path, routes=routes)
    return bank_settings(folder, redis_url=SecretStr(target.url), redis_prefix=target.prefix)


def test_a_limit_of_10_a_minute_holds_across_two_instances(tmp_path: Path, real_redis: RedisTarget) -> None:
    settings = shared(tmp_path, real_redis, getBalance={"limits": [{"rate": "10/minute"}]})
    with two_instances(settings, Backend()) as (a, b):
        answers = [(a if n % 2 == 0 else b).get(f"/v1/accounts/{MAIN}/balance") for n in range(12)]
    assert [r.status_code for r in answers] == [200] * 10 + [429] * 2
    assert [r.headers["ratelimit"].split(";")[1] for r in answers[:10]] == [f"r={n}" for n in range(9, -1, -1)]
    for refused in answers[10:]:
        assert_problem(refused, 429, "rate-limited")
        assert int(refused.headers["retry-after"]) >= 1
    assert any(key.startswith(real_redis.prefix.encode() + b"rl") for key in real_redis.keys())


def test_an_idempotency_key_used_on_a_is_replayed_by_b(tmp_path: Path, real_redis: RedisTarget) -> None:
    backend = Backend(delay={"TransferFunds": 1.0})
    with two_instances(shared(tmp_path, real_redis), backend) as (a, b):
        key = {"Idempotency-Key": "a-then-b"}
        first = a.post("/v1/transfers", json=transfer("two-1"), headers=key)
        assert first.status_code == 201
        replay = b.post("/v1/transfers", json=transfer("two-1"), headers=key)
        assert (replay.status_code, replay.json()) == (201, first.json())
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.headers["location"] == first.headers["location"]
        assert_problem(
            b.post("/v1/transfers", json=transfer("two-1", "5.00"), headers=key), 422, "idempotency-key-reused"
        )

        answers: list[httpx.Response] = []
        slow = {"Idempotency-Key": "in-flight-on-a"}
        thread = threading.Thread(
            target=lambda: answers.append(a.post("/v1/transfers", json=transfer("two-2"), headers=slow))
        )
        thread.start()
        while backend.calls["TransferFunds"] < 2:
            time.sleep(0.01)
        assert_problem(b.post("/v1/transfers", json=transfer("two-2"), headers=slow), 409, "idempotency-key-in-flight")
        thread.join(timeout=15)
        assert answers[0].status_code == 201
    assert backend.calls["TransferFunds"] == 2
    assert len(backend.books.transfers) == 2


def test_the_cache_and_its_invalidation_are_shared(tmp_path: Path, real_redis: RedisTarget) -> None:
    backend = Backend()
    settings = shared(
        tmp_path, real_redis, getBalance={"cache": {"ttl": 60}}, createTransfer={"invalidates": ["getBalance"]}
    )
    with two_instances(settings, backend) as (a, b):
        miss = a.get(f"/v1/accounts/{MAIN}/balance")
        hit = b.get(f"/v1/accounts/{MAIN}/balance")
        assert (miss.headers["x-cache-status"], hit.headers["x-cache-status"]) == ("MISS", "HIT")
        assert hit.headers["etag"] == miss.headers["etag"]
        not_modified = b.get(f"/v1/accounts/{MAIN}/balance", headers={"If-None-Match": miss.headers["etag"]})
        assert not_modified.status_code == 304
        assert b.post("/v1/transfers", json=transfer("two-3")).status_code == 201
        after = a.get(f"/v1/accounts/{MAIN}/balance")
        assert after.headers["x-cache-status"] == "MISS" and after.headers["etag"] != miss.headers["etag"]
    assert backend.calls["GetBalance"] == 2


def test_when_redis_is_gone_limits_and_cache_step_aside_and_keys_are_refused(tmp_path: Path) -> None:
    backend = Backend()
    folder = bank_mapping(
        tmp_path,
        routes={
            "getAccount": {"cache": {"ttl": 60}},
            "getBalance": {"limits": [{"rate": "1/minute"}]},
            "createTransfer": {"invalidates": ["getAccount"]},
        },
    )
    gone = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings = bank_settings(folder, redis_url=SecretStr(gone), redis_prefix="gone:")
    with two_instances(settings, backend) as (a, _):
        assert [a.get(f"/v1/accounts/{MAIN}/balance").status_code for _ in range(2)] == [200, 200]
        assert a.get(f"/v1/accounts/{MAIN}").status_code == 200
        assert a.post("/v1/transfers", json=transfer("gone-1")).status_code == 201
        keyed = a.post("/v1/transfers", json=transfer("gone-2"), headers={"Idempotency-Key": "k"})
        body = assert_problem(keyed, 503, "store-unavailable")
        assert "127.0.0.1" not in body["detail"] and keyed.headers["retry-after"] == "1"
    assert backend.calls["TransferFunds"] == 1, "a keyed request is not run without its guarantee"

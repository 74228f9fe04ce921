"""What each operations feature costs one request, measured in-process (no network between the pieces).

    .venv/bin/python bench/ops.py [--iterations 20000] [--redis redis://127.0.0.1:6379/0]

Each line is the median of five runs of ``--iterations`` calls, in microseconds per call, for the feature's own work
only: resilience around a backend call that returns at once, rate-limit counting, Idempotency-Key claim and store,
cache lookup, and the ASGI wrapper (:mod:`adapter.api.traffic`) around an endpoint that answers at once, against the
same endpoint bare. With ``--redis`` (and a Redis answering there) the store-backed features are measured on Redis
too: those figures are dominated by one round trip each on loopback. Keys are written under a random prefix and
deleted at the end. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import SecretStr

from adapter.mapping.model import Cache as CacheSpec
from adapter.mapping.model import Limit
from adapter.ops.answer import Answer
from adapter.ops.events import Events
from adapter.ops.ratelimit import policies
from adapter.ops.resilience import Policy, Resilience
from adapter.ops.runtime import Operations, RoutePlan
from adapter.settings import Resilience as Defaults
from adapter.settings import Settings

Case = Callable[[int], Awaitable[Any]]


async def _measure(case: Case, iterations: int) -> float:
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        await case(iterations)
        runs.append((time.perf_counter() - started) / iterations * 1e6)
    return statistics.median(runs)


async def _answer() -> str:
    return "ok"


def resilience_cases() -> dict[str, Case]:
    plain = Resilience("bench", Policy.resolve(None, Defaults(), timeout=10.0), Events())
    deadline = Resilience("bench", Policy.resolve(None, Defaults(deadline=20.0), timeout=10.0), Events())

    async def bare(n: int) -> None:
        for _ in range(n):
            await _answer()

    async def guarded(n: int) -> None:
        for _ in range(n):
            await plain.call(_answer, retry=False)

    async def retried(n: int) -> None:  # safe call, retries possible: runs under asyncio.timeout
        for _ in range(n):
            await deadline.call(_answer, retry=True)

    return {"backend call, bare": bare, "+ resilience (no retry)": guarded, "+ resilience (retry, deadline)": retried}


def limit_cases(ops: Operations, label: str) -> dict[str, Case]:
    one = ops.limiter.route("bench", policies("route:b", "route", [Limit(rate="1000000000/minute")]))
    two = ops.limiter.route(
        "bench",
        policies("route:b", "route", [Limit(rate="1000000000/minute"), Limit(rate="1000000000/day", name="daily")]),
    )
    assert one is not None and two is not None
    caller = uuid.uuid4().hex

    async def one_policy(n: int) -> None:
        for _ in range(n):
            await one.admit(caller)

    async def two_policies(n: int) -> None:
        for _ in range(n):
            await two.admit(caller)

    return {f"rate limit, 1 policy ({label})": one_policy, f"rate limit, 2 policies ({label})": two_policies}


def store_cases(ops: Operations, label: str) -> dict[str, Case]:
    answer = Answer(201, ((b"content-type", b"application/json"),), b'{"transferId":"TRF-000001"}' * 4)
    spec = CacheSpec(ttl=60)

    async def idempotent(n: int) -> None:
        for _ in range(n):
            claim = await ops.idempotency.begin("bench", "caller", uuid.uuid4().hex, "f" * 64, 30)
            assert not isinstance(claim, Answer)
            await ops.idempotency.complete(claim, answer)

    async def replay(n: int) -> None:
        key = uuid.uuid4().hex
        claim = await ops.idempotency.begin("bench", "caller", key, "f" * 64, 30)
        assert not isinstance(claim, Answer)
        await ops.idempotency.complete(claim, answer)
        for _ in range(n):
            assert isinstance(await ops.idempotency.begin("bench", "caller", key, "f" * 64, 30), Answer)

    async def cache_hit(n: int) -> None:
        lookup = await ops.cache.lookup("bench", spec, "/v1/x")
        await ops.cache.store_answer("bench", spec, lookup, Answer(200, answer.headers, answer.body), b'"t"')
        for _ in range(n):
            assert (await ops.cache.lookup("bench", spec, "/v1/x")).hit is not None

    return {
        f"Idempotency-Key claim + store ({label})": idempotent,
        f"Idempotency-Key replay ({label})": replay,
        f"cache hit ({label})": cache_hit,
    }


def asgi_cases(ops: Operations) -> dict[str, Case]:
    from adapter.api.traffic import Traffic

    async def endpoint(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"ok":true}'})

    limited = ops.limiter.route("bench", policies("route:b", "route", [Limit(rate="1000000000/minute")]))
    plan = RoutePlan("bench/r", "r", limited, None, (), "off", 30.0)
    wrapped = Traffic(endpoint, plan, ops, scopes=(), max_body=1 << 20)
    scope = {"type": "http", "method": "GET", "path": "/r", "headers": [], "query_string": b"", "client": ("h", 1)}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        return None

    async def bare(n: int) -> None:
        for _ in range(n):
            await endpoint(dict(scope), receive, send)

    async def traffic(n: int) -> None:
        for _ in range(n):
            await wrapped(dict(scope), receive, send)

    return {"ASGI endpoint, bare": bare, "+ traffic wrapper with 1 rate limit (memory)": traffic}


async def main(iterations: int, redis_url: str | None) -> None:
    memory = Operations(Settings())
    cases: dict[str, Case] = {
        **resilience_cases(),
        **limit_cases(memory, "memory"),
        **store_cases(memory, "memory"),
        **asgi_cases(memory),
    }
    shared = None
    if redis_url:
        prefix = f"bench-{uuid.uuid4().hex[:8]}:"
        shared = Operations(Settings(redis_url=SecretStr(redis_url), redis_prefix=prefix))
        cases |= {"Redis round trip (PING), for scale": lambda n: _ping(shared, n)}
        cases |= {**limit_cases(shared, "Redis"), **store_cases(shared, "Redis")}
    events = Events()
    cases["event emitted, no listener"] = lambda n: _emit(events, n)
    print(f"{'feature':<48} µs per call")
    try:
        for name, case in cases.items():
            count = iterations if "Redis" not in name else max(200, iterations // 20)
            print(f"{name:<48} {await _measure(case, count):10.2f}", flush=True)
    finally:
        if shared is not None:
            await _clean(shared, prefix)


async def _ping(ops: Operations, n: int) -> None:
    for _ in range(n):
        await ops.ping()


async def _emit(events: Events, n: int) -> None:
    for _ in range(n):
        events.emit("cache", "bench", "hit")


async def _clean(ops: Operations, prefix: str) -> None:
    from adapter.ops.store import RedisStore

    store = ops.cache_store
    assert isinstance(store, RedisStore)
    async for key in store.client.scan_iter(match=prefix + "*", count=1000):
        await store.client.delete(key)
    await ops.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=20000)
    parser.add_argument("--redis", default=None, help="also measure on this Redis, e.g. redis://127.0.0.1:6379/0")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.iterations, arguments.redis))

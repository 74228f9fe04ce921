"""Both stores keep one contract: claim is set-if-absent, swap is compare-and-set, values expire, counters count;
the memory store stays within its capacity. The Redis store runs against a real Redis; a Redis that does not answer
is a StoreUnavailable, never a redis-py error with an address in it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from adapter.exceptions import StoreUnavailable
from adapter.ops.store import MemoryStore, RedisStore, Store
from adapter.testing import free_port
from tests.ops.conftest import RedisTarget

StoreFactory = Callable[[], Store]


@pytest.fixture(params=["memory", "redis"])
def make_store(request: pytest.FixtureRequest) -> Iterator[StoreFactory]:
    if request.param == "memory":
        yield lambda: MemoryStore(capacity=100)
        return
    target: RedisTarget = request.getfixturevalue("real_redis")
    yield lambda: RedisStore(target.url, target.prefix)


def test_the_store_contract(make_store: StoreFactory) -> None:
    async def run() -> None:
        store = make_store()
        try:
            assert await store.get_many(["a", "b"]) == [None, None]
            assert await store.claim("a", b"mine", 10)
            assert not await store.claim("a", b"theirs", 10)
            await store.put("b", b"\x00binary\n\nvalue", 10)
            assert await store.get_many(["a", "b"]) == [b"mine", b"\x00binary\n\nvalue"]

            assert not await store.swap("a", b"theirs", b"done", 10), "swap only replaces the expected value"
            assert await store.swap("a", b"mine", b"done", 10)
            assert await store.get_many(["a"]) == [b"done"]
            assert await store.swap("a", b"done", None, 10)
            assert await store.get_many(["a"]) == [None]

            assert await store.claim("short", b"x", 0.05)
            await asyncio.sleep(0.15)
            assert await store.get_many(["short"]) == [None]
            assert await store.claim("short", b"y", 10), "an expired claim can be taken over"

            assert [await store.incr("n"), await store.incr("n")] == [1, 2]
            assert await store.get_many(["n"]) == [b"2"]
            await store.ping()
        finally:
            await store.close()

    asyncio.run(run())


def test_memory_store_keeps_within_capacity() -> None:
    async def run() -> None:
        store = MemoryStore(capacity=3)
        for key in "abcd":
            await store.put(key, key.encode(), 10)
        assert await store.get_many(list("abcd")) == [None, b"b", b"c", b"d"]
        await store.get_many(["b"])  # used: the least recently used one goes next
        await store.put("e", b"e", 10)
        assert await store.get_many(list("bcde")) == [b"b", None, b"d", b"e"]

    asyncio.run(run())


def test_a_redis_that_does_not_answer_is_store_unavailable() -> None:
    async def run() -> None:
        store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", "x:", timeout=0.5)
        try:
            for attempt in (store.ping(), store.get_many(["a"]), store.claim("a", b"b", 1)):
                with pytest.raises(StoreUnavailable) as caught:
                    await attempt
                assert "127.0.0.1" not in caught.value.detail
        finally:
            await store.close()

    asyncio.run(run())

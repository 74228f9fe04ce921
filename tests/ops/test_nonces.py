"""The shared WS-Security nonce store: a nonce remembered by one instance is refused by another (two stores, one
real Redis), per user, until its token expires."""

from __future__ import annotations

import asyncio
import time

from adapter.ops.nonces import SharedNonceStore
from adapter.ops.store import RedisStore
from tests.ops.conftest import RedisTarget


def test_a_nonce_used_on_one_instance_is_refused_on_another(real_redis: RedisTarget) -> None:
    async def run() -> None:
        a_store, b_store = RedisStore(real_redis.url, real_redis.prefix), RedisStore(real_redis.url, real_redis.prefix)
        a, b = SharedNonceStore(a_store), SharedNonceStore(b_store)
        try:
            soon = time.time() + 0.3
            assert await a.remember("branch-0042", b"\x01" * 16, soon)
            assert not await b.remember("branch-0042", b"\x01" * 16, soon), "replayed on the other instance"
            assert await b.remember("branch-0043", b"\x01" * 16, soon), "another user's nonce is another nonce"
            await asyncio.sleep(0.5)
            assert await b.remember("branch-0042", b"\x01" * 16, time.time() + 60), "kept only while the token lives"
        finally:
            await a_store.close()
            await b_store.close()

    asyncio.run(run())

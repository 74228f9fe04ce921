"""Fixtures of the operations tests: a real Redis with a key prefix of its own per test (the Redis is shared with
other test runs: never FLUSHALL), and the bank mapping with traffic keys added."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

# Read at import: the autouse fixture of tests/conftest.py clears every ADAPTER_* variable before each test.
REDIS_URL = os.environ.get("ADAPTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass(frozen=True)
class RedisTarget:
    url: str
    prefix: str
    client: redis.Redis

    def keys(self) -> list[bytes]:
        return list(self.client.scan_iter(match=self.prefix + "*", count=1000))


@pytest.fixture
def real_redis() -> Iterator[RedisTarget]:
    """A Redis that answers, with a fresh key prefix; skipped (failed under CI=true) without one."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        client.close()
        reason = f"no Redis answers at {REDIS_URL} (set ADAPTER_TEST_REDIS_URL): {type(exc).__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    target = RedisTarget(REDIS_URL, f"adapter-test-{uuid.uuid4().hex[:12]}:", client)
    try:
        yield target
    finally:
        for key in target.keys():
            client.delete(key)
        client.close()

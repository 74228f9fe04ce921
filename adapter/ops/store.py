"""Where idempotency records and cached answers live: in this process, or in Redis for many instances.

Both stores speak one small async protocol of byte values with a time to live. ``claim`` (set if absent) and
``swap`` (compare and set) are atomic in both: that is what lets two instances race for one Idempotency-Key and
lets a crashed instance's claim simply expire. Redis errors become :class:`StoreUnavailable` here and nowhere else.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from adapter.exceptions import StoreUnavailable


class Store(Protocol):
    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The values of ``keys`` (``None`` where absent or expired), in one round trip."""
        ...

    async def put(self, key: str, value: bytes, ttl: float) -> None: ...

    async def claim(self, key: str, value: bytes, ttl: float) -> bool:
        """Set ``key`` only if it is absent; whether it was set."""
        ...

    async def swap(self, key: str, expected: bytes, value: bytes | None, ttl: float) -> bool:
        """Replace (or delete, with ``None``) ``key`` only while it still holds ``expected``; whether it did."""
        ...

    async def incr(self, key: str) -> int:
        """Add one to the counter at ``key`` (kept without expiry) and return it."""
        ...

    async def ping(self) -> None:
        """Raise :class:`StoreUnavailable` unless the store answers."""
        ...

    async def close(self) -> None: ...


class MemoryStore:
    """A bounded store in this process: past ``capacity`` entries, expired and then least recently used ones go."""

    def __init__(self, capacity: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.clock = clock
        self._items: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._counters: dict[str, int] = {}

    def _get(self, key: str) -> bytes | None:
        found = self._items.get(key)
        if found is None:
            return None
        if found[1] <= self.clock():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return found[0]

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self._counter(key) if key in self._counters else self._get(key) for key in keys]

    def _counter(self, key: str) -> bytes:
        return str(self._counters[key]).encode()

    async def put(self, key: str, value: bytes, ttl: float) -> None:
        self._items[key] = (value, self.clock() + ttl)
        self._items.move_to_end(key)
        if len(self._items) > self.capacity:
            self._shrink()

    def _shrink(self) -> None:
        now = self.clock()
        for key in [key for key, (_, expires) in self._items.items() if expires <= now]:
            del self._items[key]
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    async def claim(self, key: str, value: bytes, ttl: float) -> bool:
        if self._get(key) is not None:
            return False
        await self.put(key, value, ttl)
        return True

    async def swap(self, key: str, expected: bytes, value: bytes | None, ttl: float) -> bool:
        if self._get(key) != expected:
            return False
        if value is None:
            del self._items[key]
        else:
            await self.put(key, value, ttl)
        return True

    async def incr(self, key: str) -> int:
        self._counters[key] = self._counters.get(key, 0) + 1
        return self._counters[key]

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None


# KEYS[1]: the key; ARGV: expected value, new value, time to live in ms, "set" or "del".
_SWAP = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[4] == 'del' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1
"""


@contextmanager
def _unavailable() -> Iterator[None]:
    """The one place where redis-py's errors become adapter errors (its message may carry the address)."""
    import redis.exceptions  # imported by RedisStore already: redis-py is loaded only when Redis is configured

    try:
        yield
    except (redis.exceptions.RedisError, OSError) as exc:
        raise StoreUnavailable(f"the shared store did not answer ({type(exc).__name__})") from None


class RedisStore:
    """The same protocol over Redis (redis-py asyncio). Every key starts with ``prefix``.

    One connection pool serves this store and the rate limiter (:mod:`adapter.ops.ratelimit`); connections are
    opened on first use, inside the running event loop, and closed by :meth:`close`.
    """

    def __init__(self, url: str, prefix: str, *, timeout: float = 2.0) -> None:
        import redis.asyncio  # here, not at the top: an application without Redis starts without redis-py

        self.prefix = prefix
        self.pool = redis.asyncio.ConnectionPool.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
        )
        self.client = redis.asyncio.Redis(connection_pool=self.pool)
        self._swap = self.client.register_script(_SWAP)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        with _unavailable():
            values = await self.client.mget([self.prefix + key for key in keys])
        return [value.encode() if isinstance(value, str) else value for value in values]

    async def put(self, key: str, value: bytes, ttl: float) -> None:
        with _unavailable():
            await self.client.set(self.prefix + key, value, px=_ms(ttl))

    async def claim(self, key: str, value: bytes, ttl: float) -> bool:
        with _unavailable():
            return bool(await self.client.set(self.prefix + key, value, px=_ms(ttl), nx=True))

    async def swap(self, key: str, expected: bytes, value: bytes | None, ttl: float) -> bool:
        args: list[bytes | str | int] = [expected, value or b"", _ms(ttl), "del" if value is None else "set"]
        with _unavailable():
            return bool(await self._swap(keys=[self.prefix + key], args=args))

    async def incr(self, key: str) -> int:
        with _unavailable():
            return int(await self.client.incr(self.prefix + key))

    async def ping(self) -> None:
        with _unavailable():
            await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()
        await self.pool.disconnect()


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))

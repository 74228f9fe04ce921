"""The answer cache of GET routes that opt in (``cache: {ttl, vary}``), in memory or in Redis.

An entry is kept per route and variant (the path, and the caller and query when the route varies by them) with a
strong ETag made from its body (RFC 9110 §8.8.3), so every instance gives the same answer the same tag.
A write route that ``invalidates`` a cached route bumps that route's generation: entries of older generations are
never served again and simply expire. One lookup is one store round trip (the generation and the entry together).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from adapter.mapping.model import Cache as Spec
from adapter.ops import events
from adapter.ops.answer import Answer, kept_headers
from adapter.ops.events import Events
from adapter.ops.store import Store
from adapter.settings import Cache as Settings


def etag(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def matches(if_none_match: str, tag: bytes) -> bool:
    """If-None-Match (RFC 9110 §13.1.2): ``*`` or a list of tags, compared weakly (``W/`` ignored)."""
    wanted = tag.decode()
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


@dataclass(frozen=True)
class Hit:
    answer: Answer
    tag: bytes
    age: int
    max_age: int


@dataclass(frozen=True)
class Lookup:
    """A cache lookup: the hit if any, and what a new entry for this variant is stored under."""

    key: str
    generation: int
    hit: Hit | None


class ResponseCache:
    """The cached answers of one application, in ``store``."""

    def __init__(self, store: Store, settings: Settings, emit: Events) -> None:
        self.store = store
        self.settings = settings
        self.events = emit
        self._filling: dict[str, asyncio.Future[Answer]] = {}

    async def fill(self, lookup: Lookup, make: Callable[[], Awaitable[Answer]]) -> Answer:
        """The answer for a missed entry, made once in this instance however many callers miss it together (an
        expired entry of a busy route would otherwise send them all to the backend at once)."""
        pending = self._filling.get(lookup.key)
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except Exception:
                return await make()  # the first caller's attempt failed: this one makes its own
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._filling[lookup.key] = future
        try:
            answer = await make()
        except BaseException as exc:
            future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("cancelled"))
            future.exception()  # retrieved here, so that a future nobody awaited does not warn
            raise
        finally:
            del self._filling[lookup.key]
        future.set_result(answer)
        return answer

    async def lookup(self, route: str, spec: Spec, variant: str) -> Lookup:
        key = "cache:" + hashlib.sha256(f"{route}\n{variant}".encode()).hexdigest()
        generation_raw, record = await self.store.get_many([_generation(route), key])
        generation = int(generation_raw or 0)
        if record is not None:
            meta, answer = Answer.decode(record)
            stored_generation, stored_at, tag = int(meta[0]), float(meta[1]), meta[2].encode()
            age = max(0, int(time.time() - stored_at))
            if stored_generation == generation and age < spec.ttl:
                self.events.emit(events.CACHE, route, "hit")
                return Lookup(key, generation, Hit(answer, tag, age, int(spec.ttl) - age))
        self.events.emit(events.CACHE, route, "miss")
        return Lookup(key, generation, None)

    async def store_answer(self, route: str, spec: Spec, lookup: Lookup, answer: Answer, tag: bytes) -> None:
        """Keep a 200 answer (no larger than the settings allow) under the generation it was looked up in: an
        invalidation that happened meanwhile makes it stale at once."""
        if answer.status != 200 or len(answer.body) > self.settings.max_body_bytes:
            return
        meta = [str(lookup.generation), f"{time.time():.3f}", tag.decode()]
        kept = Answer(answer.status, kept_headers(answer.headers), answer.body)
        await self.store.put(lookup.key, kept.encode(meta), spec.ttl)
        self.events.emit(events.CACHE, route, "stored")

    async def invalidate(self, routes: tuple[str, ...]) -> None:
        for route in routes:
            await self.store.incr(_generation(route))
            self.events.emit(events.CACHE, route, "invalidated")


def _generation(route: str) -> str:
    return f"cache-generation:{route}"

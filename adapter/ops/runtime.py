"""The operations layer of one application: its store, limiter, cache, idempotency records, breakers and events,
and what each route asks of them (:class:`RoutePlan`). Built by :func:`adapter.app.create_app`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from adapter.mapping.model import Cache, MappingFile, Route
from adapter.mapping.policies import idempotency_mode, retry_safe, route_name
from adapter.ops.cache import ResponseCache
from adapter.ops.events import Events
from adapter.ops.idempotency import Idempotency
from adapter.ops.nonces import SharedNonceStore
from adapter.ops.ratelimit import Limiter, RouteLimits, policies
from adapter.ops.resilience import Policy, Resilience
from adapter.ops.store import MemoryStore, RedisStore, Store
from adapter.settings import Settings


@dataclass(frozen=True)
class RoutePlan:
    """What one route asks of the operations layer."""

    name: str  # "<file>/<route name>": the route's key in the cache and in events
    label: str  # the route's name (its operationId), as the access log shows it
    limits: RouteLimits | None
    cache: Cache | None
    invalidates: tuple[str, ...]
    idempotency: str  # required · optional · off
    lease: float  # seconds an in-flight Idempotency-Key is held (covers the backend deadline)

    @property
    def plain(self) -> bool:
        """Nothing to do here: the route goes straight to its endpoint."""
        return not (self.limits or self.cache or self.invalidates or self.idempotency != "off")


class Operations:
    """Everything the operations layer keeps for one application; memory unless ``settings.redis_url``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.events = Events()
        url = settings.redis_url.get_secret_value() if settings.redis_url else None
        self.cache_store: Store
        self.idempotency_store: Store
        shared = RedisStore(url, settings.redis_prefix) if url else None
        if shared is not None:
            self.cache_store = self.idempotency_store = shared
        else:
            self.cache_store = MemoryStore(settings.cache.max_entries)
            self.idempotency_store = MemoryStore(settings.idempotency.max_keys)
        self.limiter = Limiter(settings.rate_limits, self.events, shared)
        self.cache = ResponseCache(self.cache_store, settings.cache, self.events)
        self.idempotency = Idempotency(self.idempotency_store, settings.idempotency, self.events)
        self.backends: dict[str, Resilience] = {}

    def resilience(self, name: str, mapping: MappingFile, timeout: float) -> Resilience:
        """The guard of one backend (one mapping file's pool), named for logs and events."""
        policy = Policy.resolve(mapping.backend.resilience, self.settings.resilience, timeout)
        guard = self.backends[name] = Resilience(name, policy, self.events)
        return guard

    def route(self, file: str, mapping: MappingFile, route: Route, guard: Resilience) -> RoutePlan:
        stem = PurePath(file).stem
        found = [
            *policies(f"file:{stem}", "file", mapping.limits),
            *policies(f"route:{route.method} {route.path}", "route", route.limits),
        ]
        name = f"{stem}/{route_name(route)}"
        return RoutePlan(
            name=name,
            label=route_name(route),
            limits=self.limiter.route(name, found),
            cache=route.cache,
            invalidates=tuple(f"{stem}/{target}" for target in route.invalidates),
            idempotency=idempotency_mode(route),
            lease=max(self.settings.idempotency.lease, guard.policy.deadline + 1.0),
        )

    def nonces(self) -> SharedNonceStore | None:
        """The served endpoint's WS-Security nonce store when instances share Redis (``None``: its own memory)."""
        return SharedNonceStore(self.cache_store) if isinstance(self.cache_store, RedisStore) else None

    def breakers(self) -> dict[str, str]:
        """Each backend's breaker state (closed · open · half-open), for readiness and metrics."""
        return {name: guard.breaker.state for name, guard in self.backends.items()}

    async def ping(self) -> None:
        """Raise :class:`StoreUnavailable` unless the shared store answers (always fine in memory)."""
        await self.cache_store.ping()

    async def close(self) -> None:
        await self.cache_store.close()
        await self.idempotency_store.close()


class GuardedBackend:
    """One route's way to its backend: the backend's call under the backend's :class:`Resilience`, retried only
    when the route is safe to repeat (:func:`adapter.mapping.policies.retry_safe`)."""

    def __init__(self, call: Callable[[str, dict[str, Any]], Awaitable[Any]], guard: Resilience, route: Route):
        self._call = call
        self.guard = guard
        self.retry = retry_safe(route)

    async def call(self, operation: str, payload: dict[str, Any]) -> Any:
        return await self.guard.call(lambda: self._call(operation, payload), retry=self.retry)

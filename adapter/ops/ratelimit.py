"""Rate limits and quotas, counted by the ``limits`` library in memory or in Redis, told to callers in the
RateLimit fields of draft-ietf-httpapi-ratelimit-headers (-09)::

    RateLimit-Policy: "route-minute";q=100;w=60, "daily";q=10000;w=86400
    RateLimit: "route-minute";r=42;t=17, "daily";r=9958;t=51200

A route's policies are the settings' defaults (every route together), its mapping file's ``limits`` (all the
file's routes together) and its own. ``per: caller`` gives each API key or JWT subject its own budget; a spent
one is a 429 with ``Retry-After``. A quota is a limit with a long window (``10000/day``).

If Redis stops answering, calls are let through (and logged): a limit must not take the facade down with it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import limits
import limits.aio.storage
import limits.aio.strategies
import limits.errors

from adapter.exceptions import TooManyRequests
from adapter.mapping.model import Limit
from adapter.ops import events
from adapter.ops.events import Events
from adapter.ops.store import RedisStore
from adapter.settings import RateLimits

log = logging.getLogger("adapter.ops")
EVERYONE = "*"
_STRATEGIES: dict[str, type[limits.aio.strategies.RateLimiter]] = {
    "sliding-window-counter": limits.aio.strategies.SlidingWindowCounterRateLimiter,
    "fixed-window": limits.aio.strategies.FixedWindowRateLimiter,
    "moving-window": limits.aio.strategies.MovingWindowRateLimiter,
}


@dataclass(frozen=True)
class Policy:
    """One counted budget: ``item.amount`` calls per ``item.get_expiry()`` seconds, in the counter ``scope``."""

    name: str
    item: limits.RateLimitItem
    scope: str  # "all", "file:<name>" or "route:<method> <path>"
    per_caller: bool

    def field(self) -> str:
        return f'"{self.name}";q={self.item.amount};w={self.item.get_expiry()}'


def policies(scope: str, level: str, specs: Sequence[Limit | str]) -> list[Policy]:
    """The policies of one level ("all", "file" or "route"); unnamed ones are called ``<level>-<unit>``."""
    found = []
    for spec in specs:
        limit = spec if isinstance(spec, Limit) else Limit(rate=spec)
        item = limits.parse(limit.rate.replace(" per ", "/"))
        unit = item.GRANULARITY.name
        name = limit.name or f"{level}-{unit}" + (f"-{item.multiples}" if item.multiples != 1 else "")
        found.append(Policy(name, item, scope, limit.per == "caller"))
    return found


class Limiter:
    """The counters of one application: ``limits``' memory storage, or its Redis storage (redis-py) over the
    ``shared`` store's connections."""

    def __init__(self, settings: RateLimits, emit: Events, shared: RedisStore | None = None) -> None:
        if shared is not None:
            storage: limits.aio.storage.Storage = limits.aio.storage.RedisStorage(
                "async+redis://",  # the connection comes from the shared store's pool
                implementation="redispy",
                connection_pool=shared.pool,  # type: ignore[arg-type]  # documented, typed as scalar options
                key_prefix=shared.prefix + "rl",
                wrap_exceptions=True,
            )
        else:
            storage = limits.aio.storage.MemoryStorage()
        self.storage = storage
        self.strategy = _STRATEGIES[settings.strategy](storage)
        self.defaults = policies("all", "all", settings.default)
        self.events = emit

    async def count(self, policy: Policy, caller: str) -> tuple[bool, int, float]:
        """Count one call against ``policy``: whether it is allowed, what is left, and when the window resets."""
        who = caller if policy.per_caller else EVERYONE
        if isinstance(self.strategy, limits.aio.strategies.FixedWindowRateLimiter):
            # The strategy's hit() then get_window_stats() would read the counter back: incr() already says it.
            key = policy.item.key_for(policy.scope, who)
            count = await self.storage.incr(key, policy.item.get_expiry())
            return count <= policy.item.amount, max(0, policy.item.amount - count), await self.storage.get_expiry(key)
        allowed = await self.strategy.hit(policy.item, policy.scope, who)
        stats = await self.strategy.get_window_stats(policy.item, policy.scope, who)
        return allowed, stats.remaining, stats.reset_time

    def route(self, subject: str, found: Sequence[Policy]) -> RouteLimits | None:
        """The limits of one route, the defaults included; ``None`` when it has none."""
        chosen = [*self.defaults, *found]
        return RouteLimits(subject, chosen, self) if chosen else None


class RouteLimits:
    """Counts one route's calls against its policies."""

    def __init__(self, subject: str, chosen: Sequence[Policy], limiter: Limiter) -> None:
        self.subject = subject
        self.policies = tuple(_unique(chosen))
        self.limiter = limiter
        self.policy_field = ", ".join(policy.field() for policy in self.policies)

    async def admit(self, caller: str) -> dict[str, str]:
        """Count one call of ``caller``: the RateLimit headers for its answer, or :class:`TooManyRequests`."""
        fields, spent = [], None
        try:
            for policy in self.policies:
                allowed, remaining, reset_at = await self.limiter.count(policy, caller)
                reset = max(0, math.ceil(reset_at - time.time()))
                fields.append(f'"{policy.name}";r={remaining};t={reset}')
                if not allowed and spent is None:
                    spent = (policy, reset)
        except limits.errors.StorageError as exc:
            log.warning("rate limits not counted, the store failed: %s", type(exc.storage_error).__name__)
            return {}
        headers = {"RateLimit-Policy": self.policy_field, "RateLimit": ", ".join(fields)}
        if spent is not None:
            policy, reset = spent
            self.limiter.events.emit(events.RATE_LIMITED, self.subject, policy.name)
            detail = f"the limit {policy.name!r} of {policy.item.amount} calls per {_window(policy.item)} is spent"
            raise TooManyRequests(detail, retry_after=max(1, reset), limit_headers=headers)
        return headers


def _unique(chosen: Sequence[Policy]) -> list[Policy]:
    """Policy names are the keys of the RateLimit fields: a repeated name gets a number."""
    seen: dict[str, int] = {}
    result = []
    for policy in chosen:
        count = seen.get(policy.name, 0)
        seen[policy.name] = count + 1
        result.append(policy if not count else Policy(f"{policy.name}-{count + 1}", *_rest(policy)))
    return result


def _rest(policy: Policy) -> tuple[limits.RateLimitItem, str, bool]:
    return policy.item, policy.scope, policy.per_caller


def _window(item: limits.RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return unit if item.multiples == 1 else f"{item.multiples} {unit}s"

"""Resilience per backend: one overall deadline, retries of safe calls, a circuit breaker and a bulkhead.

One :class:`Resilience` guards one backend (one mapping file's connection pool). A call goes:

1. bulkhead: with ``max_concurrent`` calls already in flight, :class:`BulkheadFull` (503) at once;
2. breaker: while open, :class:`CircuitOpen` (503, Retry-After: until the half-open probe) without calling;
3. the call, under one deadline for everything (pool wait, every attempt, every backoff): the first attempt is
   bounded by the HTTP client's own timeout (aiohttp's total, pool wait included), never longer than the deadline;
   a retry is made only for calls marked safe, only after a connect error, a timeout or an HTTP 503
   (:class:`BackendUnavailable`, :class:`BackendTimeout`), and only when its backoff still ends before the deadline,
   and the retries run under what is left of the deadline.

The breaker counts only those failures: a SOAP fault or a reply the contract does not describe is an answer, so the
backend is up. State lives in this process: each instance protects itself and opens on what it sees.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from adapter.exceptions import BackendTimeout, BackendUnavailable, BulkheadFull, CircuitOpen
from adapter.mapping import model
from adapter.ops import events
from adapter.ops.events import Events
from adapter.settings import Resilience as Defaults

log = logging.getLogger("adapter.ops")
T = TypeVar("T")
FAILURES = (BackendUnavailable, BackendTimeout)  # what is retried, and what the breaker counts


@dataclass(frozen=True)
class Policy:
    """The resolved resilience of one backend: the mapping's values over the settings' defaults."""

    timeout: float  # one attempt (aiohttp's total: pool wait included)
    deadline: float  # the whole call, retries included
    attempts: int
    backoff_initial: float
    backoff_max: float
    failures: int
    window: float
    open_for: float
    max_concurrent: int

    @classmethod
    def resolve(cls, spec: model.Resilience | None, defaults: Defaults, timeout: float) -> Policy:
        spec = spec or model.Resilience()
        retries, breaker = spec.retries or model.Retries(), spec.breaker or model.Breaker()
        backoff = retries.backoff or model.Backoff()
        bulkhead = spec.bulkhead or model.Bulkhead()
        deadline = spec.deadline or defaults.deadline or timeout
        return cls(
            timeout=min(timeout, deadline),
            deadline=deadline,
            attempts=retries.attempts or defaults.retries.attempts,
            backoff_initial=backoff.initial or defaults.retries.backoff_initial,
            backoff_max=backoff.max or defaults.retries.backoff_max,
            failures=breaker.failures or defaults.breaker.failures,
            window=breaker.window or defaults.breaker.window,
            open_for=breaker.open_for or defaults.breaker.open_for,
            max_concurrent=bulkhead.max_concurrent or defaults.max_concurrent,
        )

    def backoff(self, retry: int) -> float:
        """Seconds before retry number ``retry`` (1, 2, ...): full jitter over an exponential ceiling (AWS
        Architecture Blog, "Exponential Backoff And Jitter"), so that callers who failed together spread out."""
        return random.uniform(0, min(self.backoff_max, self.backoff_initial * 2 ** (retry - 1)))


CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class Breaker:
    """A circuit breaker: closed → open after ``failures`` failures in a row within ``window`` seconds → after
    ``open_for`` seconds one probe call is let through (half-open): its success closes, its failure re-opens."""

    def __init__(self, name: str, policy: Policy, emit: Events, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.policy = policy
        self.events = emit
        self.clock = clock
        self.state = CLOSED
        self.failures = 0
        self.first_failure = 0.0
        self.opened_at = 0.0
        self.probing = False

    def admit(self) -> bool:
        """Whether a call may go now; ``True`` for the one probe of a half-open breaker too."""
        if self.state == CLOSED:
            return True
        if self.state == OPEN and self.clock() - self.opened_at >= self.policy.open_for:
            self._move(HALF_OPEN)
        if self.state == HALF_OPEN and not self.probing:
            self.probing = True
            return True
        return False

    def retry_after(self) -> int:
        """Whole seconds until a call may be let through again (at least 1)."""
        left = self.opened_at + self.policy.open_for - self.clock() if self.state == OPEN else 1.0
        return max(1, math.ceil(left))

    def record(self, failed: bool | None) -> None:
        """The outcome of an admitted call: failed, answered, or ``None`` when it was cancelled (the caller left):
        a cancelled probe lets the next call probe instead."""
        if failed:
            self._failed()
        elif failed is not None:
            self._succeeded()
        else:
            self.probing = False

    def _succeeded(self) -> None:
        self.failures = 0
        if self.state != CLOSED:
            self.probing = False
            self._move(CLOSED)

    def _failed(self) -> None:
        now = self.clock()
        if self.state == HALF_OPEN:
            self.probing = False
            self._open(now)
            return
        if self.failures == 0 or now - self.first_failure > self.policy.window:
            self.failures, self.first_failure = 0, now
        self.failures += 1
        if self.state == CLOSED and self.failures >= self.policy.failures:
            self._open(now)

    def _open(self, now: float) -> None:
        self.opened_at = now
        self.failures = 0
        self._move(OPEN)

    def _move(self, state: str) -> None:
        self.state = state
        log.log(logging.WARNING if state == OPEN else logging.INFO, "circuit breaker of %s is %s", self.name, state)
        self.events.emit(events.BREAKER, self.name, state)


class Resilience:
    """Guards every call to one backend (see the module docstring)."""

    def __init__(self, name: str, policy: Policy, emit: Events) -> None:
        self.name = name
        self.policy = policy
        self.events = emit
        self.breaker = Breaker(name, policy, emit)
        self.in_flight = 0

    async def call(self, attempt: Callable[[], Awaitable[T]], *, retry: bool) -> T:
        """Run ``attempt`` (one backend call) under this backend's protection; ``retry``: the call is safe to repeat.

        Raises :class:`BulkheadFull` or :class:`CircuitOpen` (503) without calling, or what the last attempt raised
        (:class:`BackendTimeout` when the deadline passed)."""
        if self.in_flight >= self.policy.max_concurrent:
            self.events.emit(events.REJECTED, self.name, "bulkhead-full")
            raise BulkheadFull(f"{self.policy.max_concurrent} calls to this backend are in flight")
        if not self.breaker.admit():
            self.events.emit(events.REJECTED, self.name, "circuit-open")
            retry_after = self.breaker.retry_after()
            raise CircuitOpen("the backend failed repeatedly; calls resume shortly", retry_after=retry_after)
        self.in_flight += 1
        failed: bool | None = None  # stays None when the call is cancelled
        started = time.monotonic()
        try:
            try:
                result = await attempt()  # bounded by the client's own timeout, which never passes the deadline
            except FAILURES as exc:
                if not retry or self.policy.attempts == 1:
                    raise
                result = await self._retried(attempt, started, exc)
            failed = False
            return result
        except FAILURES:
            failed = True
            raise
        except Exception:
            failed = False  # a fault or an odd reply is still an answer: the backend is up
            raise
        finally:
            self.in_flight -= 1
            self.breaker.record(failed)

    async def _retried(self, attempt: Callable[[], Awaitable[T]], started: float, failure: Exception) -> T:
        """The retries after a first attempt (begun at ``started``) failed with ``failure``, within the deadline.
        (The first attempt runs in :meth:`call` itself: one coroutine less on every call's path.)"""
        deadline = started + self.policy.deadline
        try:
            async with asyncio.timeout(deadline - time.monotonic()):
                return await self._retries(attempt, deadline, failure)
        except TimeoutError:
            raise BackendTimeout("the backend did not answer within the deadline") from None

    async def _retries(self, attempt: Callable[[], Awaitable[T]], deadline: float, failure: Exception) -> T:
        for number in range(2, self.policy.attempts + 1):
            pause = self.policy.backoff(number - 1)
            if time.monotonic() + pause >= deadline:
                break  # the retry could not finish in time: retries fit in the deadline, never extend it
            self.events.emit(events.RETRY, self.name, str(number))
            await asyncio.sleep(pause)
            try:
                return await attempt()
            except FAILURES as exc:
                failure = exc
        raise failure

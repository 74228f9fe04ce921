"""Readiness: named checks, each bounded in time, that together say whether an instance should receive traffic.

The application registers ``contracts`` (its mappings and contracts are loaded: always true once it exists); the
operations layer adds ``store`` (Redis answers, when configured) and ``breakers`` (a summary, informative only: an
open breaker is the backend's state, and taking every instance out of the balancer for it would turn one failing
backend into a whole outage). ``/readyz`` answers 503 while a critical check fails.

Results are for a public endpoint: counts and states, never an address, a message or a stack trace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("adapter.health")


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict and what it may say publicly about it."""

    ok: bool
    details: Mapping[str, Any] = field(default_factory=dict)


Check = Callable[[], Awaitable[CheckResult]]


@dataclass(frozen=True)
class _Registered:
    check: Check
    critical: bool


class Readiness:
    """The checks of one application; each gets ``timeout`` seconds."""

    def __init__(self, timeout: float = 2.0) -> None:
        self.timeout = timeout
        self._checks: dict[str, _Registered] = {}

    def add(self, name: str, check: Check, *, critical: bool = True) -> None:
        """Run ``check`` on every readiness probe; when ``critical``, its failure makes the instance not ready."""
        self._checks[name] = _Registered(check, critical)

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """``(ready, {name: {"status": "ok"|"failing", **details}})``, the checks run concurrently."""
        names = list(self._checks)
        results = await asyncio.gather(*(self._run(name) for name in names))
        ready = all(result.ok or not self._checks[name].critical for name, result in zip(names, results, strict=True))
        body = {
            name: {"status": "ok" if result.ok else "failing", **result.details}
            for name, result in zip(names, results, strict=True)
        }
        return ready, body

    async def _run(self, name: str) -> CheckResult:
        try:
            return await asyncio.wait_for(self._checks[name].check(), self.timeout)
        except TimeoutError:
            return CheckResult(False, {"reason": "timed out"})
        except Exception as exc:  # a probe must answer; why it failed is for the log, not for the prober
            log.warning("readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
            return CheckResult(False, {"reason": "error"})

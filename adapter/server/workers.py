"""Threads of the served endpoints' own, for messages too large to parse and map on the event loop.

A pool apart from anyio's default one (40 threads, shared with everything else that calls ``to_thread``, JWKS
look-ups included), bounded, and with a queue timeout: a request that waits longer for a thread is answered with a
Server fault (:class:`ServiceBusy`) instead of piling up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from adapter.server.faults import ServiceBusy

T = TypeVar("T")


class Workers:
    """``threads`` worker threads; a caller waits at most ``queue_timeout`` seconds for one."""

    def __init__(self, threads: int, queue_timeout: float) -> None:
        self.threads = threads
        self.queue_timeout = queue_timeout
        self._admission = anyio.Semaphore(threads)
        self._limiter = anyio.CapacityLimiter(threads)  # never waited on: admission already bounds the callers

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """``function(*args)`` in one of the threads; the request's context variables (its id) go along."""
        try:
            with anyio.fail_after(self.queue_timeout):
                await self._admission.acquire()
        except TimeoutError:
            raise ServiceBusy(f"no worker thread was free within {self.queue_timeout:g}s") from None
        try:
            return await anyio.to_thread.run_sync(function, *args, limiter=self._limiter)
        finally:
            self._admission.release()

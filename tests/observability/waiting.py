"""Waiting for what a server writes after its answer has gone out (the access record, the request's span)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def eventually(read: Callable[[], Sequence[T]], enough: int = 1) -> Sequence[T]:
    """What ``read`` finds once it finds at least ``enough``: the middleware ends the request's span and the access
    log writes its record after the last byte is sent, so a client may hold the answer a moment before they exist.
    A generous bound, not a timing assertion."""
    deadline = time.monotonic() + 10
    while len(found := read()) < enough and time.monotonic() < deadline:
        time.sleep(0.01)
    return found

"""Random identifiers (request ids, WS-Security wsu:Ids) from the operating system's CSPRNG, read 4 KiB at a time.

``os.urandom(16)`` is one system call per id; on the facade's path that is two a request. Reading ahead keeps the
same source (``getrandom``) and the same unpredictability for a fraction of the calls. The bytes read ahead are
dropped in a forked child, so two processes never hand out the same ids, and each thread reads its own.
"""

from __future__ import annotations

import os
import threading

_READ_AHEAD = 4096


class _Pool(threading.local):
    def __init__(self) -> None:
        self.data = b""
        self.at = 0


_POOL = _Pool()


def _forget() -> None:
    global _POOL
    _POOL = _Pool()


os.register_at_fork(after_in_child=_forget)


def random_bytes(size: int) -> bytes:
    """``size`` (at most 4096) bytes from ``os.urandom``, never handed out twice."""
    pool = _POOL
    at = pool.at
    if at + size > len(pool.data):
        pool.data, at = os.urandom(_READ_AHEAD), 0
    pool.at = at + size
    return pool.data[at : at + size]


def uuid4_hex() -> str:
    """A random UUID (RFC 9562 §5.4: version 4, the RFC variant) as 32 lower-case hex digits: ``uuid4().hex``,
    without a system call or a ``uuid.UUID``."""
    raw = bytearray(random_bytes(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    return raw.hex()

"""An HTTP answer as it is kept in a store, for the cache and for Idempotency-Key replays.

Stored like an HTTP/1.1 message after one line of metadata (meta, status, ``name: value`` lines, a blank line,
the body), so a record read in ``redis-cli`` explains itself. Nothing but this module reads or writes one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Not replayed: they belong to the answer that carried them (a request id, the rate-limit state, the framing).
_OWN = frozenset(
    {
        b"x-request-id",
        b"ratelimit",
        b"ratelimit-policy",
        b"retry-after",
        b"content-length",
        b"date",
        b"server",
        b"transfer-encoding",
        b"connection",
    }
)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    def encode(self, meta: Sequence[str]) -> bytes:
        lines = [" ".join(meta).encode(), str(self.status).encode()]
        lines.extend(name + b": " + value for name, value in self.headers)
        return b"\n".join(lines) + b"\n\n" + self.body

    @classmethod
    def decode(cls, record: bytes) -> tuple[list[str], Answer]:
        head, _, body = record.partition(b"\n\n")
        meta, status, *fields = head.split(b"\n")
        headers = tuple((name, value) for name, _, value in (field.partition(b": ") for field in fields))
        return meta.decode().split(" "), cls(int(status), headers, body)


def kept_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[tuple[bytes, bytes], ...]:
    """The headers of an answer worth keeping with it for a replay or a cache hit (lower-case names)."""
    return tuple((name.lower(), value) for name, value in headers if name.lower() not in _OWN)


def record_meta(record: bytes) -> list[str]:
    """The metadata line of a record, without decoding the rest."""
    return record.partition(b"\n")[0].decode().split(" ")

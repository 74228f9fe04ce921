"""``Idempotency-Key`` for POST and PATCH routes (draft-ietf-httpapi-idempotency-key-header-06).

The first request with a key claims it in the store for a lease (a record "in flight" with the request's
fingerprint) and, once answered, leaves its status, headers and body there for ``expires`` seconds. Then:

- the same key with the same request (method, path, query, body) replays the stored answer, marked
  ``Idempotent-Replayed: true``;
- the same key with another request is a 422 (draft §2.7), while the first is in flight a 409 with Retry-After;
- an answer of 500 or more is not kept: the key is released, so a retry runs again (the backend may or may not
  have acted; a business reference mapped to the backend makes that retry safe);
- an instance killed while in flight leaves its claim to expire after the lease: a retry on another instance
  then runs the request again, for the backend to recognise.

Keys are scoped to the caller that sent them (draft §2.2: "unique ... per client").
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import uuid
from dataclasses import dataclass

from adapter.exceptions import IdempotencyConflict, IdempotencyKeyReused, RequestError, StoreUnavailable
from adapter.ops import events
from adapter.ops.answer import Answer, kept_headers, record_meta
from adapter.ops.events import Events
from adapter.ops.store import Store
from adapter.settings import Idempotency as Settings

log = logging.getLogger("adapter.ops")
HEADER = "idempotency-key"
REPLAYED = (b"idempotent-replayed", b"true")
IN_FLIGHT, DONE = "in-flight", "done"
MAX_KEY = 255


def parse_key(value: str) -> str:
    """The key of an ``Idempotency-Key`` field: a Structured Field String (``"8e03..."``, draft §2.1) or, as many
    clients send it, the bare text; printable ASCII, 1 to 255 characters. Raises a 400 otherwise."""
    key = value.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if not 0 < len(key) <= MAX_KEY or not all(" " <= char <= "~" for char in key):
        raise RequestError(f"Idempotency-Key must be 1 to {MAX_KEY} printable ASCII characters")
    return key


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests "the same" for a key (draft §2.4): method, path, query and body."""
    digest = hashlib.sha256(f"{method} {path}?".encode() + query + b"\n" + body)
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    """A key claimed by this request: ``record`` is what the store holds while it is in flight."""

    key: str
    record: bytes
    subject: str


class Idempotency:
    """Idempotency records of one application, in ``store``."""

    def __init__(self, store: Store, settings: Settings, emit: Events) -> None:
        self.store = store
        self.settings = settings
        self.events = emit

    async def begin(self, subject: str, caller: str, key: str, print_: str, lease: float) -> Claim | Answer:
        """Claim ``key`` for this request, or the stored answer to replay. Raises :class:`IdempotencyConflict`
        (in flight), :class:`IdempotencyKeyReused` (another request) or :class:`StoreUnavailable`."""
        name = "idem:" + hashlib.sha256(f"{caller}\n{key}".encode()).hexdigest()
        record = " ".join([IN_FLIGHT, print_, uuid.uuid4().hex, f"{time.time() + lease:.3f}"]).encode()
        for _ in range(3):  # the record may expire between a failed claim and the read
            if await self.store.claim(name, record, lease):
                self.events.emit(events.IDEMPOTENCY, subject, "claimed")
                return Claim(name, record, subject)
            [found] = await self.store.get_many([name])
            if found is not None:
                return self._existing(subject, found, print_)
        raise StoreUnavailable("the idempotency record could not be claimed")

    def _existing(self, subject: str, found: bytes, print_: str) -> Answer:
        meta = record_meta(found)
        if meta[1] != print_:
            self.events.emit(events.IDEMPOTENCY, subject, "reused")
            raise IdempotencyKeyReused("this Idempotency-Key was used with a different request")
        if meta[0] == IN_FLIGHT:
            self.events.emit(events.IDEMPOTENCY, subject, "in-flight")
            wait = max(1, math.ceil(float(meta[3]) - time.time()))
            raise IdempotencyConflict("a request with this Idempotency-Key is still being processed", retry_after=wait)
        self.events.emit(events.IDEMPOTENCY, subject, "replayed")
        _, answer = Answer.decode(found)
        return Answer(answer.status, (*answer.headers, REPLAYED), answer.body)

    async def complete(self, claim: Claim, answer: Answer) -> None:
        """Keep ``answer`` for replays, or release the key when the outcome is unknown (5xx) or too large."""
        keep = answer.status < 500 and len(answer.body) <= self.settings.max_body_bytes
        kept = Answer(answer.status, kept_headers(answer.headers), answer.body)
        done = kept.encode([DONE, record_meta(claim.record)[1]]) if keep else None
        try:
            swapped = await self.store.swap(claim.key, claim.record, done, self.settings.expires)
        except StoreUnavailable:
            log.warning("idempotency record not kept: the store failed; the key expires after its lease")
            return
        if not swapped:
            log.warning("idempotency lease ran out before the answer; raise ADAPTER_IDEMPOTENCY__LEASE")
        self.events.emit(events.IDEMPOTENCY, claim.subject, "stored" if keep else "released")

    async def release(self, claim: Claim) -> None:
        """Give the key up (the request failed before any answer was made)."""
        try:
            await self.store.swap(claim.key, claim.record, None, 1)
        except StoreUnavailable:
            log.warning("idempotency key not released: the store failed; it expires after its lease")

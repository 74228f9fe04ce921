"""WS-Security nonces of the served SOAP contracts, shared by every instance through the store (Redis).

The served endpoint (:mod:`adapter.server.wsse`) refuses a UsernameToken whose nonce it has seen within the token's
lifetime (WSS UsernameToken Profile 1.1 §4); with one instance its own memory is enough, with many a nonce used on
one must be refused on the others. This class has the shape of ``adapter.server.wsse.NonceStore``; the store's
``claim`` (``SET NX`` with the token's expiry in Redis) is the whole check, atomic across instances.
"""

from __future__ import annotations

import hashlib
import time

from adapter.ops.store import Store


class SharedNonceStore:
    """Nonces under ``nonce:<hash of user and nonce>`` until their token expires."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def remember(self, user: str, nonce: bytes, expires_at: float) -> bool:
        """``True`` when ``nonce`` is new for ``user`` (and now kept until ``expires_at``, epoch seconds); ``False``
        when any instance has seen it. Raises :class:`adapter.exceptions.StoreUnavailable` when Redis does not
        answer: a token that cannot be checked is not accepted."""
        key = "nonce:" + hashlib.sha256(user.encode() + b"\x00" + nonce).hexdigest()
        return await self.store.claim(key, b"1", max(0.001, expires_at - time.time()))

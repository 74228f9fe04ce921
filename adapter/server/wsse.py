"""Inbound WS-Security: the UsernameToken of a served endpoint's callers (OASIS WSS Username Token Profile 1.1).

PasswordText and PasswordDigest (Base64(SHA-1(nonce + created + password)), profile §3.1) are accepted. A token's
``wsu:Created`` must lie within the replay window (and not more than a minute ahead), and its ``wsse:Nonce`` must not
have been seen within it (profile §4: "a nonce cache"). Checking is in two steps: :meth:`UsernameTokenGuard.verify`
(synchronous: the password, the times, the nonce's form) and :meth:`UsernameTokenGuard.admit` (the replay check, on
a :class:`NonceStore`, which may be shared between instances). Every failure is the same
:class:`AuthenticationFailed`: the caller learns nothing about which part was wrong; the log says.

The nonce is what the digest covers: its DECODED bytes. Replays are found on those (per user), never on the base64
text, which has several spellings of the same bytes unless its padding bits are held to zero; the text must be the
canonical one anyway (XML Schema part 2 §3.2.16 allows no other lexical form of base64Binary).

A PasswordText token without a Nonce is accepted, as HTTP Basic would be: it carries the password itself, so there
is nothing to replay that the password does not already grant. A Nonce it carries is remembered like any other.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from lxml import etree
from pydantic import SecretStr

from adapter.server.faults import WSSE, AuthenticationFailed

WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
PASSWORD_TEXT = f"{_PROFILE}#PasswordText"
PASSWORD_DIGEST = f"{_PROFILE}#PasswordDigest"
BASE64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
FUTURE_SKEW = 60.0  # seconds a Created may lie ahead of our clock
MAX_NONCE = 64  # decoded bytes; the profile's examples use 16, nobody needs 64
# XML Schema part 2 §3.2.16: base64Binary's canonical lexical form; the last group's unused bits must be zero.
_CANONICAL_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=|[A-Za-z0-9+/][AQgw]==)?")
_XML_SPACE = re.compile(r"[ \t\r\n]+")
log = logging.getLogger("adapter.server.wsse")


class NonceStore(Protocol):
    """Where the nonces of accepted tokens are kept until their tokens expire (in this process, or shared)."""

    async def remember(self, user: str, nonce: bytes, expires_at: float) -> bool:
        """``True`` when ``nonce`` is new for ``user`` and is now kept until ``expires_at`` (epoch seconds);
        ``False`` when it was seen before, or when ``user``'s share of the store is full."""
        ...


class MemoryNonceStore:
    """A :class:`NonceStore` in this process, bounded in bytes: ``max_bytes`` in all, ``max_user_bytes`` per user.

    A full share refuses new tokens of that user rather than forgetting live nonces (which would open the door to
    replays); other users keep their own share. Thread-safe; expired nonces are dropped on every call.
    """

    ENTRY_BYTES = 256  # what one entry costs besides the nonce itself: dict slot, bytes header, heap tuple, float

    def __init__(self, *, max_bytes: int, max_user_bytes: int, clock: Callable[[], float] = time.time) -> None:
        self.max_bytes = max_bytes
        self.max_user_bytes = max_user_bytes
        self.clock = clock
        self.used = 0
        self._seen: dict[str, dict[bytes, float]] = {}
        self._used_by: dict[str, int] = {}
        self._expiries: list[tuple[float, str, bytes]] = []
        self._lock = threading.Lock()

    async def remember(self, user: str, nonce: bytes, expires_at: float) -> bool:
        return self.add(user, nonce, expires_at)

    def add(self, user: str, nonce: bytes, expires_at: float) -> bool:
        """:meth:`remember`, synchronously."""
        cost = self.ENTRY_BYTES + len(nonce)
        with self._lock:
            self._forget_expired(self.clock())
            seen = self._seen.setdefault(user, {})
            if nonce in seen:
                return False
            used = self._used_by.get(user, 0)
            if used + cost > self.max_user_bytes or self.used + cost > self.max_bytes:
                log.warning(
                    "WS-Security nonce store full for %r (%d bytes, %d in all): token refused", user, used, self.used
                )
                return False
            seen[nonce] = expires_at
            self._used_by[user] = used + cost
            self.used += cost
            heapq.heappush(self._expiries, (expires_at, user, nonce))
            return True

    def _forget_expired(self, now: float) -> None:
        while self._expiries and self._expiries[0][0] <= now:
            _, user, nonce = heapq.heappop(self._expiries)
            del self._seen[user][nonce]
            cost = self.ENTRY_BYTES + len(nonce)
            self._used_by[user] -= cost
            self.used -= cost


@dataclass(frozen=True)
class Token:
    """A UsernameToken whose password checked out; its nonce is still to be admitted (replay)."""

    user: str
    nonce: bytes | None
    expires_at: float  # when the token stops being fresh: its nonce need not be kept longer


class UsernameTokenGuard:
    """Checks the UsernameToken of a request's SOAP Header against the configured users."""

    def __init__(
        self,
        users: Mapping[str, SecretStr],
        store: NonceStore,
        *,
        window: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.users = {name: secret.get_secret_value() for name, secret in users.items()}
        self.store = store
        self.window = window
        self.clock = clock

    def verify(self, header: etree._Element | None) -> Token:
        """The token in ``header``, its password checked; raises :class:`AuthenticationFailed`."""
        token = header.find(f"{{{WSSE}}}Security/{{{WSSE}}}UsernameToken") if header is not None else None
        if token is None:
            raise _refused("no wsse:Security header with a UsernameToken")
        user = (token.findtext(f"{{{WSSE}}}Username") or "").strip()
        secret = token.find(f"{{{WSSE}}}Password")
        created = token.findtext(f"{{{WSU}}}Created")
        nonce = _nonce(token.find(f"{{{WSSE}}}Nonce"), user)
        if secret is None:
            raise _refused(f"token of {user!r} has no password")
        kind = secret.get("Type", PASSWORD_TEXT)  # profile §3.1: PasswordText is the default
        if kind == PASSWORD_DIGEST and (created is None or nonce is None):
            raise _refused(f"digest token of {user!r} without Nonce and Created")
        moment = self._fresh(created.strip()) if created is not None else self.clock()
        if moment is None:
            raise _refused(f"token of {user!r} created outside the {self.window:g}s window: {created!r}")
        if not self._password_ok(user, kind, (secret.text or "").strip(), nonce, created):
            raise _refused(f"wrong user or password ({user!r}, {kind.rpartition('#')[2]})")
        return Token(user, nonce, moment + self.window)

    async def admit(self, token: Token) -> str:
        """The user of ``token`` once its nonce is known to be new; raises :class:`AuthenticationFailed`."""
        if token.nonce is not None and not await self.store.remember(token.user, token.nonce, token.expires_at):
            raise _refused(f"nonce of {token.user!r} replayed, or their nonce share is full")
        return token.user

    def _fresh(self, created: str) -> float | None:
        """The moment ``created`` names, when it lies within the window."""
        try:
            moment = datetime.fromisoformat(created)
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None  # WSS 1.1 §10: UTC, with its Z; a local time would make the window meaningless
        age = self.clock() - moment.timestamp()
        return moment.timestamp() if -FUTURE_SKEW <= age <= self.window else None

    def _password_ok(self, user: str, kind: str, given: str, nonce: bytes | None, created: str | None) -> bool:
        known = user in self.users
        password = self.users.get(user, "\x00unknown user")  # compare anyway: no timing hint about user names
        if kind == PASSWORD_TEXT:
            expected = password
        elif kind == PASSWORD_DIGEST:
            digest = hashlib.sha1((nonce or b"") + (created or "").strip().encode() + password.encode()).digest()
            expected = base64.b64encode(digest).decode("ascii")
        else:
            return False
        return hmac.compare_digest(given.encode(), expected.encode()) and known


def _nonce(element: etree._Element | None, user: str) -> bytes | None:
    """The decoded bytes of a ``wsse:Nonce``: canonical base64 (white space aside) of 1 to 64 bytes."""
    if element is None:
        return None
    if element.get("EncodingType", BASE64) != BASE64:
        raise _refused(f"nonce of {user!r} is not base64Binary")
    text = _XML_SPACE.sub("", element.text or "")  # base64Binary's whiteSpace is collapse, and #x20 may separate
    nonce = b""
    if 0 < len(text) <= 4 * -(-MAX_NONCE // 3) and _CANONICAL_BASE64.fullmatch(text):  # no decoding of a flood
        nonce = base64.b64decode(text, validate=True)
    if not 0 < len(nonce) <= MAX_NONCE:
        raise _refused(f"nonce of {user!r} is not canonical base64 of 1 to {MAX_NONCE} bytes")
    return nonce


def _refused(why: str) -> AuthenticationFailed:
    log.info("WS-Security authentication failed: %s", why)
    return AuthenticationFailed()


class ClientCertGate:
    """The caller's client-certificate identity, as the TLS terminator in front vouches for it."""

    def __init__(self, header: str, subjects: Iterable[str]) -> None:
        self.header = header
        self.subjects = frozenset(_dn(subject) for subject in subjects)

    def check(self, headers: Mapping[str, str]) -> str:
        subject = headers.get(self.header)
        if subject is None:
            raise _refused(f"no client certificate subject in {self.header}")
        if _dn(subject) not in self.subjects:
            raise _refused(f"client certificate subject {subject!r} is not allowed")
        return subject


def _dn(subject: str) -> str:
    """A comparable form of a subject DN: RDNs trimmed, attribute names upper-cased, ',' or '/' separated."""
    parts = [part.strip() for part in subject.replace("/", ",").split(",") if part.strip()]
    return ",".join(f"{name.strip().upper()}={value.strip()}" for name, _, value in (p.partition("=") for p in parts))

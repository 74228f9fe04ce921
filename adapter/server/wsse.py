"""Inbound WS-Security: the UsernameToken of a served endpoint's callers (OASIS WSS Username Token Profile 1.1).

PasswordText and PasswordDigest (Base64(SHA-1(nonce + created + password)), profile §3.1) are accepted. A token's
``wsu:Created`` must lie within the replay window (and not more than a minute ahead), and its ``wsse:Nonce`` must not
have been seen within it (profile §4: "a nonce cache"). The cache lives in this process, is bounded, and refuses
new tokens when full rather than forgetting live nonces. Every failure is the same :class:`AuthenticationFailed`:
the caller learns nothing about which part was wrong; the log says.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from lxml import etree
from pydantic import SecretStr

from adapter.server.faults import WSSE, AuthenticationFailed

WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
PASSWORD_TEXT = f"{_PROFILE}#PasswordText"
PASSWORD_DIGEST = f"{_PROFILE}#PasswordDigest"
FUTURE_SKEW = 60.0  # seconds a Created may lie ahead of our clock
log = logging.getLogger("adapter.server.wsse")


class NonceCache:
    """Nonces seen within the window, oldest first; thread-safe and bounded."""

    def __init__(self, window: float, capacity: int, clock: Callable[[], float]) -> None:
        self.window = window
        self.capacity = capacity
        self.clock = clock
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, user: str, nonce: str) -> bool:
        """Remember ``nonce`` for ``user``; ``False`` if it was seen within the window or the cache is full."""
        now = self.clock()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) <= now:
                self._seen.popitem(last=False)
            if (user, nonce) in self._seen:
                return False
            if len(self._seen) >= self.capacity:
                log.warning("WS-Security nonce cache full (%d live nonces): token refused", self.capacity)
                return False
            self._seen[(user, nonce)] = now + self.window
            return True


class UsernameTokenGuard:
    """Checks the UsernameToken of a request's SOAP Header against the configured users."""

    def __init__(
        self,
        users: Mapping[str, SecretStr],
        *,
        window: float = 300.0,
        capacity: int = 100_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.users = {name: secret.get_secret_value() for name, secret in users.items()}
        self.window = window
        self.clock = clock
        self.nonces = NonceCache(window, capacity, clock)

    def check(self, header: etree._Element | None) -> str:
        """The authenticated user name; raises :class:`AuthenticationFailed`."""
        token = header.find(f"{{{WSSE}}}Security/{{{WSSE}}}UsernameToken") if header is not None else None
        if token is None:
            raise _refused("no wsse:Security header with a UsernameToken")
        user = (token.findtext(f"{{{WSSE}}}Username") or "").strip()
        secret = token.find(f"{{{WSSE}}}Password")
        created = token.findtext(f"{{{WSU}}}Created")
        nonce = token.findtext(f"{{{WSSE}}}Nonce")
        if secret is None:
            raise _refused(f"token of {user!r} has no password")
        kind = secret.get("Type", PASSWORD_TEXT)  # profile §3.1: PasswordText is the default
        if kind == PASSWORD_DIGEST and (created is None or nonce is None):
            raise _refused(f"digest token of {user!r} without Nonce and Created")
        if created is not None and not self._fresh(created.strip()):
            raise _refused(f"token of {user!r} created outside the {self.window:g}s window: {created.strip()!r}")
        if not self._password_ok(user, kind, (secret.text or "").strip(), nonce, created):
            raise _refused(f"wrong user or password ({user!r}, {kind.rpartition('#')[2]})")
        if nonce is not None and not self.nonces.add(user, nonce.strip()):
            raise _refused(f"nonce of {user!r} replayed")
        return user

    def _fresh(self, created: str) -> bool:
        try:
            moment = datetime.fromisoformat(created)
        except ValueError:
            return False
        if moment.tzinfo is None:
            return False  # WSS 1.1 §10: UTC, with its Z; a local time would make the window meaningless
        age = self.clock() - moment.timestamp()
        return -FUTURE_SKEW <= age <= self.window

    def _password_ok(self, user: str, kind: str, given: str, nonce: str | None, created: str | None) -> bool:
        known = user in self.users
        password = self.users.get(user, "\x00unknown user")  # compare anyway: no timing hint about user names
        if kind == PASSWORD_TEXT:
            expected = password
        elif kind == PASSWORD_DIGEST:
            try:
                raw_nonce = base64.b64decode((nonce or "").strip(), validate=True)
            except (binascii.Error, ValueError):
                return False
            digest = hashlib.sha1(raw_nonce + (created or "").strip().encode() + password.encode()).digest()
            expected = base64.b64encode(digest).decode("ascii")
        else:
            return False
        return hmac.compare_digest(given.encode(), expected.encode()) and known


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

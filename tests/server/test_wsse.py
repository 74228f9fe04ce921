"""Inbound WS-Security UsernameToken: PasswordText and PasswordDigest, Created within the window, Nonce never twice."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from pydantic import SecretStr

from adapter.server.faults import AuthenticationFailed
from adapter.server.wsse import PASSWORD_DIGEST, WSSE, WSU, MemoryNonceStore, UsernameTokenGuard
from adapter.settings import Settings

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW.timestamp()

    def __call__(self) -> float:
        return self.now


def header(password: str, *, user: str = "demo", nonce: bytes | None = None, created: str | None = None,
           digest: bool = False) -> etree._Element:  # fmt: skip
    root = etree.Element("Header")
    token = etree.SubElement(etree.SubElement(root, f"{{{WSSE}}}Security"), f"{{{WSSE}}}UsernameToken")
    etree.SubElement(token, f"{{{WSSE}}}Username").text = user
    secret = etree.SubElement(token, f"{{{WSSE}}}Password")
    if digest:
        assert nonce is not None and created is not None
        secret.set("Type", PASSWORD_DIGEST)
        password = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()
    secret.text = password
    if nonce is not None:
        etree.SubElement(token, f"{{{WSSE}}}Nonce").text = base64.b64encode(nonce).decode()
    if created is not None:
        etree.SubElement(token, f"{{{WSU}}}Created").text = created
    return root


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def guard(clock: Clock) -> UsernameTokenGuard:
    store = MemoryNonceStore(max_bytes=1 << 20, max_user_bytes=1 << 16, clock=clock)
    return UsernameTokenGuard({"demo": SecretStr("demo-pass")}, store, window=300, clock=clock)


def check(guard: UsernameTokenGuard, header: etree._Element | None) -> str:
    """Both steps, as the endpoint takes them: the token verified, then its nonce admitted."""
    return asyncio.run(guard.admit(guard.verify(header)))


def stamp(delta: float = 0) -> str:
    return (NOW + timedelta(seconds=delta)).isoformat().replace("+00:00", "Z")


def test_password_text(guard: UsernameTokenGuard) -> None:
    assert check(guard, header("demo-pass")) == "demo"


def test_password_digest(guard: UsernameTokenGuard) -> None:
    assert check(guard, header("demo-pass", nonce=b"n-1", created=stamp(-10), digest=True)) == "demo"


@pytest.mark.parametrize(
    "bad",
    [
        lambda: None,
        lambda: etree.Element("Header"),
        lambda: header("wrong"),
        lambda: header("demo-pass", user="nobody"),
        lambda: etree.fromstring(f'<Header><wsse:Security xmlns:wsse="{WSSE}"/></Header>'),
        lambda: header("wrong", nonce=b"n-2", created=stamp(), digest=True),
        lambda: header("demo-pass", nonce=b"n-3", created=stamp(-301), digest=True),  # too old
        lambda: header("demo-pass", nonce=b"n-4", created=stamp(+61), digest=True),  # from the future
        lambda: header("demo-pass", nonce=b"n-5", created="2026-11-21T12:00:00", digest=True),  # no time zone
        lambda: header("demo-pass", created="yesterday"),
    ],
)
def test_refused(guard: UsernameTokenGuard, bad: object) -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        check(guard, bad())  # type: ignore[operator]
    assert caught.value.detail == "The security token could not be authenticated or authorized"


def test_digest_without_nonce_is_refused(guard: UsernameTokenGuard) -> None:
    token = header("demo-pass", nonce=b"n-6", created=stamp(), digest=True)
    nonce = token.find(f".//{{{WSSE}}}Nonce")
    nonce.getparent().remove(nonce)
    with pytest.raises(AuthenticationFailed):
        check(guard, token)


def test_a_nonce_is_accepted_once_within_the_window(guard: UsernameTokenGuard, clock: Clock) -> None:
    first = header("demo-pass", nonce=b"same", created=stamp(), digest=True)
    assert check(guard, first) == "demo"
    with pytest.raises(AuthenticationFailed):
        check(guard, first)  # replayed as is
    clock.now += 301
    with pytest.raises(AuthenticationFailed):
        check(guard, first)  # the nonce is forgotten, but its Created is too old now


def test_a_wrong_password_does_not_burn_the_nonce(guard: UsernameTokenGuard) -> None:
    with pytest.raises(AuthenticationFailed):
        check(guard, header("wrong", nonce=b"mine", created=stamp(), digest=True))
    assert check(guard, header("demo-pass", nonce=b"mine", created=stamp(), digest=True)) == "demo"


def test_nonce_store_expires_and_is_bounded(clock: Clock) -> None:
    entry = MemoryNonceStore.ENTRY_BYTES + 1
    store = MemoryNonceStore(max_bytes=10 * entry, max_user_bytes=2 * entry, clock=clock)
    later = clock.now + 10
    assert store.add("u", b"a", later) and store.add("u", b"b", later)
    assert not store.add("u", b"a", later)
    assert not store.add("u", b"c", later)  # u's share is full of live nonces: refused rather than forgetting one
    assert store.add("v", b"c", later)  # ... and only for u
    clock.now += 11
    assert store.add("u", b"a", clock.now + 10) and store.add("u", b"c", clock.now + 10)
    assert store.used == 2 * entry  # v's expired nonce was dropped as well


def test_users_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADAPTER_SOAP_USERS", '{"demo": "demo-pass"}')
    monkeypatch.setenv("ADAPTER_SOAP_REPLAY_WINDOW", "120")
    settings = Settings()
    assert settings.soap_users["demo"].get_secret_value() == "demo-pass"
    assert "demo-pass" not in repr(settings)
    assert settings.soap_replay_window == 120

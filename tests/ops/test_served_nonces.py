"""Two adapter instances serving the payment-order contract over one real Redis: a UsernameToken (digest, with its
nonce) accepted by instance A is a replay on instance B, and is refused there before the payments hub is called."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime

import httpx
from pydantic import SecretStr

from adapter.app import create_app
from adapter.demo.simulators import payments_hub
from adapter.testing import serve_asgi
from tests.conftest import project_settings
from tests.ops.conftest import RedisTarget
from tests.server.conftest import FACADE_ENV, PASSWORD, PATH, TNS, USER

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"


def digest_envelope(nonce: bytes, created: str) -> bytes:
    password = base64.b64encode(hashlib.sha1(nonce + created.encode() + PASSWORD.encode()).digest()).decode()
    return f"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"
    xmlns:po="{TNS}"><s:Header><wsse:Security><wsse:UsernameToken><wsse:Username>{USER}</wsse:Username>
    <wsse:Password Type="{DIGEST}">{password}</wsse:Password>
    <wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce><wsu:Created>{created}</wsu:Created>
    </wsse:UsernameToken></wsse:Security></s:Header>
    <s:Body><po:GetPaymentOrder><po:PaymentOrderId>PAY-000001</po:PaymentOrderId></po:GetPaymentOrder></s:Body>
    </s:Envelope>""".encode()


@contextmanager
def two_served_instances(target: RedisTarget) -> Iterator[tuple[str, str, list[str]]]:
    """Endpoints A and B (two apps, two ports, one Redis) over one payments hub; yields them and the hub's log of
    requests."""
    seen: list[str] = []
    hub = payments_hub.create_app(state=payments_hub.HubState())

    async def recording(scope: dict[str, object], receive: object, send: object) -> None:
        if scope["type"] == "http":
            seen.append(str(scope["path"]))
        await hub(scope, receive, send)  # type: ignore[arg-type]

    settings = project_settings(
        soap_users={USER: SecretStr(PASSWORD)}, redis_url=SecretStr(target.url), redis_prefix=target.prefix
    )
    with ExitStack() as stack:
        hub_url = stack.enter_context(serve_asgi(recording))
        env = {**FACADE_ENV, "PAYMENTS_HUB_URL": hub_url}
        a, b = (stack.enter_context(serve_asgi(create_app(settings, env=env))) + PATH for _ in range(2))
        yield a, b, seen


def test_a_token_accepted_on_a_is_a_replay_on_b(real_redis: RedisTarget) -> None:
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = digest_envelope(os.urandom(16), created)
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{TNS}/GetPaymentOrder"'}
    with two_served_instances(real_redis) as (a, b, seen), httpx.Client(timeout=30) as http:
        first = http.post(a, content=body, headers=headers)
        assert first.status_code == 200, first.text
        calls = len(seen)
        replayed = http.post(b, content=body, headers=headers)
        assert replayed.status_code == 500
        assert b"FailedAuthentication" in replayed.content
        assert len(seen) == calls, "the replay reached the payments hub"
        fresh = http.post(b, content=digest_envelope(os.urandom(16), created), headers=headers)
        assert fresh.status_code == 200, "B accepts a fresh token"
    assert any(key.startswith(real_redis.prefix.encode() + b"nonce:") for key in real_redis.keys())

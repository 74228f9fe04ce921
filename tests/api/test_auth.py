"""Who may call what: API keys, JWT bearer tokens, scopes per route; checked before any backend is contacted."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapter.api.auth import hash_key
from adapter.app import create_app
from adapter.demo.simulators import bank
from adapter.exceptions import ConfigError
from adapter.settings import ApiKey, AuthSettings, JwtSettings, Settings
from tests.api.problem import assert_problem
from tests.conftest import BANK_PASSWORD, BANK_USER, project_settings, running_stack

MAIN = "DE89370400440532013000"
SECRET = "a-shared-secret-for-tests-only-32b"
ISSUER, AUDIENCE = "https://idp.example.test/", "soap-adapter"


class Counting:
    """A WSGI wrapper that counts the calls reaching the backend."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app, self.calls = app, 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.calls += 1
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def auth_stack(rsa_key: rsa.RSAPrivateKey, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Counting]]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    jwks = tmp_path_factory.mktemp("jwks") / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}))
    auth = AuthSettings(
        api_keys=[
            ApiKey(name="reader", hash=hash_key("reader-key"), scopes=["accounts:read"]),
            ApiKey(name="all", hash=hash_key("all-key")),
        ],
        jwt=JwtSettings(issuer=ISSUER, audience=AUDIENCE, jwks_file=jwks, secret=SECRET),
    )
    counting = Counting(bank.create_app(username=BANK_USER, password=BANK_PASSWORD))
    with running_stack(bank_app=counting, settings=project_settings(auth=auth)) as stack:
        yield stack.url, counting


def token(key: Any = SECRET, algorithm: str = "HS256", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "app-1", "iat": now, "exp": now + 300, "scope": "accounts:read"}
    body.update(claims)
    headers = {"kid": "k1"} if algorithm == "RS256" else None
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm=algorithm, headers=headers)


def call(url: str, path: str = f"/v1/accounts/{MAIN}", method: str = "GET", **headers: str) -> httpx.Response:
    return httpx.request(method, url + path, headers=headers, json={} if method == "POST" else None, timeout=10)


def test_no_credentials_is_401_with_a_challenge_and_no_backend_call(auth_stack: tuple[str, Counting]) -> None:
    url, backend = auth_stack
    before = backend.calls
    response = call(url)
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith('Bearer realm="soap-adapter"')
    assert "X-API-Key" in response.headers["www-authenticate"]
    assert backend.calls == before


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({"X-API-Key": "wrong-key"}, "the API key is not valid"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "send an API key in X-API-Key or a bearer token in Authorization"),
        ({"Authorization": "Bearer not.a.jwt"}, "the bearer token is not valid"),
    ],
)
def test_bad_credentials_are_401(auth_stack: tuple[str, Counting], headers: dict[str, str], detail: str) -> None:
    assert assert_problem(call(auth_stack[0], **headers), 401, "unauthenticated")["detail"] == detail


def test_api_key_scopes(auth_stack: tuple[str, Counting]) -> None:
    url, backend = auth_stack
    assert call(url, **{"X-API-Key": "reader-key"}).status_code == 200
    before = backend.calls
    response = call(url, "/v1/transfers", "POST", **{"X-API-Key": "reader-key"})
    body = assert_problem(response, 403, "insufficient-scope")
    assert body["detail"] == "this route needs the scope(s): payments:write"
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert backend.calls == before, "a forbidden call must not reach the backend"
    assert call(url, "/v1/customers/100042", **{"X-API-Key": "all-key"}).status_code == 200


def test_valid_jwts(auth_stack: tuple[str, Counting], rsa_key: rsa.RSAPrivateKey) -> None:
    url = auth_stack[0]
    assert call(url, Authorization=f"Bearer {token()}").status_code == 200
    assert call(url, Authorization=f"Bearer {token(rsa_key, 'RS256')}").status_code == 200
    listed = token(scope=None, scp=["accounts:read", "payments:read"])  # Azure AD style list claim
    assert call(url, "/v1/transfers/TRF-000404", Authorization=f"Bearer {listed}").status_code == 404


@pytest.mark.parametrize(
    ("make", "detail"),
    [
        (lambda: token(exp=int(time.time()) - 120), "the bearer token has expired"),
        (lambda: token(aud="another-api"), "the bearer token is not valid"),
        (lambda: token(iss="https://evil.example/"), "the bearer token is not valid"),
        (lambda: token(key="another-secret-that-is-long-enough"), "the bearer token is not valid"),
        (lambda: token(sub=None), "the bearer token is not valid"),
    ],
    ids=["expired", "wrong-audience", "wrong-issuer", "forged-signature", "no-subject"],
)
def test_rejected_jwts(auth_stack: tuple[str, Counting], make: Callable[[], str], detail: str) -> None:
    response = call(auth_stack[0], Authorization=f"Bearer {make()}")
    assert assert_problem(response, 401, "unauthenticated")["detail"] == detail
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_forged_rs256_and_alg_none_are_refused(auth_stack: tuple[str, Counting]) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = token(other, "RS256")
    assert call(auth_stack[0], Authorization=f"Bearer {forged}").status_code == 401
    unsigned = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60}, None, algorithm="none"
    )
    assert call(auth_stack[0], Authorization=f"Bearer {unsigned}").status_code == 401


def test_jwt_without_the_scope_is_403(auth_stack: tuple[str, Counting]) -> None:
    response = call(auth_stack[0], "/v1/transfers/TRF-1", Authorization=f"Bearer {token()}")
    assert_problem(response, 403, "insufficient-scope")


def test_health_and_docs_are_public_by_default(auth_stack: tuple[str, Counting]) -> None:
    for path in ("/healthz", "/docs", "/openapi.json"):
        assert call(auth_stack[0], path).status_code == 200, path


def test_public_paths_are_configurable(tmp_path: Path) -> None:
    auth = AuthSettings(api_keys=[ApiKey(name="k", hash=hash_key("k"))], public_paths=[])
    with running_stack(settings=project_settings(auth=auth)) as stack:
        assert httpx.get(stack.url + "/healthz").status_code == 401
        assert httpx.get(stack.url + "/healthz", headers={"X-API-Key": "k"}).status_code == 200


def test_a_facade_without_credentials_does_not_start() -> None:
    with pytest.raises(ConfigError, match="no API key or JWT issuer is configured"):
        create_app(project_settings(auth=AuthSettings()), env={"BANK_USER": "u", "BANK_PASSWORD": "p"})
    open_settings = project_settings(auth=AuthSettings(required=False))
    assert create_app(open_settings, env={"BANK_USER": "u", "BANK_PASSWORD": "p"}) is not None
    assert isinstance(open_settings, Settings)

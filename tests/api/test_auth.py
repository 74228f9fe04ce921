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

from adapter.api.auth import ANONYMOUS, hash_key
from adapter.app import create_app
from adapter.demo.simulators import bank
from adapter.exceptions import ConfigError, Forbidden
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


def test_a_kid_not_in_the_jwks_file_is_401_without_a_traceback(
    auth_stack: tuple[str, Counting], rsa_key: rsa.RSAPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "app-1", "exp": now + 300, "scope": "accounts:read"}
    unknown = jwt.encode(claims, rsa_key, algorithm="RS256", headers={"kid": "rotated-away"})
    with caplog.at_level("INFO"):
        response = call(auth_stack[0], Authorization=f"Bearer {unknown}")
    assert assert_problem(response, 401, "unauthenticated")["detail"] == "the bearer token is not valid"
    assert not [record for record in caplog.records if record.exc_info or record.levelname == "ERROR"]
    assert any("rotated-away" in record.getMessage() for record in caplog.records), "the log says which check failed"


@pytest.mark.parametrize(
    "scope", [5, {"accounts:read": True}, [1, 2], None], ids=["number", "object", "numbers", "null"]
)
def test_a_signed_token_with_a_malformed_scope_claim_is_401(
    auth_stack: tuple[str, Counting], scope: Any, caplog: pytest.LogCaptureFixture
) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "app-1", "exp": now + 300, "scope": scope}
    response = call(auth_stack[0], Authorization=f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}")
    assert assert_problem(response, 401, "unauthenticated")["detail"] == "the bearer token is not valid"
    assert not [record for record in caplog.records if record.exc_info or record.levelname == "ERROR"]


def test_a_signed_token_with_a_numeric_subject_is_401(auth_stack: tuple[str, Counting]) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": 42, "exp": now + 300, "scope": "accounts:read"}
    response = call(auth_stack[0], Authorization=f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}")
    assert_problem(response, 401, "unauthenticated")


def test_jwt_without_the_scope_is_403(auth_stack: tuple[str, Counting]) -> None:
    response = call(auth_stack[0], "/v1/transfers/TRF-1", Authorization=f"Bearer {token()}")
    assert_problem(response, 403, "insufficient-scope")


DOC_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json", "/docs/assets/swagger-ui-bundle.js")


def test_health_and_every_documentation_path_are_public_by_default(auth_stack: tuple[str, Counting]) -> None:
    for path in ("/healthz", *DOC_PATHS):
        assert call(auth_stack[0], path).status_code == 200, path


@pytest.mark.parametrize(("docs", "anonymous", "with_key"), [("protected", 401, 200), ("off", 401, 404)])
def test_one_setting_for_every_documentation_path(docs: str, anonymous: int, with_key: int) -> None:
    settings = project_settings(docs=docs)
    with running_stack(settings=settings) as stack:
        for path in DOC_PATHS:
            assert httpx.get(stack.url + path).status_code == anonymous, path
            assert stack.client.get(path).status_code == with_key, path
        assert httpx.get(stack.url + "/healthz").status_code == 200


def test_a_documentation_path_listed_as_public_is_refused() -> None:
    auth = AuthSettings(api_keys=[ApiKey(name="k", hash=hash_key("k"))], public_paths=["/healthz", "/redoc"])
    with pytest.raises(ConfigError, match=r"lists /redoc: documentation paths follow ADAPTER_DOCS"):
        create_app(project_settings(auth=auth, docs="protected"), env={"BANK_USER": "u", "BANK_PASSWORD": "p"})


def test_public_paths_are_configurable(tmp_path: Path) -> None:
    auth = AuthSettings(api_keys=[ApiKey(name="k", hash=hash_key("k"))], public_paths=[])
    with running_stack(settings=project_settings(auth=auth)) as stack:
        assert httpx.get(stack.url + "/healthz").status_code == 401
        assert httpx.get(stack.url + "/healthz", headers={"X-API-Key": "k"}).status_code == 200


@pytest.mark.parametrize("public", [f"/v1/accounts/{MAIN}/balance", "/v1/accounts/{iban}/balance"])
def test_a_public_path_that_is_a_route_with_scopes_is_refused_at_start_up(public: str) -> None:
    auth = AuthSettings(api_keys=[ApiKey(name="k", hash=hash_key("k"))], public_paths=["/healthz", public])
    with pytest.raises(ConfigError) as refused:
        create_app(project_settings(auth=auth), env={"BANK_USER": "u", "BANK_PASSWORD": "p"})
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"ADAPTER_AUTH__PUBLIC_PATHS lists {public}, but GET /v1/accounts/{{iban}}/balance")
    assert "needs the scope(s) accounts:read" in message


def test_the_caller_of_a_public_path_has_no_scope() -> None:
    with pytest.raises(Forbidden):
        ANONYMOUS.require(["accounts:read"])
    ANONYMOUS.require([])  # a route without scopes may be public


def test_a_facade_without_credentials_does_not_start() -> None:
    with pytest.raises(ConfigError, match="no API key or JWT issuer is configured"):
        create_app(project_settings(auth=AuthSettings()), env={"BANK_USER": "u", "BANK_PASSWORD": "p"})
    open_settings = project_settings(auth=AuthSettings(required=False))
    assert create_app(open_settings, env={"BANK_USER": "u", "BANK_PASSWORD": "p"}) is not None
    assert isinstance(open_settings, Settings)

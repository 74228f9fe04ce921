"""TLS towards a backend, through the real facade: the bank simulator behind HTTPS on 127.0.0.1, with a CA, server
and client certificates made at test time. Verification is on by default; mutual TLS works with the client
certificate and fails without it."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter.demo.simulators import bank
from tests import pki
from tests.api.backends import bank_project, serve_wsgi_tls
from tests.api.problem import assert_problem
from tests.conftest import BANK_PASSWORD, BANK_USER, running_stack

MAIN = "DE89370400440532013000"
TOKEN = {"username": "${BANK_USER}", "password": "${BANK_PASSWORD}"}


@dataclass
class Pki:
    ca: pki.Authority
    server: pki.Issued
    client: pki.Issued


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    ca = pki.Authority(tmp_path_factory.mktemp("pki"))
    return Pki(ca=ca, server=ca.issue("server", server=True), client=ca.issue("client", server=False))


def server_context(certs: Pki, *, require_client_cert: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.server.cert, certs.server.key)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=certs.ca.bundle)
    return context


@pytest.fixture(scope="module")
def https_bank(certs: Pki) -> Iterator[str]:
    app = bank.create_app(username=BANK_USER, password=BANK_PASSWORD)
    with serve_wsgi_tls(app, server_context(certs, require_client_cert=False)) as url:
        yield f"{url}/corebanking"


@pytest.fixture(scope="module")
def mtls_bank(certs: Pki) -> Iterator[str]:
    app = bank.create_app(username=BANK_USER, password=BANK_PASSWORD)
    with serve_wsgi_tls(app, server_context(certs, require_client_cert=True)) as url:
        yield f"{url}/corebanking"


def balance(folder: Path, url: str, tls: dict[str, Any] | None, env: dict[str, str] | None = None) -> httpx.Response:
    """GET a balance through a facade whose bank backend is ``url`` with ``tls``."""
    backend: dict[str, Any] = {"url": "${BANK_URL}", "security": {"username_token": TOKEN}}
    if tls is not None:
        backend["tls"] = tls
    settings = bank_project(folder, backend)
    with running_stack(env={"BANK_URL": url, **(env or {})}, settings=settings) as stack:
        return stack.client.get(f"/v1/accounts/{MAIN}/balance")


def test_ca_bundle_makes_the_backend_trusted(tmp_path: Path, certs: Pki, https_bank: str) -> None:
    response = balance(tmp_path, https_bank, {"ca_bundle": "${BANK_CA}"}, {"BANK_CA": str(certs.ca.bundle)})
    assert response.status_code == 200, response.text
    assert response.json()["booked"] == {"amount": "1250.50", "currency": "EUR"}


def test_untrusted_backend_is_502_as_verification_is_on_by_default(tmp_path: Path, https_bank: str) -> None:
    response = balance(tmp_path, https_bank, None)
    body = assert_problem(response, 502, "backend-unavailable")
    assert "certificate" not in body["detail"].lower()  # the caller learns nothing about our PKI


def test_mutual_tls_with_the_client_certificate(tmp_path: Path, certs: Pki, mtls_bank: str) -> None:
    tls = {"ca_bundle": str(certs.ca.bundle), "client_cert": "${BANK_CERT}", "client_key": "${BANK_KEY}"}
    env = {"BANK_CERT": str(certs.client.cert), "BANK_KEY": str(certs.client.key)}
    response = balance(tmp_path, mtls_bank, tls, env)
    assert response.status_code == 200, response.text


def test_mutual_tls_without_a_client_certificate_is_502(tmp_path: Path, certs: Pki, mtls_bank: str) -> None:
    response = balance(tmp_path, mtls_bank, {"ca_bundle": str(certs.ca.bundle)})
    assert_problem(response, 502, "backend-unavailable")

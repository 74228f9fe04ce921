"""TLS set-up towards a backend: verification on by default, files read at start-up, problems located in the mapping.
(The handshakes themselves are tested through the facade in tests/api/test_backend_tls.py.)"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

import pytest

from adapter.exceptions import MappingErrors
from adapter.mapping.loader import parse_mapping
from adapter.mapping.model import BackendTls
from adapter.outbound.tls import client_tls
from adapter.project import load_binding
from tests import pki

ROOT = Path(__file__).resolve().parents[2]


def mapping(folder: Path, tls: str) -> Path:
    """A bank mapping (no routes) whose ``backend.tls`` is ``tls``; it starts on line 6."""
    head = "version: 1\ncontract:\n  wsdl: bank/core_banking.wsdl\nbackend:\n  url: https://127.0.0.1:1/x\n  tls:\n"
    lines = "".join(f"    {line}\n" for line in tls.strip().splitlines())
    file = folder / "m.yaml"
    file.write_text(head + lines + "routes: []\n")
    return file


def problems(file: Path) -> list[str]:
    with pytest.raises(MappingErrors) as caught:
        load_binding(file, ROOT / "wsdl", {})
    return [error.detail.replace(str(file), "m.yaml") for error in caught.value.errors]


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> pki.Authority:
    return pki.Authority(tmp_path_factory.mktemp("pki"))


def test_without_tls_section_httpx_verifies_with_its_defaults() -> None:
    assert client_tls(None, file="m.yaml") is True


def test_ca_bundle_and_client_certificate_make_a_verifying_context(ca: pki.Authority) -> None:
    client = ca.issue("client", server=False)
    spec = BackendTls(ca_bundle=str(ca.bundle), client_cert=str(client.cert), client_key=str(client.key))
    context = client_tls(spec, file="m.yaml")
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert [cert["subject"] for cert in context.get_ca_certs()] == [((("commonName", "Test CA"),),)]


def test_verify_false_is_explicit_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="adapter.soap"):
        context = client_tls(BackendTls(verify=False), file="m.yaml")
    assert isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_NONE
    [record] = caplog.records
    assert "m.yaml" in record.getMessage() and "verification" in record.getMessage()


def test_a_bundle_without_certificates_is_located(tmp_path: Path, ca: pki.Authority) -> None:
    (tmp_path / "empty.pem").write_text("-----BEGIN NOTHING-----\n-----END NOTHING-----\n")
    found = problems(mapping(tmp_path, f"ca_bundle: {tmp_path / 'empty.pem'}"))
    assert found == [f"m.yaml:7:16: {tmp_path / 'empty.pem'} holds no CA certificate (backend.tls.ca_bundle)"]


def test_missing_client_certificate_file_is_located(tmp_path: Path) -> None:
    found = problems(mapping(tmp_path, "client_cert: ${CERT:-/nonexistent/client.crt}"))
    assert found == ["m.yaml:7:18: no such file: /nonexistent/client.crt (backend.tls.client_cert)"]


def test_encrypted_client_key_fails_at_once(tmp_path: Path, ca: pki.Authority) -> None:
    # OpenSSL would prompt on the terminal for the password and hang the start-up; we must fail instead.
    signer = pki.signer(tmp_path, password=b"secret")
    found = problems(mapping(tmp_path, f"client_cert: {signer.cert}\nclient_key: {signer.key}"))
    assert found == [
        "m.yaml:8:17: the client key is encrypted; give it unencrypted (file permissions) (backend.tls.client_key)"
    ]


def test_client_key_of_another_certificate_is_refused(tmp_path: Path, ca: pki.Authority) -> None:
    client, other = ca.issue("client", server=False), ca.issue("other", server=False)
    found = problems(mapping(tmp_path, f"client_cert: {client.cert}\nclient_key: {other.key}"))
    assert len(found) == 1 and found[0].startswith("m.yaml:8:17: no client certificate with its private key")


@pytest.mark.parametrize(
    ("tls", "expected"),
    [
        ("client_key: /k.pem", "m.yaml:7:5: client_key needs client_cert (backend.tls)"),
        ("ca_bundle: /ca.pem\nverify: false", "m.yaml:7:5: ca_bundle has no use with verify: false (backend.tls)"),
        (
            "ca_bundel: /ca.pem",
            "m.yaml:7:5: unknown key 'ca_bundel'; did you mean 'ca_bundle'? (backend.tls.ca_bundel)",
        ),
        ("client_key: '-----BEGIN PRIVATE KEY-----'\nclient_cert: c.pem", "m.yaml:7:17: client_key is the path"),
    ],
)
def test_tls_section_mistakes_are_located(tmp_path: Path, tls: str, expected: str) -> None:
    file = mapping(tmp_path, tls)
    with pytest.raises(MappingErrors) as caught:
        parse_mapping(file.read_text(), "m.yaml", {})
    assert [error.detail for error in caught.value.errors if error.detail.startswith(expected)], caught.value.errors

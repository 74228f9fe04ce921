"""Outbound WS-Security through the real facade to the bank simulator on loopback.

A UsernameToken with PasswordDigest and a Timestamp is accepted by the simulator (which checks the digest); a signed
request carries Timestamp, UsernameToken, BinarySecurityToken and Signature in that order, and its signature verifies
with the certificate (checked here with xmlsec directly, not with the code that signed) over the Body and the
Timestamp. Keys and certificates are made at test time. No password or key reaches a log or a response.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from xmlsec import constants

from adapter.demo.simulators import bank
from tests import pki
from tests.api.backends import Recorder, bank_project
from tests.conftest import BANK_PASSWORD, BANK_USER, running_stack

MAIN = "DE89370400440532013000"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
WSU_ID = f"{{{WSU}}}Id"
KEY_PASSWORD = "signing-key-pass-7d1f"
TOKEN = {"username": "${BANK_USER}", "password": "${BANK_PASSWORD}"}


@contextmanager
def collected_logs() -> Iterator[list[str]]:
    """Every log record of every logger, at DEBUG, formatted with its arguments."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    root = logging.getLogger()
    handler, level = Collect(logging.DEBUG), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def security_header(envelope: etree._Element) -> etree._Element:
    security = envelope.find(f"{{{SOAP}}}Header/{{{WSSE}}}Security")
    assert security is not None
    return security


def names(security: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in security]


def test_password_digest_and_timestamp_are_accepted_by_the_bank(tmp_path: Path) -> None:
    backend = {"url": "${BANK_URL}", "security": {"username_token": {**TOKEN, "digest": True, "ttl": 120}}}
    recorder = Recorder(bank.create_app(username=BANK_USER, password=BANK_PASSWORD))
    with collected_logs() as logs, running_stack(bank_app=recorder, settings=bank_project(tmp_path, backend)) as stack:
        response = stack.client.get(f"/v1/accounts/{MAIN}/balance")
    assert response.status_code == 200, response.text  # the simulator recomputed the digest and let us in
    envelope = etree.fromstring(recorder.bodies[-1])
    security = security_header(envelope)
    assert names(security) == ["Timestamp", "UsernameToken"]
    stamp, token = security
    created = datetime.fromisoformat(stamp.findtext(f"{{{WSU}}}Created") or "")
    expires = datetime.fromisoformat(stamp.findtext(f"{{{WSU}}}Expires") or "")
    assert expires - created == timedelta(seconds=120)
    assert abs(datetime.now(UTC) - created) < timedelta(seconds=30)
    password = token.find(f"{{{WSSE}}}Password")
    assert password is not None and (password.get("Type") or "").endswith("#PasswordDigest")
    assert token.findtext(f"{{{WSSE}}}Nonce") and token.findtext(f"{{{WSU}}}Created")
    assert BANK_PASSWORD.encode() not in recorder.bodies[-1]
    assert not [line for line in logs if BANK_PASSWORD in line]


@dataclass
class Signed:
    """One signed call through the facade, as the bank received it."""

    envelope: bytes
    signer: pki.Issued
    other: pki.Issued
    logs: list[str]
    reply: str


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    keys = tmp_path_factory.mktemp("keys")
    issued = pki.signer(keys, password=KEY_PASSWORD.encode())
    signature = {"key_file": "${BANK_SIGNING_KEY}", "cert_file": str(issued.cert), "key_password": "${BANK_KEY_PASS}"}
    backend = {"url": "${BANK_URL}", "security": {"username_token": TOKEN, "signature": signature}}
    settings = bank_project(tmp_path_factory.mktemp("mappings"), backend)
    env = {"BANK_SIGNING_KEY": str(issued.key), "BANK_KEY_PASS": KEY_PASSWORD}
    recorder = Recorder(bank.create_app(username=BANK_USER, password=BANK_PASSWORD))
    with collected_logs() as logs, running_stack(bank_app=recorder, env=env, settings=settings) as stack:
        response = stack.client.get(f"/v1/accounts/{MAIN}/balance")
        assert response.status_code == 200, response.text
    other = pki.signer(keys, stem="other")
    return Signed(envelope=recorder.bodies[-1], signer=issued, other=other, logs=logs, reply=response.text)


def verify(envelope: etree._Element, cert: Path) -> set[str]:
    """Verify the envelope's ds:Signature with ``cert``; the local names of the elements its references cover."""
    signature = envelope.find(f".//{{{DS}}}Signature")
    assert signature is not None
    context = xmlsec.SignatureContext()
    for node in envelope.iter():
        if node.get(WSU_ID):
            context.register_id(node, "Id", WSU)  # wsu:Id is no ID attribute to libxml2 without a DTD
    context.key = xmlsec.Key.from_file(str(cert), constants.KeyDataFormatCertPem)
    context.verify(signature)
    uris = {uri.lstrip("#") for uri in signature.xpath("ds:SignedInfo/ds:Reference/@URI", namespaces={"ds": DS})}
    return {etree.QName(node).localname for node in envelope.iter() if node.get(WSU_ID) in uris}


def test_signed_request_has_the_wss_header_order(signed: Signed) -> None:
    security = security_header(etree.fromstring(signed.envelope))
    assert names(security) == ["Timestamp", "UsernameToken", "BinarySecurityToken", "Signature"]
    token = security.find(f"{{{WSSE}}}BinarySecurityToken")
    assert token is not None and token.text
    cert = x509.load_pem_x509_certificate(signed.signer.cert.read_bytes())
    assert base64.b64decode(token.text) == cert.public_bytes(Encoding.DER)


def test_signature_verifies_with_the_certificate_and_covers_body_and_timestamp(signed: Signed) -> None:
    envelope = etree.fromstring(signed.envelope)
    assert verify(envelope, signed.signer.cert) == {"Body", "Timestamp"}
    info = envelope.find(f".//{{{DS}}}SignedInfo")
    assert info is not None
    algorithms = {node.get("Algorithm") for node in info.iter(f"{{{DS}}}SignatureMethod", f"{{{DS}}}DigestMethod")}
    assert algorithms == {constants.TransformRsaSha256.href, constants.TransformSha256.href}


def test_signature_fails_with_another_certificate(signed: Signed) -> None:
    with pytest.raises(xmlsec.Error):
        verify(etree.fromstring(signed.envelope), signed.other.cert)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (f"{{{SOAP}}}Body//{{http://example.com/bank/corebanking/v1}}IBAN", "DE02120300000000202051"),
        (f"{{{SOAP}}}Header//{{{WSU}}}Expires", "2099-01-01T00:00:00Z"),
    ],
    ids=["body", "timestamp"],
)
def test_tampering_breaks_the_signature(signed: Signed, path: str, value: str) -> None:
    envelope = etree.fromstring(signed.envelope)
    node = envelope.find(path)
    assert node is not None, etree.tostring(envelope)
    node.text = value
    with pytest.raises(xmlsec.Error):
        verify(envelope, signed.signer.cert)


def test_no_password_or_key_leaks(signed: Signed) -> None:
    key_body = signed.signer.key.read_text().splitlines()[1]  # a line of base64 from inside the PEM
    for secret in (KEY_PASSWORD, key_body):
        assert secret not in signed.envelope.decode()
    for secret in (KEY_PASSWORD, key_body, BANK_PASSWORD):  # PasswordText: the bank, and only the bank, sees it
        assert secret not in signed.reply
        assert not [line for line in signed.logs if secret in line]
    assert signed.logs, "the log collector saw nothing: the leak check would prove nothing"

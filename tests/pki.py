"""Certificates and keys made at test time with ``cryptography``: a CA, a server for 127.0.0.1, a client, a signer.

Nothing here is committed: every test run writes fresh PEM files under its own ``tmp_path``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class Issued:
    """A certificate and its key, as PEM files."""

    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: str, issuer: x509.Name, key: PrivateKey) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
    )


def _write(folder: Path, stem: str, cert: x509.Certificate, key: PrivateKey, password: bytes | None) -> Issued:
    folder.mkdir(parents=True, exist_ok=True)
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    (folder / f"{stem}.key").write_bytes(key_pem)
    (folder / f"{stem}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Issued(cert=folder / f"{stem}.crt", key=folder / f"{stem}.key")


class Authority:
    """A throw-away certificate authority writing into ``folder``."""

    def __init__(self, folder: Path, name: str = "Test CA") -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = _name(name)
        constraints = x509.BasicConstraints(ca=True, path_length=0)
        usage = x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        )
        builder = _builder(name, self.name, self.key).add_extension(constraints, critical=True)
        self.cert = builder.add_extension(usage, critical=True).sign(self.key, hashes.SHA256())
        folder.mkdir(parents=True, exist_ok=True)
        self.bundle = folder / f"{name.replace(' ', '-').lower()}.crt"
        self.bundle.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, stem: str, *, server: bool) -> Issued:
        """A leaf certificate: for the server at 127.0.0.1, or for a client (mutual TLS)."""
        key = ec.generate_private_key(ec.SECP256R1())
        purpose = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = _builder(stem, self.name, key).add_extension(x509.ExtendedKeyUsage([purpose]), critical=False)
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        if server:
            alt = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
            builder = builder.add_extension(alt, critical=False)
        return _write(self.folder, stem, builder.sign(self.key, hashes.SHA256()), key, None)


def signer(folder: Path, *, password: bytes | None = None, stem: str = "signer") -> Issued:
    """A self-signed RSA certificate for WS-Security signatures, its key encrypted with ``password`` if given."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _builder(stem, _name(stem), key).sign(key, hashes.SHA256())
    return _write(folder, stem, cert, key, password)

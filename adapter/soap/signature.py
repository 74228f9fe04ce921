"""X.509 signatures of outbound requests (OASIS WSS 1.1 X.509 Token Profile), with zeep's xmlsec-based signer.

The signature covers the Body and the wsu:Timestamp, each by wsu:Id reference, with exclusive C14N, RSA-SHA256 and
SHA-256 digests (zeep defaults to SHA-1, which XML Signature 1.1 discourages). The certificate travels as a
BinarySecurityToken. The key and certificate are read, and a probe envelope signed and verified, at start-up.
"""

from __future__ import annotations

from typing import Any

import xmlsec
from lxml import etree
from xmlsec import constants
from zeep import ns
from zeep.exceptions import SignatureVerificationFailed
from zeep.wsse.signature import BinarySignature, MemorySignature
from zeep.wsse.utils import get_security_header

from adapter.exceptions import MappingError
from adapter.mapping.model import X509Signature
from adapter.outbound.pem import read_pem

_FIELD = "backend.security.signature"
_SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


class Signer(BinarySignature):
    """zeep's BinarySignature with SHA-256, a key already in memory, and the signature last in the header.

    zeep inserts the ds:Signature and the BinarySecurityToken first in wsse:Security; they are moved after the
    Timestamp and the UsernameToken: WS-SecurityPolicy's Strict layout (a token is declared before its use).
    Moving them after signing is safe: neither is covered by the signature, and their parent stays the same.
    """

    def __init__(self, key: bytes, cert: bytes, password: str) -> None:
        # BinarySignature.__init__ would read the files again; MemorySignature's takes their contents.
        MemorySignature.__init__(self, key, cert, password, constants.TransformRsaSha256, constants.TransformSha256)

    def apply(self, envelope: etree._Element, headers: dict[str, str]) -> tuple[etree._Element, dict[str, str]]:
        envelope, headers = super().apply(envelope, headers)
        security = get_security_header(envelope)
        for tag in (f"{{{ns.WSSE}}}BinarySecurityToken", f"{{{ns.DS}}}Signature"):
            node = security.find(tag)
            if node is not None:
                security.append(node)
        return envelope, headers

    def verify(self, envelope: etree._Element) -> etree._Element:
        return envelope  # outbound only: zeep's verify would check replies against our own certificate


def signer(spec: X509Signature, timestamp: Any) -> Signer:
    """The signer for ``spec``, checked by signing and verifying a probe envelope stamped by ``timestamp``.

    Raises :class:`MappingError` naming the field at fault (the caller adds file and line).
    """
    key = read_pem(spec.key_file, f"{_FIELD}.key_file")
    cert = read_pem(spec.cert_file, f"{_FIELD}.cert_file")
    # An empty password, never None: with None, OpenSSL prompts on the terminal for an encrypted key.
    password = spec.key_password.get_secret_value() if spec.key_password is not None else ""
    try:
        loaded = xmlsec.Key.from_memory(key, constants.KeyDataFormatPem, password)
    except xmlsec.Error:
        message = "cannot load the private key (encrypted without key_password, a wrong key_password, or no key)"
        raise MappingError(message, field=f"{_FIELD}.key_file") from None
    try:
        loaded.load_cert_from_memory(cert, constants.KeyDataFormatPem)
    except xmlsec.Error:
        raise MappingError("cannot load the certificate", field=f"{_FIELD}.cert_file") from None
    plugin = Signer(key, cert, password)
    _probe(plugin, timestamp)
    return plugin


def _probe(plugin: Signer, timestamp: Any) -> None:
    envelope = etree.Element(f"{{{_SOAP11_ENV}}}Envelope", nsmap={"soap-env": _SOAP11_ENV})
    etree.SubElement(envelope, f"{{{_SOAP11_ENV}}}Body")
    timestamp.apply(envelope, {})
    try:
        plugin.apply(envelope, {})
    except xmlsec.Error:
        raise MappingError("cannot sign with this key (an RSA key is needed)", field=f"{_FIELD}.key_file") from None
    try:
        MemorySignature.verify(plugin, envelope)  # zeep's own check, with the certificate the backend will use
    except (xmlsec.Error, SignatureVerificationFailed):
        raise MappingError("the certificate is not the one of key_file", field=f"{_FIELD}.cert_file") from None

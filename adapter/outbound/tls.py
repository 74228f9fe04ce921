"""TLS towards a backend, from its mapping's ``backend.tls``: whom to trust, which client certificate to show.

The result is what :class:`adapter.outbound.client.HttpClient` takes as ``tls``: an :class:`ssl.SSLContext`, or
``True`` for the defaults (public CAs, hostname checked, TLS 1.2 or later). Files are read at start-up, so a wrong
path stops the adapter before the first call.
"""

from __future__ import annotations

import logging
import ssl

import certifi

from adapter.exceptions import MappingError
from adapter.mapping.model import BackendTls
from adapter.outbound.pem import pem_path

log = logging.getLogger("adapter.soap")  # the logger operators already filter on
_FIELD = "backend.tls"


def client_tls(spec: BackendTls | None, *, file: str) -> ssl.SSLContext | bool:
    """The TLS set-up towards a backend. Raises :class:`MappingError` naming the field (not yet located)."""
    if spec is None:
        return True
    if not spec.verify:
        log.warning("%s: TLS certificate verification towards the backend is OFF (backend.tls.verify: false)", file)
        context = ssl.create_default_context(cafile=certifi.where())
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif spec.ca_bundle:
        context = _trusting(spec.ca_bundle)
    else:
        context = ssl.create_default_context(cafile=certifi.where())  # public CAs, as browsers and httpx trust
    if spec.client_cert:
        _load_client_cert(context, spec.client_cert, spec.client_key)
    return context


def _trusting(bundle: str) -> ssl.SSLContext:
    cafile = pem_path(bundle, f"{_FIELD}.ca_bundle")
    try:
        return ssl.create_default_context(cafile=str(cafile))  # only these CAs; hostname checked, TLS >= 1.2
    except ssl.SSLError:
        raise MappingError(f"{bundle} holds no CA certificate", field=f"{_FIELD}.ca_bundle") from None


def _load_client_cert(context: ssl.SSLContext, cert: str, key: str | None) -> None:
    certfile = pem_path(cert, f"{_FIELD}.client_cert")
    keyfile = pem_path(key, f"{_FIELD}.client_key") if key else None
    field = f"{_FIELD}.client_key" if key else f"{_FIELD}.client_cert"
    try:
        context.load_cert_chain(certfile, keyfile, password=_no_password)
    except _EncryptedKey:
        raise MappingError("the client key is encrypted; give it unencrypted (file permissions)", field=field) from None
    except ssl.SSLError:
        raise MappingError("no client certificate with its private key, or they do not match", field=field) from None


class _EncryptedKey(Exception):
    pass


def _no_password() -> str:
    # Without a callback, OpenSSL would prompt on the terminal for an encrypted key and the start-up would hang.
    raise _EncryptedKey

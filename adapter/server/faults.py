"""The SOAP fault builder: with :mod:`adapter.api.problems`, one of the two places where errors are rendered.

An :class:`AdapterError` becomes a SOAP 1.1 Fault (SOAP 1.1 §4.4) or a SOAP 1.2 Fault (SOAP 1.2 part 1 §5.4) with
the class's ``soap_fault_code``. A fault never carries internals: a Client (Sender) fault says what was wrong with
the request, a declared fault carries its detail element and the backend's cleaned reason, and every Server
(Receiver) fault says only what kind of failure it was (its title).
"""

from __future__ import annotations

from lxml import etree

from adapter import xml
from adapter.exceptions import (
    AdapterError,
    DeclaredFault,
    PayloadTooLarge,
    RequestError,
    UnsupportedMediaType,
)
from adapter.mapping.errors import safe_message

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ENVELOPES = {"1.1": SOAP11_ENV, "1.2": SOAP12_ENV}
MEDIA_TYPES = {"1.1": "text/xml; charset=utf-8", "1.2": "application/soap+xml; charset=utf-8"}

# Fault code prefixes other than the envelope's own (WSS SOAP Message Security 1.1 §12: wsse:FailedAuthentication).
_PREFIXES = {"wsse": WSSE}
# SOAP 1.2 part 1 §5.4.6 renamed the SOAP 1.1 codes.
_SOAP12_CODES = {"Client": "Sender", "Server": "Receiver"}


class VersionMismatch(RequestError):
    """The envelope's namespace is not a SOAP version this endpoint speaks (SOAP 1.1 §4.4.1, 1.2 part 1 §5.4.6)."""

    soap_fault_code = "VersionMismatch"
    title = "SOAP version mismatch"


class MustUnderstand(RequestError):
    """A header block marked ``mustUnderstand`` that this endpoint does not process."""

    soap_fault_code = "MustUnderstand"
    title = "Header not understood"


class MethodNotAllowed(RequestError):
    http_status = 405
    title = "Method not allowed"


class ServiceBusy(AdapterError):
    """No worker thread freed up in time for a large message: a Server fault the caller may retry."""

    http_status = 503
    title = "Service busy"
    retriable = True


class AuthenticationFailed(RequestError):
    """WS-Security: no token, or one that does not check out. The reason never says which."""

    http_status = 401
    soap_fault_code = "wsse:FailedAuthentication"
    title = "The security token could not be authenticated or authorized"

    def __init__(self) -> None:
        super().__init__(self.title)


def fault_code(error: AdapterError) -> str:
    """The SOAP 1.1 code of ``error``: ``Client``, ``Server``, ``VersionMismatch``... or a prefixed QName."""
    return error.code if isinstance(error, DeclaredFault) else error.soap_fault_code


def reason(error: AdapterError) -> str:
    """What the fault says: a mapped fault's reason, the request's problem for Client faults, and only the kind of
    failure for any other Server fault."""
    if isinstance(error, DeclaredFault):
        return error.detail
    if fault_code(error) == "Server":
        return error.title
    return safe_message(error.detail)


def fault_element(
    error: AdapterError, version: str, detail: etree._Element | None = None, *, body: etree._Element | None = None
) -> etree._Element:
    """A ``Fault`` element for SOAP ``version`` ("1.1" or "1.2"), with ``detail`` (a declared fault element),
    appended to ``body`` when given: its codes then use the prefix the envelope already has."""
    env = ENVELOPES[version]
    code = fault_code(error)
    prefix, _, local = code.rpartition(":")
    extra = {prefix: _PREFIXES[prefix]} if prefix else {}
    if body is None:
        fault = etree.Element(f"{{{env}}}Fault", nsmap={"soap": env, **extra})
    else:
        fault = etree.SubElement(body, f"{{{env}}}Fault", nsmap=extra or None)
    # SOAP 1.1 §4.4.1, 1.2 part 1 §5.4.6: a code is a QName; its prefix must be the one in scope (none: the default).
    own = f"{fault.prefix}:" if fault.prefix else ""
    if version == "1.1":
        etree.SubElement(fault, "faultcode").text = code if prefix else f"{own}{local}"
        etree.SubElement(fault, "faultstring").text = reason(error)
        holder = etree.SubElement(fault, "detail") if detail is not None else None
    else:
        value = etree.SubElement(etree.SubElement(fault, f"{{{env}}}Code"), f"{{{env}}}Value")
        if prefix:  # SOAP 1.2 part 1 §5.4.6: an application's code is a Subcode of env:Sender
            value.text = f"{own}Sender"
            subcode = etree.SubElement(value.getparent(), f"{{{env}}}Subcode")
            etree.SubElement(subcode, f"{{{env}}}Value").text = code
        else:
            value.text = f"{own}{_SOAP12_CODES.get(local, local)}"
        text = etree.SubElement(etree.SubElement(fault, f"{{{env}}}Reason"), f"{{{env}}}Text")
        text.set(f"{{{XML_NS}}}lang", "en")  # part 1 §5.4.2.1: xml:lang is required
        text.text = reason(error)
        holder = etree.SubElement(fault, f"{{{env}}}Detail") if detail is not None else None
    if holder is not None:
        holder.append(detail)
    return fault


def envelope(error: AdapterError, version: str) -> bytes:
    """A whole Envelope carrying the fault for ``error``, as UTF-8 with an XML declaration."""
    env = ENVELOPES[version]
    root = etree.Element(f"{{{env}}}Envelope", nsmap={"soap": env})
    etree.SubElement(root, f"{{{env}}}Body").append(fault_element(error, version))
    return xml.tostring(root, declaration=True)


def http_status(error: AdapterError, version: str) -> int:
    """The HTTP status of a fault: 413/415/405 for those transport problems; otherwise SOAP 1.1 §6.2 (always 500)
    and SOAP 1.2 part 2 §7.5.2.2 (400 for Sender faults, 500 for the rest)."""
    if isinstance(error, (PayloadTooLarge, UnsupportedMediaType, MethodNotAllowed)):
        return error.http_status
    code = fault_code(error)
    sender = code == "Client" or code.startswith("wsse:")
    return 400 if version == "1.2" and sender else 500

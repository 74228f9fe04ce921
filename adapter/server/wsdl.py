"""The contract as served on ``GET ?wsdl``: the original document, only its endpoint addresses rewritten.

Spyne can describe its own services, but not this contract faithfully: it writes one binding per application
(never a SOAP 1.1 and a SOAP 1.2 binding side by side), its own message and part names, no WS-Policy and no
documentation. So the WSDL callers generated their stubs from is served as it is, read once through the hardened
parser, with the ``soap:address``/``soap12:address`` of the served ports pointed at where it is served.

Where that is comes from configuration (:class:`PublicAddress`), never from whatever ``Host`` a request carries:
a reflected Host lets one request poison a cache, and every client that then fetches the contract sends its calls
(and credentials) to the attacker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from adapter import xml
from adapter.exceptions import ContractError, RequestError
from adapter.settings import XmlLimits

# RFC 9110 §7.2: Host = uri-host [ ":" port ]; a reg-name or IPv4 address, or an IPv6 literal in brackets.
_HOST = re.compile(r"(?P<name>[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")

WSDL = "http://schemas.xmlsoap.org/wsdl/"
_ADDRESSES = ("http://schemas.xmlsoap.org/wsdl/soap/", "http://schemas.xmlsoap.org/wsdl/soap12/")


class ServedWsdl:
    """The contract document of one served port type, ready to be written with any address."""

    def __init__(self, path: Path, service: str, ports: tuple[str, ...], limits: XmlLimits) -> None:
        try:
            self.root = xml.parse(path.read_bytes(), limits)
        except (OSError, xml.XmlError) as exc:
            raise ContractError(f"{path.name}: cannot read the contract to serve it: {exc}") from None
        self.service = service
        self.ports = ports

    def document(self, address: str) -> bytes:
        """The WSDL with the served ports' addresses set to ``address``."""
        root = deepcopy(self.root)
        for service in root.iterfind(f"{{{WSDL}}}service"):
            if service.get("name") != self.service:
                continue
            for port in service.iterfind(f"{{{WSDL}}}port"):
                if port.get("name") in self.ports:
                    for element in port:
                        if etree.QName(element).namespace in _ADDRESSES and etree.QName(element).localname == "address":
                            element.set("location", address)
        return xml.tostring(root, declaration=True)


@dataclass(frozen=True)
class PublicAddress:
    """Where served endpoints say they are: ``public_url`` + the endpoint's path when it is configured, otherwise
    the request's scheme and Host, only when that Host names one of ``allowed_hosts`` (``*.example.com`` allows
    its subdomains)."""

    public_url: str | None
    allowed_hosts: tuple[str, ...]

    @classmethod
    def of(cls, public_url: str | None, allowed_hosts: Iterable[str]) -> PublicAddress:
        return cls(public_url.rstrip("/") if public_url else None, tuple(h.strip("[]").lower() for h in allowed_hosts))

    def url(self, path: str, scheme: str, hosts: Sequence[str]) -> str:
        """The address of the endpoint at ``path``; ``hosts`` are the request's Host header values. Raises
        :class:`RequestError` for a Host that is missing, repeated, malformed or not allowed."""
        if self.public_url is not None:
            return self.public_url + path
        match = _HOST.fullmatch(hosts[0]) if len(hosts) == 1 else None
        if match is None or not self._allowed(match["name"].strip("[]").lower()):
            raise RequestError("the Host header names no allowed host: set ADAPTER_PUBLIC_URL or ADAPTER_ALLOWED_HOSTS")
        return f"{scheme}://{hosts[0]}{path}"

    def _allowed(self, name: str) -> bool:
        return any(name == host or (host[:2] == "*." and name.endswith(host[1:])) for host in self.allowed_hosts)

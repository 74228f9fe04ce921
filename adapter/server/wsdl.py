"""The contract as served on ``GET ?wsdl``: the original document, only its endpoint addresses rewritten.

Spyne can describe its own services, but not this contract faithfully: it writes one binding per application
(never a SOAP 1.1 and a SOAP 1.2 binding side by side), its own message and part names, no WS-Policy and no
documentation. So the WSDL callers generated their stubs from is served as it is, read once through the hardened
parser, with the ``soap:address``/``soap12:address`` of the served ports pointed at where it is served.
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path

from lxml import etree

from adapter import xml
from adapter.exceptions import ContractError
from adapter.settings import XmlLimits

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

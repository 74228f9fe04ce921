"""The offline fence: every document of a contract is read here, from local files only, and nothing is fetched.

References (``wsdl:import``, ``xsd:import``/``include``) resolve inside the contract's own folder; one that leaves
it, or names a network location, is refused with the referring file and the reference in the message. The standard
W3C schemas contracts name by URL or namespace (SOAP encoding, ``xml.xsd``, XML Signature) are served from the
copies bundled in ``adapter/intake/schemas``. Every file read is kept, in order, with its bytes: the cache key is
a digest over them, and errors name the file that made a reference.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lxml import etree

from adapter import xml
from adapter.exceptions import ContractError
from adapter.intake import fixups

SCHEMAS = Path(__file__).with_name("schemas")

# Location (or bare namespace, which contracts use as a location for SOAP-ENC) → bundled copy.
STANDARD_SCHEMAS = {
    "http://schemas.xmlsoap.org/soap/encoding/": "soap-enc.xsd",
    "http://schemas.xmlsoap.org/soap/encoding": "soap-enc.xsd",
    "https://schemas.xmlsoap.org/soap/encoding/": "soap-enc.xsd",
    "http://www.w3.org/2001/xml.xsd": "xml.xsd",
    "https://www.w3.org/2001/xml.xsd": "xml.xsd",
    "http://www.w3.org/XML/1998/namespace": "xml.xsd",
    "http://www.w3.org/TR/xmldsig-core/xmldsig-core-schema.xsd": "xmldsig-core-schema.xsd",
    "https://www.w3.org/TR/xmldsig-core/xmldsig-core-schema.xsd": "xmldsig-core-schema.xsd",
    "http://www.w3.org/2000/09/xmldsig#": "xmldsig-core-schema.xsd",
}
STANDARD_NAMESPACES = {
    "http://schemas.xmlsoap.org/soap/encoding/": "soap-enc.xsd",
    "http://www.w3.org/XML/1998/namespace": "xml.xsd",
    "http://www.w3.org/2000/09/xmldsig#": "xmldsig-core-schema.xsd",
}

Element = Any  # lxml.etree._Element; lxml ships no type information


def parser() -> etree.XMLParser:
    """The contract parser: no DTD, no entities, no network. Contracts are the project's own files, so large
    documents are fine (``huge_tree``)."""
    return xml.tree_parser(huge_tree=True)


class Documents:
    """Reads the documents of one contract rooted at ``root`` (the main file's folder)."""

    def __init__(self, main: Path) -> None:
        self.main = main.resolve()
        self.root = self.main.parent
        self.files: dict[Path, bytes] = {}  # every file read, in order, as on disk: the cache key
        self._repaired: dict[Path, bytes] = {}

    # -- locations ---------------------------------------------------------------------------------------------

    def resolve(self, location: str, referrer: Path | None, shown: str | None = None) -> Path:
        """The local file a reference names, or :class:`ContractError` naming the referrer and the reference
        (``shown``: the reference as written, when ``location`` is already resolved to a URL)."""
        shown = shown or location
        standard = STANDARD_SCHEMAS.get(location) or STANDARD_SCHEMAS.get(shown)
        if standard is not None:
            return SCHEMAS / standard
        parsed = urlparse(location)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path))
        elif parsed.scheme in ("http", "https", "ftp") or (parsed.scheme and len(parsed.scheme) > 1):
            raise ContractError(
                f"{self.shown(referrer)} refers to {shown}, which would have to be fetched: contracts load "
                "offline; save that document next to the contract and point the reference at it"
            )
        else:
            base = referrer.parent if referrer is not None else self.root
            path = base / unquote(location)
        path = Path(os.path.normpath(path))
        if not path.is_relative_to(self.root) and not path.is_relative_to(SCHEMAS):
            raise ContractError(
                f"{self.shown(referrer)} refers to {shown}, outside the contract's folder {self.root}: keep "
                "every imported document inside it"
            )
        return path

    def standard(self, namespace: str) -> Path | None:
        """The bundled schema of a standard namespace imported without a location."""
        name = STANDARD_NAMESPACES.get(namespace)
        return SCHEMAS / name if name is not None else None

    # -- reading -----------------------------------------------------------------------------------------------

    def read(self, path: Path, referrer: Path | None = None, location: str | None = None) -> bytes:
        """The bytes of ``path`` as the contract should be read (repaired by :mod:`adapter.intake.fixups`)."""
        known = self._repaired.get(path)
        if known is not None:
            return known
        try:
            data = path.read_bytes()
        except OSError as exc:
            what = location or self.shown(path)
            raise ContractError(f"{self.shown(referrer)} refers to {what}: {exc.strerror}") from None
        if not path.is_relative_to(SCHEMAS) and xml.has_doctype(data):
            raise ContractError(f"{self.shown(path)}: {xml.DTD_REFUSED}")  # DTDs carry XXE and entity bombs
        first = not self.files
        self.files[path] = data
        self._repaired[path] = fixups.repair(data, path, first=first, parse=self.parse_or_none)
        return self._repaired[path]

    def document(self, path: Path, referrer: Path | None = None, location: str | None = None) -> Element:
        """The parsed document at ``path``; :class:`ContractError` with file and line when it is not XML."""
        data = self.read(path, referrer, location)
        try:
            return etree.fromstring(data, parser(), base_url=path.as_uri())
        except etree.XMLSyntaxError as exc:
            raise ContractError(f"{self.shown(path)}: not well-formed XML (line {exc.lineno}): {exc.msg}") from None

    def parse_or_none(self, data: bytes) -> Element | None:
        try:
            return etree.fromstring(data, parser())
        except etree.XMLSyntaxError:
            return None

    def shown(self, path: Path | None) -> str:
        """A file as messages name it: relative to the contract's folder."""
        if path is None:
            return self.main.name
        if path.is_relative_to(self.root):
            return str(path.relative_to(self.root))
        return path.name

"""How a contract's documents point at each other, and where each lands in a local copy (``adapter fetch``).

References are ``wsdl:import/@location`` (WSDL 1.1 §2.1.1) and the ``schemaLocation`` of ``xsd:import``,
``xsd:include`` and ``xsd:redefine`` (XSD 1.0 part 1 §4.2; ``xsd:override`` of XSD 1.1 too), relative to the URL the
document was fetched from (RFC 3986 §5.1). The local copy keeps the folders below the main document's own folder and
puts every other document (a parent folder, another origin, a ``?xsd=1`` query) flat beside it, under a name made of
safe characters only: no reference, however written, can place a file outside the copy.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote

from lxml import etree
from yarl import URL

from adapter import xml

WSDL11 = "http://schemas.xmlsoap.org/wsdl/"
XSD = "http://www.w3.org/2001/XMLSchema"
_ATTRIBUTE = {
    f"{{{WSDL11}}}import": "location",
    f"{{{XSD}}}import": "schemaLocation",
    f"{{{XSD}}}include": "schemaLocation",
    f"{{{XSD}}}redefine": "schemaLocation",
    f"{{{XSD}}}override": "schemaLocation",
}
_KINDS = {f"{{{WSDL11}}}definitions": "wsdl", f"{{{XSD}}}schema": "xsd"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SUFFIXES = (".wsdl", ".xsd", ".xml")


@dataclass(frozen=True)
class Reference:
    """One element of a document that names another document."""

    element: xml.Element
    attribute: str

    @property
    def location(self) -> str:
        return str(self.element.get(self.attribute) or "").strip()

    def point_at(self, location: str) -> bool:
        """Make the reference name ``location``; whether that changed the document."""
        if self.element.get(self.attribute) == location:
            return False
        self.element.set(self.attribute, location)
        return True


def references(root: xml.Element) -> Iterator[Reference]:
    """Every reference of a parsed document that names a location (a namespace-only import names none)."""
    for element in root.iter(*_ATTRIBUTE):
        reference = Reference(element, _ATTRIBUTE[element.tag])
        if reference.location:
            yield reference


def kind(root: xml.Element) -> str | None:
    """``wsdl`` for a WSDL 1.1 document, ``xsd`` for an XML Schema, ``None`` for anything else."""
    return _KINDS.get(root.tag) if isinstance(root.tag, str) else None


def root_name(root: xml.Element) -> str:
    """The root element as a reader knows it (``html``, ``wsdl20:description``), for messages."""
    return str(etree.QName(root).localname) if isinstance(root.tag, str) else "?"


class LocalNames:
    """Local paths (relative to the copy's folder) for the URLs of one fetch, unique and safe."""

    def __init__(self, main: URL) -> None:
        self.origin = main.origin()
        self.folder = main.raw_path.rpartition("/")[0] + "/"
        self.taken: set[str] = set()

    def name(self, url: URL, kind: str) -> PurePosixPath:
        """Where ``url`` (a ``wsdl`` or ``xsd`` document) goes."""
        inside = url.origin() == self.origin and url.raw_path.startswith(self.folder) and not url.raw_query_string
        steps = url.raw_path[len(self.folder) :].split("/") if inside else [_flat(url)]
        parts = [_safe(unquote(step)) for step in steps if step]
        parts = parts or ["service"]
        if not parts[-1].lower().endswith(_SUFFIXES):
            parts[-1] += f".{kind}"
        return self._unique(PurePosixPath(*parts))

    def _unique(self, path: PurePosixPath) -> PurePosixPath:
        candidate, n = path, 2
        while str(candidate).lower() in self.taken:  # case-insensitive: the copy may land on macOS or Windows
            candidate, n = path.with_name(f"{path.stem}-{n}{path.suffix}"), n + 1
        self.taken.add(str(candidate).lower())
        return candidate


def _flat(url: URL) -> str:
    """One file name for a URL outside the main document's folder: its last step, and its query if any
    (``Service.svc?xsd=xsd0`` → ``Service.svc-xsd-xsd0``)."""
    last = url.raw_path.rstrip("/").rpartition("/")[2] or url.host or "document"
    query = url.raw_query_string
    return f"{last}-{query}" if query and query.lower() != "wsdl" else last


def _safe(step: str) -> str:
    """A path step of safe characters only, never ``.``, ``..`` or hidden."""
    return _UNSAFE.sub("-", step).lstrip(".-") or "document"


def relative(target: PurePosixPath, referrer: PurePosixPath) -> str:
    """How the document at ``referrer`` names the one at ``target``, both local paths of one copy."""
    return posixpath.relpath(str(target), str(referrer.parent))


def names_file(location: str, referrer: PurePosixPath, target: PurePosixPath) -> bool:
    """Whether ``location``, read as a file path beside ``referrer`` (as the offline loader reads it), already names
    ``target``: then the document is kept byte for byte."""
    if ":" in location or "?" in location or "%" in location or location.startswith("/"):
        return False
    return posixpath.normpath(posixpath.join(str(referrer.parent), location)) == str(target)

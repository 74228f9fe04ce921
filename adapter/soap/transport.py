"""The zeep transport: contracts load from local files only, and nothing is ever fetched.

Imports (``wsdl:import``, ``xsd:import``/``include``) resolve inside the contract's own folder; a reference that
leaves it, or names a network location, is refused with the referring file and the reference in the message. The
standard W3C schemas that contracts name by URL (SOAP encoding, ``xml.xsd``, XML Signature) are served from the
copies bundled in ``adapter/intake/schemas`` (the table of :mod:`adapter.intake.documents`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import zeep
from zeep.exceptions import XMLSyntaxError
from zeep.loader import parse_xml
from zeep.transports import AsyncTransport

from adapter import xml
from adapter.exceptions import ContractError
from adapter.intake import fixups
from adapter.intake.documents import SCHEMAS, STANDARD_SCHEMAS


def zeep_settings() -> zeep.Settings:
    """zeep's XML safety switches: no DTD, no entities, no huge trees.

    ``forbid_external`` is off on purpose: zeep would refuse the standard schemas before asking the transport, and
    :class:`OfflineTransport` is the one fence. It serves the bundled W3C schemas and refuses every other URL.
    """
    return zeep.Settings(
        strict=True,
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=False,
        xml_huge_tree=False,
    )


class OfflineTransport(AsyncTransport):
    """An :class:`AsyncTransport` whose document loading never leaves ``root``.

    ``documents`` keeps every local file read, in order, so that errors can name the file that made a reference and
    later passes (enumerations, inspect) can read the schemas without loading them again. The async HTTP client
    (``client``) is kept for zeep's sake only: the adapter posts envelopes itself (see :mod:`adapter.soap.call`).
    """

    def __init__(self, root: Path, client: httpx.AsyncClient | None = None) -> None:
        # zeep's __init__ would build two httpx clients (~50 ms of TLS set-up) that an offline transport never uses.
        self._close_session = False
        self.cache = None
        self.client = client
        self.wsdl_client = None
        self.logger = logging.getLogger(__name__)
        self.root = root.resolve()
        self.documents: dict[Path, bytes] = {}

    def load(self, url: str) -> bytes:
        standard = STANDARD_SCHEMAS.get(url)
        if standard is not None:
            return (SCHEMAS / standard).read_bytes()
        if urlparse(url).scheme in ("http", "https", "ftp", "file"):
            raise ContractError(
                f"{self._referrer(url)}refers to {url}, which would have to be fetched: contracts load offline; "
                "save that document next to the contract and point the reference at it"
            )
        path = Path(url).resolve()
        if not path.is_relative_to(self.root):
            raise ContractError(
                f"{self._referrer(url)}refers to {os.path.relpath(path, self.root)}, outside the contract's folder "
                f"{self.root}: keep every imported document inside it"
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ContractError(f"{self._referrer(url)}refers to {self._shown(path)}: {exc.strerror}") from None
        if xml.has_doctype(data):  # refused in the raw bytes, as adapter.xml does: zeep's parser never sees it
            raise ContractError(f"{self._shown(path)}: {xml.DTD_REFUSED}")
        data = fixups.repair(data, path, first=not self.documents, parse=self.parse)
        self.documents[path] = data
        return data

    def parse(self, data: bytes) -> xml.Element | None:
        """A contract document parsed the way zeep parses it (same settings, same fence), or ``None``."""
        try:
            content: Any = data  # zeep annotates str; lxml reads the bytes (and their declared encoding)
            return parse_xml(content, self, settings=zeep_settings())
        except (XMLSyntaxError, ContractError):
            return None  # zeep reports it again, with its place, when it loads the document itself

    def _referrer(self, url: str) -> str:
        """``"<file> "`` for the last document read that mentions ``url`` (by its file name), or nothing."""
        name = url.rstrip("/").rpartition("/")[2].encode()
        for path in reversed(self.documents):
            if name and name in self.documents[path]:
                return f"{self._shown(path)} "
        return ""

    def _shown(self, path: Path) -> str:
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

    def __getstate__(self) -> dict[str, Any]:  # pragma: no cover - zeep never pickles it; be explicit
        raise TypeError("OfflineTransport is not picklable")

"""The zeep transport: contracts load from local files only, and nothing is ever fetched.

Imports (``wsdl:import``, ``xsd:import``/``include``) resolve inside the contract's own folder; a reference that
leaves it, or names a network location, is refused with the contract file and the reference in the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from zeep.transports import AsyncTransport

from adapter.exceptions import ContractError


class OfflineTransport(AsyncTransport):
    """An :class:`AsyncTransport` whose document loading never leaves ``root``.

    The async HTTP client (``client``) is the one the adapter uses to call the backend; zeep's own request path is
    not used (see :mod:`adapter.soap.call`).
    """

    def __init__(self, root: Path, client: httpx.AsyncClient | None = None) -> None:
        super().__init__(client=client or httpx.AsyncClient(), wsdl_client=httpx.Client())
        self.root = root.resolve()

    def load(self, url: str) -> bytes:
        if urlparse(url).scheme in ("http", "https", "ftp", "file"):
            raise ContractError(f"refusing to fetch {url!r}: contracts load offline")
        path = Path(url).resolve()
        if not path.is_relative_to(self.root):
            raise ContractError(f"refusing to read {url!r}: outside the contract folder")
        try:
            return path.read_bytes()
        except OSError as exc:
            raise ContractError(f"cannot read {path.name}: {exc.strerror}") from None

    def __getstate__(
        self,
    ) -> dict[str, Any]:  # pragma: no cover - zeep never pickles it; be explicit
        raise TypeError("OfflineTransport is not picklable")

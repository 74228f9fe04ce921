"""A SOAP Fault as plain data (SOAP 1.1 §4.4, SOAP 1.2 part 1 §5.4), whichever version carried it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Fault:
    """A fault received from a backend.

    ``code`` is the local part of the fault code (``Client``, ``Server``; SOAP 1.2 ``Sender``, ``Receiver`` and
    subcodes are given as ``Sender.Subcode``); ``detail_name`` is the local name of the first detail entry and
    ``detail`` its plain data, decoded with the contract's declared fault type when there is one.
    """

    code: str
    message: str
    detail_name: str | None = None
    detail: Any = None

    def as_data(self) -> dict[str, Any]:
        """The fault as a document for error-rule expressions: ``code``, ``message``, ``detail``."""
        return {"code": self.code, "message": self.message, "detail": self.detail}

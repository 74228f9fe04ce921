"""Call a SOAP backend: plain data in, plain data out.

zeep builds the request envelope (with WS-Security when configured); the adapter posts it with its own httpx client
so that timeouts, the reply size cap and error translation are ours, and parses the reply with the one hardened
parser in :mod:`adapter.xml`. This is the one place where zeep and httpx errors become adapter errors.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import httpx
from lxml import etree
from zeep.exceptions import Error as ZeepError

from adapter import xml
from adapter.exceptions import (
    BackendProtocolError,
    BackendTimeout,
    BackendUnavailable,
    ConfigError,
    RequestError,
)
from adapter.mapping.shapes import VALUE_KEY
from adapter.settings import XmlLimits
from adapter.soap.contract import Contract, Operation
from adapter.soap.envelope import read_reply

log = logging.getLogger("adapter.backend")


class SoapBackend:
    """One contract port at one address, with its connection pool."""

    def __init__(
        self,
        contract: Contract,
        *,
        address: str,
        http: httpx.AsyncClient,
        xml_limits: XmlLimits,
        max_reply_bytes: int,
    ) -> None:
        self.contract = contract
        self.address = address
        self.http = http
        self.xml_limits = xml_limits
        self.max_reply_bytes = max_reply_bytes

    async def call(self, operation: str, payload: dict[str, Any]) -> Any:
        """Send ``payload`` as the input of ``operation`` and return the output as plain data.

        Raises :class:`BackendFault` for a SOAP Fault, and the other :class:`BackendError` kinds when the backend
        cannot be reached, is too slow, or answers something the contract does not describe.
        """
        op = self.contract.operations[operation]
        body, headers = self.envelope(op, payload)
        status, content = await self._post(body, headers)
        try:
            root = xml.parse(content, self.xml_limits)
        except RequestError as exc:  # XmlError, or PayloadTooLarge: the caller's fault never, the backend's here
            raise BackendProtocolError(f"the backend reply is not acceptable XML: {exc.detail}") from None
        if status >= 400 and status != 500:  # SOAP 1.1 §6.2: faults come with 500; other errors carry none
            raise BackendProtocolError(f"the backend answered HTTP {status}")
        return read_reply(root, op)

    def envelope(self, op: Operation, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """The request envelope for ``payload`` and its HTTP headers (SOAPAction, Content-Type)."""
        return build_envelope(self.contract, op, payload)

    async def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        try:
            async with self.http.stream("POST", self.address, content=body, headers=headers) as reply:
                return reply.status_code, await self._read_capped(reply)
        except httpx.ConnectTimeout:
            raise BackendUnavailable("the backend could not be reached in time") from None
        except httpx.TimeoutException:
            raise BackendTimeout("the backend did not answer in time") from None
        except (httpx.TransportError, OSError) as exc:
            # OSError: with TLS 1.3 a refused client certificate surfaces as a bare ssl.SSLError on the first read.
            # The reason (refused, TLS verification, mTLS) is for operators; callers only learn it failed.
            log.warning("backend %s unreachable: %s: %s", self.contract.service, type(exc).__name__, exc)
            raise BackendUnavailable("the backend could not be reached") from None

    async def _read_capped(self, reply: httpx.Response) -> bytes:
        declared = reply.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_reply_bytes:
            raise BackendProtocolError(f"the backend reply exceeds {self.max_reply_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in reply.aiter_bytes():
            size += len(chunk)
            if size > self.max_reply_bytes:
                raise BackendProtocolError(f"the backend reply exceeds {self.max_reply_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def build_envelope(contract: Contract, op: Operation, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The request envelope zeep builds for ``payload`` (with the contract client's WS-Security), and its HTTP
    headers. Also used offline by ``adapter try`` and ``adapter test``."""
    kwargs = {name: _to_zeep(value) for name, value in payload.items()}
    try:
        envelope, headers = contract.binding._create(op.name, (), kwargs, client=contract.client)
    except (ZeepError, TypeError, ValueError) as exc:
        raise ConfigError(f"the mapping does not produce a valid {op.name} request: {exc}") from None
    return etree.tostring(envelope, encoding="utf-8", xml_declaration=True), dict(headers)


def _to_zeep(value: Any) -> Any:
    """Plain data → what zeep renders exactly: simple content under ``_value_1``, decimals in plain notation."""
    if isinstance(value, dict):
        return {("_value_1" if k == VALUE_KEY else k): _to_zeep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_zeep(item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")  # str() may give "1E+2", which is no xsd:decimal lexical form
    return value

"""Call a SOAP backend: plain data in, plain data out.

zeep builds the request envelope (with WS-Security when configured); the adapter posts it with the one HTTP
client (:mod:`adapter.outbound.client`, which owns timeouts, the reply size cap and transport errors), and parses
the reply with the one hardened parser in :mod:`adapter.xml`. This is the one place where zeep errors become
adapter errors.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree
from zeep.exceptions import Error as ZeepError

from adapter import xml
from adapter.exceptions import BackendProtocolError, BackendUnavailable, ConfigError, RequestError
from adapter.mapping.shapes import VALUE_KEY
from adapter.observability.backend import BackendObserver, ObservedCall
from adapter.outbound.client import HttpClient
from adapter.settings import XmlLimits
from adapter.soap.contract import Contract, Operation
from adapter.soap.envelope import read_reply


class SoapBackend:
    """One contract port at one address, with its connection pool; ``observer`` counts, times and traces each call
    (a no-op one by default)."""

    def __init__(
        self,
        contract: Contract,
        *,
        address: str,
        http: HttpClient,
        xml_limits: XmlLimits,
        observer: BackendObserver | None = None,
    ) -> None:
        self.contract = contract
        self.address = address
        self.http = http
        self.xml_limits = xml_limits
        self.observer = observer or BackendObserver(contract.service, address=address)  # no-op: no metrics, no tracing

    async def call(self, operation: str, payload: dict[str, Any]) -> Any:
        """Send ``payload`` as the input of ``operation`` and return the output as plain data.

        Raises :class:`BackendFault` for a SOAP Fault, and the other :class:`BackendError` kinds when the backend
        cannot be reached, is too slow, or answers something the contract does not describe.
        """
        with self.observer.call(operation) as observed:
            return await self._call(self.contract.operations[operation], payload, observed)

    async def _call(self, op: Operation, payload: dict[str, Any], observed: ObservedCall) -> Any:
        body, headers = self.envelope(op, payload)
        status, content = await self._post(body, headers)
        observed.http_status(status)
        if status == 503:  # RFC 9110 §15.6.4: overloaded or down for maintenance; worth a retry, counted by a breaker
            raise BackendUnavailable("the backend answered HTTP 503 (unavailable)")
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
        reply = await self.http.request("POST", self.address, headers=headers, body=body)
        return reply.status, reply.body


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

"""Call a SOAP backend: the SOAP input of an operation in, its SOAP output out (plain data both ways).

The envelope is built by the exchange (:mod:`adapter.exchange.route`, compiled from the contract model), stamped and
signed by the backend's WS-Security plugins (zeep's, applied to the finished envelope), and posted with the one
HTTP client (:mod:`adapter.outbound.client`, which owns timeouts, the reply size cap and transport errors). The
reply is read by the same exchange code that ``adapter try`` and ``adapter test`` run.
"""

from __future__ import annotations

from typing import Any

from adapter import xml
from adapter.contract.port import Contract
from adapter.exceptions import BackendUnavailable
from adapter.exchange import route as exchange
from adapter.observability.backend import BackendObserver
from adapter.outbound.client import HttpClient
from adapter.settings import XmlLimits


class SoapBackend:
    """One contract port at one address, with its connection pool and outbound WS-Security; ``observer`` counts,
    times and traces each call (a no-op one by default)."""

    def __init__(
        self,
        contract: Contract,
        *,
        address: str,
        http: HttpClient,
        xml_limits: XmlLimits,
        observer: BackendObserver | None = None,
        security: Any = None,
        strict: bool = True,
    ) -> None:
        self.contract = contract
        self.address = address
        self.http = http
        self.xml_limits = xml_limits
        self.observer = observer or BackendObserver(contract.service, address=address)  # no-op: no metrics, no tracing
        self.security = security  # a zeep WS-Security plugin (adapter.soap.wsse.security), or None
        self.strict = strict  # validate_replies: strict (a reply that breaks the contract is a 502) or warn

    async def call(self, operation: str, payload: dict[str, Any]) -> Any:
        """Send ``payload`` as the input of ``operation`` and return the output as plain data.

        Raises :class:`RequestValidationError` before any call for an input the contract refuses,
        :class:`BackendFault` for a SOAP Fault, and the other :class:`BackendError` kinds when the backend cannot be
        reached, is too slow, or answers something the contract does not describe.
        """
        op = self.contract.operations[operation]
        outbound = exchange.outbound(op, payload)
        with self.observer.call(operation) as observed:
            status, content = await self.post(outbound)
            observed.http_status(status)
            if status == 503:  # RFC 9110 §15.6.4: overloaded or down for maintenance; worth a retry, for a breaker
                raise BackendUnavailable("the backend answered HTTP 503 (unavailable)")
            return exchange.output(op, content, self.xml_limits, status=status, strict=self.strict)

    async def post(self, outbound: exchange.Outbound) -> tuple[int, bytes]:
        envelope, headers = outbound.envelope, dict(outbound.headers)
        if self.security is not None:
            body, headers = self.security.serialize(envelope, headers)  # adapter.soap.wsse.Plugins
        else:
            body = xml.tostring(envelope, declaration=True)
        reply = await self.http.request("POST", self.address, headers=headers, body=body)
        return reply.status, reply.body

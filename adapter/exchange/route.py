"""The steps of one call of a mapped route, without I/O: HTTP request parts → the SOAP input → the envelope to post,
and the backend's reply → the SOAP output → the JSON document, or the error it becomes. The facade
(:mod:`adapter.api.routes` and :mod:`adapter.soap.call`), ``adapter try`` and ``adapter test`` all run these steps,
so that what the tools show is what the facade does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapter import xml
from adapter.contract.port import BoundOperation
from adapter.exceptions import (
    AdapterError,
    BackendFault,
    BackendProtocolError,
    FieldProblem,
    RequestError,
    RequestValidationError,
)
from adapter.exchange.decoder import Report
from adapter.exchange.encoder import EncodeProblem
from adapter.exchange.envelope import OperationExchange
from adapter.mapping.compiler import CompiledRoute
from adapter.mapping.engine import build_request, build_response
from adapter.mapping.errors import fault_error, row_error
from adapter.settings import XmlLimits

log = logging.getLogger("adapter.exchange")

__all__ = ["Outbound", "answer", "document", "exchange_of", "outbound", "output", "payload", "request"]


@dataclass
class Outbound:
    """A request to post: the Envelope (an element, so WS-Security can still sign it) and its HTTP headers."""

    envelope: Any
    headers: dict[str, str]

    def body(self) -> bytes:
        return xml.tostring(self.envelope, declaration=True)


def exchange_of(operation: BoundOperation) -> OperationExchange:
    """The compiled exchange of ``operation``, made on first use and kept with it."""
    found: OperationExchange | None = operation.__dict__.get("_exchange")
    if found is None:
        found = operation.__dict__["_exchange"] = OperationExchange(operation)
    return found


# -- the request ------------------------------------------------------------------------------------------------


def payload(route: CompiledRoute, data: dict[str, Any], known: Sequence[FieldProblem] = ()) -> dict[str, Any]:
    """The SOAP input for an HTTP request given as ``{path, query, headers, body}``, every value checked against the
    contract. Raises :class:`RequestValidationError` (422) naming each field, ``known`` problems first."""
    return build_request(route.request, data, known, route.input_shape)


def outbound(operation: BoundOperation, soap_input: dict[str, Any]) -> Outbound:
    """The envelope of a SOAP input, and its HTTP headers; a value the encoder still refuses is a 422 naming the
    element (a mapping constant, say: what callers send is checked by :func:`payload`)."""
    exchange = exchange_of(operation)
    try:
        envelope = exchange.envelope(soap_input)
    except EncodeProblem as exc:
        raise RequestValidationError([FieldProblem(exc.path, exc.message)]) from None
    return Outbound(envelope, exchange.http_headers())


def request(route: CompiledRoute, operation: BoundOperation, data: dict[str, Any]) -> Outbound:
    """Both steps, with the route's pagination as the facade applies it (``adapter try``, ``adapter test``)."""
    paging = route.pagination
    _, problems = paging.apply(data.get("query") or {}) if paging is not None else (None, [])
    return outbound(operation, payload(route, data, problems))


# -- the reply --------------------------------------------------------------------------------------------------


def output(
    operation: BoundOperation, content: bytes, limits: XmlLimits, *, status: int | None = None, strict: bool = True
) -> Any:
    """The SOAP output of a reply, checked against the contract: :class:`BackendFault` for a Fault,
    :class:`BackendContractViolation` for a reply that breaks the contract (logged and passed on when not
    ``strict``: ``validate_replies: warn``), :class:`BackendProtocolError` for anything else. ``status`` is the HTTP
    status when known."""
    try:
        root = xml.parse(content, limits)
    except RequestError as exc:  # XmlError, or PayloadTooLarge: the caller's fault never, the backend's here
        raise BackendProtocolError(f"the backend reply is not acceptable XML: {exc.detail}") from None
    if status is not None and status >= 400 and status != 500:  # SOAP 1.1 §6.2: faults come with 500
        raise BackendProtocolError(f"the backend answered HTTP {status}")
    report = Report(strict=strict)
    try:
        return exchange_of(operation).reply(root, report, limits)
    finally:
        _warn(operation, report)


def document(route: CompiledRoute, soap_output: Any) -> Any:
    """The JSON document for a SOAP output: an error row the route's rules match is raised instead."""
    error = row_error(route.errors, soap_output)
    if error is not None:
        raise error
    return build_response(route.response, soap_output)


def translated(route: CompiledRoute, fault: BackendFault) -> AdapterError:
    """The route's business error for a fault, or the fault itself (a bare 502)."""
    return fault_error(route.errors, fault.fault) or fault


def answer(
    route: CompiledRoute,
    operation: BoundOperation,
    content: bytes,
    limits: XmlLimits,
    *,
    status: int | None = None,
    strict: bool = True,
) -> Any:
    """The JSON document (plain data) the route answers to a backend reply, or the :class:`AdapterError` it becomes
    (``adapter try`` and ``adapter test``; the facade runs the same steps around its backend call)."""
    try:
        soap_output = output(operation, content, limits, status=status, strict=strict)
    except BackendFault as exc:
        raise translated(route, exc) from None
    return document(route, soap_output)


def _warn(operation: BoundOperation, report: Report) -> None:
    for problem in report.problems:
        log.warning(
            "reply of %s breaks the contract (passed on: validate_replies is warn): %s",
            operation.name,
            problem,
            extra={"operation": operation.name, "violation": problem.path},
        )

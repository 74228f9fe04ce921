"""Apply a served contract's compiled operations: SOAP input → HTTP call, HTTP reply → SOAP output or fault.

Plain data only, like :mod:`adapter.mapping.engine`, whose plans it reuses in the other direction: the SOAP input is
read by :class:`OutPlan` templates (as a SOAP output is on the JSON facade), and the SOAP output is built by
:class:`InPlan` templates with the contract's XSD conversions (as a SOAP input is on the facade).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote

from adapter.exceptions import (
    BackendProtocolError,
    ConfigError,
    DeclaredFault,
    FieldProblem,
    RequestValidationError,
)
from adapter.mapping.engine import InPlan, OutPlan, build_request, build_response
from adapter.mapping.errors import safe_message
from adapter.mapping.paths import MISSING, SourcePath

_MOVES_PATH = re.compile(r"[/\\?#\x00-\x1f\x7f-\x9f]")
_HEADER_BREAKS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # RFC 9110 §5.5: no CR, LF, NUL or other controls


@dataclass(frozen=True)
class HttpCall:
    """An HTTP request to make, as plain data: ``query`` in order, ``headers`` to add, ``body`` JSON-ready
    (``None``: no body)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class HttpReply:
    """An HTTP reply: status, headers (lower-case names) and the JSON body (``None`` when empty or not JSON)."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None


@dataclass(frozen=True)
class PathPart:
    """A literal piece of a path template, or a ``{placeholder}`` read from the SOAP input."""

    text: str = ""
    source: SourcePath | None = None


@dataclass(frozen=True)
class FaultPlan:
    """An error rule: which replies it matches and the fault it makes of them."""

    statuses: frozenset[int]
    when: tuple[tuple[SourcePath, tuple[str, ...]], ...] = ()
    fault: str | None = None
    code: str = "Client"
    reason: SourcePath | None = None
    title: str = ""
    detail: tuple[InPlan, ...] = ()

    def matches(self, document: Mapping[str, Any]) -> bool:
        if document["status"] not in self.statuses:
            return False
        return all(str(path.get(document)) in allowed for path, allowed in self.when)

    def error(self, document: Mapping[str, Any], operation: str) -> DeclaredFault:
        text = self.reason.get(document) if self.reason is not None else MISSING
        reason = safe_message(text if isinstance(text, str) and text.strip() else self.title)
        data = _built(self.detail, document, f"the {self.fault} detail of {operation}") if self.fault else None
        return DeclaredFault(reason, fault=self.fault, code=self.code, data=data)


@dataclass(frozen=True)
class CompiledCall:
    """One contract operation answered by one HTTP call."""

    operation: str
    method: str
    path: tuple[PathPart, ...]
    query: tuple[OutPlan, ...] = ()
    headers: tuple[OutPlan, ...] = ()
    body: tuple[OutPlan, ...] | None = None
    response: tuple[InPlan, ...] = ()
    errors: tuple[FaultPlan, ...] = ()


def http_call(call: CompiledCall, soap_input: Mapping[str, Any]) -> HttpCall:
    """The HTTP request for a SOAP input (plain data, already valid against the contract)."""
    path = "".join(part.text if part.source is None else _segment(part.source, soap_input) for part in call.path)
    query = tuple(_query(build_response(call.query, soap_input)))
    body = build_response(call.body, soap_input) if call.body is not None else None
    headers = tuple(_headers(build_response(call.headers, soap_input))) if call.headers else ()
    return HttpCall(method=call.method, path=path, query=query, body=body, headers=headers)


def soap_output(call: CompiledCall, reply: HttpReply, soap_input: Mapping[str, Any]) -> dict[str, Any]:
    """The SOAP output for a 2xx reply. Other replies raise the first matching rule's :class:`DeclaredFault`,
    or :class:`BackendProtocolError` (answered as a generic Server fault) when no rule matches."""
    document = {"body": reply.body, "headers": dict(reply.headers), "status": reply.status, "input": soap_input}
    if 200 <= reply.status < 300:
        return _built(call.response, document, f"the {call.operation} response")
    for rule in call.errors:
        if rule.matches(document):
            raise rule.error(document, call.operation)
    raise BackendProtocolError(f"{call.operation}: the backend answered HTTP {reply.status}, which no rule maps")


def _built(plans: tuple[InPlan, ...], document: Mapping[str, Any], what: str) -> dict[str, Any]:
    try:
        return build_request(plans, dict(document))
    except RequestValidationError as exc:
        raise BackendProtocolError(f"the backend reply does not make {what}: {exc.detail}") from None


def _segment(source: SourcePath, soap_input: Mapping[str, Any]) -> str:
    """A path parameter as one path segment that no value can turn into another path.

    Everything but RFC 3986's unreserved characters is percent-encoded. Values that would still move the path at a
    backend that decodes before routing (as Starlette, Spring and most frameworks do, some more than once) are
    refused with a Client fault naming the field: empty, only dots (``.`` and ``..`` are dot segments, RFC 3986
    §3.3; "..;" is one to Tomcat), or holding ``/``, ``\\``, ``?``, ``#`` or a control character, as they are or
    after percent-decoding.
    """
    value = source.get(soap_input)
    if value is MISSING or value is None or isinstance(value, (dict, list)):
        raise ConfigError(f"path parameter {{{source.text}}} has no single value")  # the compiler rules it out
    raw = text(value)
    problem = _unsafe_segment(raw)
    if problem is not None:
        raise RequestValidationError([FieldProblem(source.text, f"cannot be sent as a path segment: {problem}")])
    return quote(raw, safe="")


def _unsafe_segment(raw: str) -> str | None:
    decoded = raw
    while (once := unquote(decoded)) != decoded:  # ends: each pass that changes something shortens the text
        decoded = once
    if not decoded.split(";")[0].strip("."):
        return "it is empty or only dots"
    if _MOVES_PATH.search(decoded):
        return "it holds '/', '\\', '?', '#' or a control character"
    return None


def _query(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for name, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            if item is not None and item is not MISSING and not isinstance(item, (dict, list)):
                pairs.append((name, text(item)))
    return pairs


def _headers(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Header values from the SOAP input: absent ones are left out, a list is joined with ``, `` (RFC 9110 §5.3),
    and a value that would end the header or is not Latin-1 text is refused with a Client fault naming it."""
    pairs = []
    problems = []
    for name, value in values.items():
        items = [item for item in (value if isinstance(value, list) else [value]) if item is not None]
        if value is MISSING or not items or any(isinstance(item, (dict, list)) for item in items):
            continue
        joined = ", ".join(text(item) for item in items)
        if _HEADER_BREAKS.search(joined) or not joined.isascii() and not _latin1(joined):
            problems.append(FieldProblem(name, "cannot be sent as an HTTP header value"))
            continue
        pairs.append((name, joined.strip(" \t")))
    if problems:
        raise RequestValidationError(problems)
    return pairs


def _latin1(value: str) -> bool:
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def text(value: Any) -> str:
    """A value as URL text: decimals in plain notation, booleans as ``true``/``false``, dates in ISO 8601."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return str(value)

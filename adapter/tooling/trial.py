"""``adapter try`` and golden examples: run one route of a mapping offline, both ways.

Request JSON → the SOAP envelope the facade would post, and a SOAP reply → the JSON or the problem the facade would
answer: both by :mod:`adapter.exchange.route`, the code the facade runs, and problems rendered by
:mod:`adapter.exchange.problem`, as the facade renders them. No backend, no HTTP server.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from adapter import codec
from adapter.exceptions import AdapterError, BackendFault, ConfigError
from adapter.exchange import problem
from adapter.exchange import route as exchange
from adapter.mapping.compiler import CompiledRoute, did_you_mean
from adapter.project import Binding
from adapter.settings import Settings

_REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE)\s+(/\S*)$", re.IGNORECASE)


@dataclass
class Request:
    """What a route reads from an HTTP request: the engine's ``{path, query, headers, body}``."""

    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None

    def as_data(self) -> dict[str, Any]:
        return {"path": self.path, "query": self.query, "headers": self.headers, "body": self.body}


@dataclass
class Answer:
    """What the facade would answer: a status and the JSON body (the document, or a problem's members)."""

    status: int
    body: Any
    note: str = ""  # for the integrator: the backend fault a problem came from, say

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "body": self.body}


def find_route(binding: Binding, spec: str) -> tuple[CompiledRoute, Request]:
    """The route named by ``spec``: its name (operationId), its operation, or a request line such as
    ``GET /v1/accounts/DE89…?page=2``, whose path and query parameters are returned as a :class:`Request`."""
    routes = binding.mapping.routes
    line = _REQUEST_LINE.match(spec.strip())
    if line:
        return _by_request_line(routes, line.group(1).upper(), line.group(2))
    for route in routes:
        if spec in (route.route.name, route.operation):
            return route, Request()
    names = [route.route.name or route.operation for route in routes]
    raise ConfigError(
        f"{binding.mapping.file} has no route {spec!r}{did_you_mean(spec, names)} (routes: {', '.join(names)})"
    )


def _by_request_line(routes: list[CompiledRoute], method: str, target: str) -> tuple[CompiledRoute, Request]:
    parts = urlsplit(target)
    for route in routes:
        if route.route.method != method:
            continue
        found = _template(route.route.path).fullmatch(parts.path)
        if found:
            path = {k: unquote(v) for k, v in found.groupdict().items()}
            return route, Request(path=path, query=query_parameters(parts.query))
    known = [f"{r.route.method} {r.route.path}" for r in routes]
    raise ConfigError(f"no route matches {method} {parts.path}{did_you_mean(f'{method} {parts.path}', known)}")


def query_parameters(text: str) -> dict[str, Any]:
    """A query string as the facade reads it: one value per name, a list when the name repeats."""
    query: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key not in query:
            query[key] = value
        elif isinstance(query[key], list):
            query[key].append(value)
        else:
            query[key] = [query[key], value]
    return query


def _template(path: str) -> re.Pattern[str]:
    pattern = ""
    for literal, name in re.findall(r"([^{]*)(?:\{([^{}]*)\})?", path):
        pattern += re.escape(literal) + (f"(?P<{name}>[^/]+)" if name else "")
    return re.compile(pattern)


def envelope(binding: Binding, route: CompiledRoute, request: Request) -> tuple[bytes, dict[str, str]]:
    """The envelope and HTTP headers the facade would post for ``request`` (without WS-Security, added at call
    time). Raises :class:`RequestValidationError` (what a caller would get as 422)."""
    operation = binding.contract.operations[route.operation]
    outbound = exchange.request(route, operation, request.as_data())
    return outbound.body(), outbound.headers


def answer(binding: Binding, route: CompiledRoute, reply: bytes, settings: Settings) -> Answer:
    """The facade's answer to ``reply``, a SOAP envelope as the backend would send it."""
    operation = binding.contract.operations[route.operation]
    strict = binding.mapping.model.validate_replies == "strict"
    try:
        document = exchange.answer(route, operation, reply, settings.xml, strict=strict)
    except AdapterError as exc:
        return _problem(exc, _note(exc))
    return Answer(route.route.status, _plain(document))


def _note(error: AdapterError) -> str:
    """For the integrator: the backend fault or the violation behind a problem, which the caller does not see."""
    cause = error if isinstance(error, BackendFault) else error.__context__
    if isinstance(cause, BackendFault):
        fault = cause.fault
        return f"backend fault {fault.code}: {fault.message}" + (f" ({fault.detail_name})" if fault.detail_name else "")
    return error.log_detail if error.log_detail != error.detail else ""


def _problem(error: AdapterError, note: str) -> Answer:
    """The problem+json members the facade would send (RFC 9457), less ``instance`` and ``requestId``."""
    members = problem.members(error)
    return Answer(error.status, members, note)


def _plain(document: Any) -> Any:
    """The document as the facade serialises it, read back (decimals exact)."""
    return json.loads(codec.dumps(document), parse_float=Decimal)

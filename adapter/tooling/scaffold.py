"""``adapter scaffold``: a starting mapping for every operation of a contract port, that ``adapter check`` accepts.

For each operation: an HTTP method and path guessed from its name (:mod:`adapter.tooling.naming`), a request
template that maps every required input element (path and query parameters for GET and DELETE, a JSON body
otherwise; nested complex elements through ``fields``, repeated ones through ``each``), and a response template
with camelCase names. Optional elements are mapped down to a depth and up to a count per message, so that
recursive and very large types give a readable file; ``adapter inspect`` shows the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapter.contract.members import Field
from adapter.contract.xsd import ComplexType as Complex
from adapter.contract.xsd import SimpleType as Simple
from adapter.mapping.compiler import Signature
from adapter.tooling import faults as fault_rules
from adapter.tooling import templates, yamltext
from adapter.tooling.naming import Verb, camel, kebab, looks_like_id, parse_operation, unique
from adapter.tooling.templates import Budget, Rule


@dataclass(frozen=True)
class Limits:
    """How much of the optional content to map: nesting depth and values per message."""

    depth: int = 3
    fields: int = 60


@dataclass(frozen=True)
class Target:
    """Where the mapping points: the ``contract`` and ``backend`` sections, and the header comment."""

    wsdl: str  # contract.wsdl, relative to the wsdl folder
    service: str
    port: str
    soap_version: str
    address: str
    source: str  # the WSDL file name, for the comment
    schema: str | None = None  # yaml-language-server $schema reference
    username_token: bool = False  # the port's WS-SecurityPolicy asks for a UsernameToken (adapter.intake.policy)
    password_digest: bool = False  # ... with sp:HashPassword


@dataclass
class ScaffoldedRoute:
    method: str
    path: str
    operation: str
    name: str
    request: dict[str, Rule]
    response: dict[str, Rule] | None
    status: int = 200
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        route: dict[str, Any] = {"method": self.method, "path": self.path, "operation": self.operation}
        route["name"] = self.name
        if self.status != 200:
            route["status"] = self.status
        if self.request:
            route["request"] = self.request
        if self.response is not None:
            route["response"] = self.response
        return route


class Scaffolder:
    """Plans routes for operations; ``taken`` keeps methods+paths and names unique across the files of one run."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.paths: set[tuple[str, str]] = set()
        self.names: set[str] = set()

    def route(self, operation: Signature) -> ScaffoldedRoute:
        shape = operation.input_shape
        parsed = parse_operation(operation.name)
        verb, resource = parsed.verb, parsed.resource or kebab(operation.name)
        if self._fits(verb, shape):
            method, path, id_field, where = _plan(verb, resource, shape)
        else:  # a read or delete that needs a structured input: POST it, e.g. POST /v1/customers/find
            method, path, id_field, where = "POST", f"/v1/{resource}/{parsed.word}", None, "body"
        if (method, path) in self.paths:  # two operations guessed alike: the second keeps its own name
            method, path, id_field, where = _plan(Verb.ACTION, kebab(operation.name), shape)
        path = self._unique_path(method, path)
        request_budget = Budget(self.limits.depth, self.limits.fields)
        response_budget = Budget(self.limits.depth, self.limits.fields)
        route = ScaffoldedRoute(
            method=method,
            path=path,
            operation=operation.name,
            name=unique(camel(operation.name), self.names),
            request=templates.request(shape, where, id_field, request_budget),
            response=templates.response(operation.output_shape, response_budget),
            status=201 if verb is Verb.CREATE and parsed.word == "create" else 200,
        )
        if request_budget.skipped:
            skipped = request_budget.skipped
            route.notes.append(f"{skipped} optional input element(s) left out (deeper or more than the scaffold maps)")
        if response_budget.passed:
            passed = response_budget.passed
            route.notes.append(
                f"{passed} reply element(s) passed through whole (deeper or more than the scaffold maps)"
            )
        return route

    def _fits(self, verb: Verb, shape: Complex) -> bool:
        """GET and DELETE take parameters only: they need an input of simple values."""
        return verb not in (Verb.READ, Verb.DELETE) or _flat(shape)

    def _unique_path(self, method: str, path: str) -> str:
        candidate, n = path, 2
        while (method, candidate) in self.paths:
            candidate, n = f"{path}-{n}", n + 1
        self.paths.add((method, candidate))
        return candidate


def _flat(shape: Complex) -> bool:
    return (
        shape.value is None
        and not shape.required_attributes
        and all(isinstance(child.shape, Simple) for child in shape.fields.values())
    )


def _plan(verb: Verb, resource: str, shape: Complex) -> tuple[str, str, str | None, str]:
    """Method, path, the input element that becomes the path parameter, and where the rest comes from."""
    base = f"/v1/{resource}"
    id_field = _id_field(shape) if verb in (Verb.READ, Verb.UPDATE, Verb.DELETE, Verb.CANCEL) else None
    item = f"{base}/{{{camel(id_field)}}}" if id_field else base
    if verb is Verb.READ:
        return "GET", item, id_field, "query"
    if verb is Verb.DELETE:
        return "DELETE", item, id_field, "query"
    if verb is Verb.UPDATE:
        return "PUT", item, id_field, "body"
    if verb is Verb.CANCEL:
        return "POST", f"{item}/cancel", id_field, "body"
    return "POST", base, None, "body"


def _id_field(shape: Complex) -> str | None:
    for name, child in shape.fields.items():
        if isinstance(child.shape, Simple) and not child.is_list and child.min_occurs > 0 and looks_like_id(name):
            return name
    return None


# -- the file ---------------------------------------------------------------------------------------------------


def render(target: Target, routes: Iterable[ScaffoldedRoute], faults: Mapping[str, Field]) -> str:
    """The mapping file text. ``faults`` are the declared faults' detail entries, by name: each gets an error rule
    (:mod:`adapter.tooling.faults`)."""
    routes = list(routes)
    lines = _header(target, len(routes))
    lines += ["version: 1", "", "contract:"]
    lines += yamltext.mapping({"wsdl": target.wsdl, "service": target.service, "port": target.port}, 2)
    lines += ["", "backend:"]
    lines += yamltext.mapping({"url": _backend_url(target)}, 2)
    lines += _security(target)
    if faults:
        lines += ["", "# Declared faults → problem responses (statuses guessed from the names: review them)", "errors:"]
        for rule in fault_rules.rules(faults):
            body = yamltext.mapping(rule, 4)
            lines.append("  - " + body[0].lstrip())
            lines += body[1:]
    lines += ["", "routes:"] if routes else ["", "routes: []"]
    for index, route in enumerate(routes):
        if index:
            lines.append("")
        lines += [f"  # {note}" for note in route.notes]
        body = yamltext.mapping(route.as_dict(), 4)
        lines.append("  - " + body[0].lstrip())
        lines += body[1:]
    return "\n".join(lines) + "\n"


def _header(target: Target, count: int) -> list[str]:
    lines = [f"# yaml-language-server: $schema={target.schema}", "#"] if target.schema else []
    lines += [
        f"# Scaffolded by `adapter scaffold` from {target.source}: service {target.service}, port {target.port} "
        f"(SOAP {target.soap_version}), {count} operation(s).",
        "# Methods and paths are guessed from the operation names and JSON names are the XSD names in camelCase:",
        "# review them, delete what you do not need, then run `adapter check` on this file.",
    ]
    return [*lines, ""]


def _backend_url(target: Target) -> str:
    variable = _variable(target, "URL")
    return f"${{{variable}:-{target.address}}}" if target.address else f"${{{variable}}}"


def _security(target: Target) -> list[str]:
    """The ``security`` block a WS-SecurityPolicy UsernameToken asks for: credentials only as references."""
    if not target.username_token:
        return []
    lines = [
        "  security:",
        "    username_token:   # the contract's WS-SecurityPolicy asks for a UsernameToken",
        f"      username: ${{{_variable(target, 'USER')}}}",
        f"      password: ${{{_variable(target, 'PASSWORD')}}}",
    ]
    if target.password_digest:
        lines.append("      digest: true      # sp:HashPassword: PasswordDigest, never the password itself")
    return lines


def _variable(target: Target, what: str) -> str:
    """An environment variable named after the service: ``CORE_BANKING_SERVICE_URL``."""
    return "_".join(part.upper() for part in kebab(target.service).split("-")) + f"_{what}"


def scaffold(
    target: Target,
    operations: Iterable[Signature],
    *,
    scaffolder: Scaffolder | None = None,
    advance: Callable[[], None] | None = None,
) -> str:
    """The mapping file for ``operations`` of one port (see :func:`render`)."""
    scaffolder = scaffolder or Scaffolder()
    routes = []
    faults: dict[str, Field] = {}
    for operation in operations:
        routes.append(scaffolder.route(operation))
        for name, detail in operation.faults.items():
            faults.setdefault(name, detail)
        if advance is not None:
            advance()
    return render(target, routes, faults)

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
from adapter.contract.xsd import VALUE_KEY
from adapter.contract.xsd import ComplexType as Complex
from adapter.contract.xsd import SimpleType as Simple
from adapter.mapping.compiler import Signature
from adapter.tooling import yamltext
from adapter.tooling.naming import Verb, camel, is_identifier, kebab, looks_like_id, parse_operation, unique

Rule = str | dict[str, Any]
_REQUIRED_DEPTH = 12  # required elements nest this deep at most (an XSD that requires deeper recursion is unusable)


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


class _Budget:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.left = limits.fields
        self.skipped = 0

    def take(self, depth: int) -> bool:
        if depth > self.limits.depth or self.left <= 0:
            self.skipped += 1
            return False
        self.left -= 1
        return True


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
        request_budget, response_budget = _Budget(self.limits), _Budget(self.limits)
        route = ScaffoldedRoute(
            method=method,
            path=path,
            operation=operation.name,
            name=unique(camel(operation.name), self.names),
            request=_request(shape, where, id_field, request_budget),
            response=_response(operation.output_shape, response_budget),
            status=201 if verb is Verb.CREATE and parsed.word == "create" else 200,
        )
        skipped = request_budget.skipped + response_budget.skipped
        if skipped:
            route.notes.append(f"{skipped} optional element(s) left out (deeper or more than the scaffold maps)")
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


# -- request ----------------------------------------------------------------------------------------------------


def _request(shape: Complex, where: str, id_field: str | None, budget: _Budget) -> dict[str, Rule]:
    json_names: set[str] = set()
    template: dict[str, Rule] = {}
    if shape.value is not None:
        template[VALUE_KEY] = f"{where}.{unique('value', json_names)}"
    for name in shape.attributes:
        if name in shape.required_attributes or budget.take(1):
            template[name] = f"{where}.{unique(camel(name), json_names)}"
    for name, child in shape.fields.items():
        if child.min_occurs == 0 and not budget.take(1):
            continue
        json_name = unique(camel(name), json_names)
        if name == id_field:
            template[name] = f"path.{json_name}"
        elif where == "query":
            template[name] = f"query.{json_name}"
        else:
            template[name] = _in_rule(child, f"body.{json_name}", 1, budget)
    return template


def _in_rule(child: Field, source: str, depth: int, budget: _Budget) -> Rule:
    shape = child.shape
    if isinstance(shape, Simple):
        return source  # a repeated simple element takes a JSON array (or one value) as it is
    children = _in_children(shape, depth + 1, budget)
    if child.is_list:
        return {"each": source, "fields": children}
    return {"from": source, "fields": children}


def _in_children(shape: Complex, depth: int, budget: _Budget) -> dict[str, Rule]:
    """The ``fields`` of a nested input element, with sources relative to its JSON object."""
    json_names: set[str] = set()
    out: dict[str, Rule] = {}
    if shape.value is not None:
        out[VALUE_KEY] = unique("value", json_names)
    for name in shape.attributes:
        if name in shape.required_attributes or budget.take(depth):
            out[name] = unique(camel(name), json_names)
    for name, child in shape.fields.items():
        required = child.min_occurs > 0
        if required and depth > _REQUIRED_DEPTH:
            break  # the checker names what is left unmapped
        if not required and not budget.take(depth):
            continue
        out[name] = _in_rule(child, unique(camel(name), json_names), depth, budget)
    return out


# -- response ---------------------------------------------------------------------------------------------------


def _response(shape: Complex | None, budget: _Budget) -> dict[str, Rule] | None:
    if shape is None:
        return None
    return _out_children(shape, 1, budget)


def _out_children(shape: Complex, depth: int, budget: _Budget) -> dict[str, Rule]:
    json_names: set[str] = set()
    out: dict[str, Rule] = {}
    if shape.value is not None:
        out[unique("value", json_names)] = VALUE_KEY
    for name in shape.attributes:
        out[unique(camel(name), json_names)] = _step(name)
    for name, child in shape.fields.items():
        rule = _out_rule(child, depth, budget)
        if rule is not None:
            out[unique(camel(name), json_names)] = rule
    return out


def _out_rule(child: Field, depth: int, budget: _Budget) -> Rule | None:
    step = _step(child.name)
    shape = child.shape
    if isinstance(shape, Simple) or not (shape.fields or shape.attributes or shape.value):
        return step
    if not budget.take(depth + 1):
        # Past the limits: a flat element is passed through as the contract has it; a deep one is left out, as its
        # whole type would make a schema (and a response) nobody reads.
        flat = all(isinstance(grandchild.shape, Simple) for grandchild in shape.fields.values())
        return step if flat else None
    children = _out_children(shape, depth + 1, budget)
    return {"each": step, "fields": children} if child.is_list else {"from": step, "fields": children}


def _step(name: str) -> str:
    """A source step for an XML name: as is, or as a quoted JMESPath identifier (``"Last-Name"``)."""
    return name if is_identifier(name) else '"' + name.replace('"', '\\"') + '"'


# -- the file ---------------------------------------------------------------------------------------------------


def render(target: Target, routes: Iterable[ScaffoldedRoute], faults: Mapping[str, str]) -> str:
    """The mapping file text. ``faults`` maps declared fault detail elements to the operations that raise them."""
    routes = list(routes)
    lines = _header(target, len(routes), faults)
    lines += ["version: 1", "", "contract:"]
    lines += yamltext.mapping({"wsdl": target.wsdl, "service": target.service, "port": target.port}, 2)
    lines += ["", "backend:"]
    lines += yamltext.mapping({"url": _backend_url(target)}, 2)
    lines += _security(target)
    lines += ["", "routes:"] if routes else ["", "routes: []"]
    for index, route in enumerate(routes):
        if index:
            lines.append("")
        lines += [f"  # {note}" for note in route.notes]
        body = yamltext.mapping(route.as_dict(), 4)
        lines.append("  - " + body[0].lstrip())
        lines += body[1:]
    return "\n".join(lines) + "\n"


def _header(target: Target, count: int, faults: Mapping[str, str]) -> list[str]:
    lines = [f"# yaml-language-server: $schema={target.schema}", "#"] if target.schema else []
    lines += [
        f"# Scaffolded by `adapter scaffold` from {target.source}: service {target.service}, port {target.port} "
        f"(SOAP {target.soap_version}), {count} operation(s).",
        "# Methods and paths are guessed from the operation names and JSON names are the XSD names in camelCase:",
        "# review them, delete what you do not need, then run `adapter check` on this file.",
    ]
    if faults:
        lines += ["#", "# Declared faults; turn the ones callers should see into problem responses, e.g.:", "# errors:"]
        for fault, operation in list(faults.items())[:20]:
            lines.append(f"#   - {{ fault: {fault}, status: 422, title: {fault} }}   # {operation}")
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
    faults: dict[str, str] = {}
    for operation in operations:
        routes.append(scaffolder.route(operation))
        for fault in operation.faults:
            faults.setdefault(fault, operation.name)
        if advance is not None:
            advance()
    return render(target, routes, faults)

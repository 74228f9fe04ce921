"""``adapter scaffold --serve``: a starting served-contract mapping (:mod:`adapter.mapping.southbound`) for a WSDL,
that ``adapter check`` accepts and ``adapter serve`` serves at once.

One REST call per operation: the method and path guessed from its name as for the facade (:mod:`.naming`: a read
with a flat input is a ``GET`` with query parameters, its id element in the path; anything else is a ``POST`` with
a JSON body), every input element mapped into the call (nested elements as objects, repeated ones as arrays,
derived types with ``type`` ← ``_type``), every declared SOAP header block's values sent as HTTP headers named
``X-<Block>-<Element>``, every output element built from the JSON reply (its header blocks from reply headers of
the same names), and an error rule per declared fault, its status guessed from the fault's name
(:mod:`.faults`) and its detail built from the error reply's body.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from adapter.contract.members import Field
from adapter.contract.port import HEADER_KEY, BoundOperation
from adapter.contract.xsd import ComplexType, SimpleType
from adapter.tooling import faults as fault_rules
from adapter.tooling import templates, yamltext
from adapter.tooling.naming import Verb, kebab, looks_like_id, parse_operation
from adapter.tooling.scaffold import Limits
from adapter.tooling.templates import Budget, Rule, step

_HEADER_DEPTH = 3  # nested header elements are sent down to this depth


@dataclass(frozen=True)
class ServedTarget:
    """What the served mapping names: the contract, where it is served and the backend's variable."""

    wsdl: str  # contract.wsdl, relative to the wsdl folder
    service: str
    port: str
    soap_version: str
    source: str  # the WSDL file name, for the comment
    schema: str | None = None  # yaml-language-server $schema reference
    username_token: bool = False  # the port's WS-SecurityPolicy asks for a UsernameToken

    @property
    def path(self) -> str:
        return f"/soap/{kebab(self.service)}"

    @property
    def variable(self) -> str:
        return "_".join(part.upper() for part in kebab(self.service).split("-")) + "_REST_URL"


def operation(bound: BoundOperation, limits: Limits, taken: set[tuple[str, str]]) -> dict[str, Any]:
    """The served mapping of one operation (a ``RestOperation`` as plain data)."""
    body = bound.input.body
    parsed = parse_operation(bound.name)
    resource = parsed.resource or kebab(bound.name)
    flat = _flat(body)
    method = {Verb.READ: "GET", Verb.DELETE: "DELETE", Verb.UPDATE: "PUT"}.get(parsed.verb, "POST")
    if method in ("GET", "DELETE") and not flat:
        method = "POST"
    id_field = _id_field(body) if parsed.verb in (Verb.READ, Verb.UPDATE, Verb.DELETE, Verb.CANCEL) else None
    path = f"/v1/{resource}" + (f"/{{{id_field}}}" if id_field else "")
    if parsed.verb is Verb.CANCEL:
        path += "/cancel"
    elif method == "POST" and parsed.verb is Verb.READ:
        path += f"/{parsed.word}"
    path = _unique(method, path, taken)
    out: dict[str, Any] = {"method": method, "path": path}
    headers = _headers(bound)
    if headers:
        out["headers"] = headers
    values = templates.response(body, Budget(limits.depth, limits.fields)) or {}
    values = {name: rule for name, rule in values.items() if rule != id_field}
    if values or method not in ("GET", "DELETE"):
        out["query" if method in ("GET", "DELETE") else "body"] = values
    output = bound.output.shape if bound.output is not None else None
    if output is not None:
        out["response"] = templates.request(output, "body", None, Budget(limits.depth, limits.fields))
    return out


def _flat(shape: ComplexType) -> bool:
    return (
        shape.value is None
        and not shape.attributes
        and not shape.is_polymorphic
        and all(isinstance(child.shape, SimpleType) for child in shape.fields.values())
    )


def _id_field(shape: ComplexType) -> str | None:
    for name, child in shape.fields.items():
        if isinstance(child.shape, SimpleType) and not child.is_list and child.required and looks_like_id(name):
            return name
    return None


def _unique(method: str, path: str, taken: set[tuple[str, str]]) -> str:
    candidate, number = path, 2
    while (method, candidate) in taken:
        candidate, number = f"{path}-{number}", number + 1
    taken.add((method, candidate))
    return candidate


def _headers(bound: BoundOperation) -> dict[str, Rule]:
    """Each declared header block's simple values as HTTP request headers: ``X-Audit-Header-User-Id`` ←
    ``_header.AuditHeader.UserId``."""
    declared = bound.input.headers
    out: dict[str, Rule] = {}
    for name, block in (declared.fields if declared is not None else {}).items():
        _header_values(block, f"{HEADER_KEY}.{step(name)}", _title(name), out, 1)
    return out


def _header_values(field: Field, source: str, header: str, out: dict[str, Rule], depth: int) -> None:
    shape = field.shape
    if isinstance(shape, SimpleType):
        out[f"X-{header}"] = source
        return
    if shape.simple is not None:
        out[f"X-{header}"] = f"{source}._value"
    for name in shape.attributes:
        out[f"X-{header}-{_title(name)}"] = f"{source}.{step(name)}"
    for name, child in shape.fields.items():
        if not child.is_list and (isinstance(child.shape, SimpleType) or depth < _HEADER_DEPTH):
            _header_values(child, f"{source}.{step(name)}", f"{header}-{_title(name)}", out, depth + 1)


def _title(name: str) -> str:
    return "-".join(word.capitalize() for word in kebab(name).split("-"))


def error_rules(faults: dict[str, Field], limits: Limits) -> list[dict[str, Any]]:
    """One rule per declared fault: the error reply's status, its ``message`` as reason, its body as detail."""
    rules = []
    for name, detail in faults.items():
        status = fault_rules.status(name)
        rule: dict[str, Any] = {"status": status, "fault": name}
        if status >= 500:
            rule["code"] = "Server"
        rule["reason"] = "body.message"
        rule["title"] = fault_rules.title(name)
        if isinstance(detail.shape, ComplexType):
            rule["detail"] = templates.request(detail.shape, "body", None, Budget(limits.depth, limits.fields))
        rules.append(rule)
    return rules


def render(target: ServedTarget, operations: Iterable[BoundOperation], limits: Limits) -> str:
    """The served mapping file text for ``operations`` of one port."""
    bound = list(operations)
    taken: set[tuple[str, str]] = set()
    mapped = {op.name: operation(op, limits, taken) for op in bound}
    faults: dict[str, Field] = {}
    for op in bound:
        for name, detail in op.faults.items():
            faults.setdefault(name, detail)
    lines = [f"# yaml-language-server: $schema={target.schema}", "#"] if target.schema else []
    lines += [
        f"# Scaffolded by `adapter scaffold --serve` from {target.source}: service {target.service} "
        f"(SOAP {target.soap_version}), {len(bound)} operation(s),",
        f"# served at {target.path} and answered by a REST backend.",
        "# Methods, paths and JSON names are guessed from the operation and XSD names: review them, then run",
        "# `adapter check` on this file. SOAP header blocks are sent as X-<Block>-<Element> HTTP headers.",
        "",
        "version: 1",
        "",
        "contract:",
        *yamltext.mapping({"wsdl": target.wsdl, "service": target.service, "port": target.port}, 2),
        "",
        "endpoint:",
        *yamltext.mapping({"path": target.path}, 2),
    ]
    if target.username_token:
        lines.append("  username_token: true   # the contract's WS-SecurityPolicy asks for a UsernameToken")
    lines += ["", "backend:", f"  url: ${{{target.variable}:-http://127.0.0.1:8080}}"]
    if faults:
        lines += ["", "# Declared faults ← error replies (statuses guessed from the names: review them)", "errors:"]
        for rule in error_rules(faults, limits):
            body = yamltext.mapping(rule, 4)
            lines += ["  - " + body[0].lstrip(), *body[1:]]
    lines += ["", "operations:"]
    for name, spec in mapped.items():
        lines += [f"  {yamltext.scalar(name)}:", *yamltext.mapping(spec, 4)]
    return "\n".join(lines) + "\n"


__all__ = ["ServedTarget", "error_rules", "operation", "render"]

"""Check a served-contract mapping against its contract and compile it into :class:`CompiledCall` plans.

The same checks as the facade's compiler, whose machinery it reuses with the roles swapped: query and body templates
read the SOAP input (and are followed through its shapes), response and fault detail templates build the SOAP output
and the declared fault elements (and must cover their required parts). Every problem names ``file:line:column``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from adapter.contract.members import Field
from adapter.contract.xsd import ComplexType, SimpleType
from adapter.mapping.compiler import EMPTY, Compiler, Inputs, Loc, Signature, did_you_mean
from adapter.mapping.engine import InPlan
from adapter.mapping.functions import Transform
from adapter.mapping.paths import SourcePath
from adapter.mapping.restplan import CompiledCall, FaultPlan, PathPart
from adapter.mapping.southbound import REPLY_ROOTS, RestErrorRule, RestOperation, ServedMappingFile

_PLACEHOLDER = re.compile(r"{([^{}]*)}")
_BODY_LESS = ("GET", "DELETE")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 §5.6.2
# Headers that frame the message or the connection, or that the adapter sets (RFC 9110 §7.6.1, §8.6, §10.1.1):
# a mapping that set them could desynchronise the connection or lie about the body.
_RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "upgrade",
        "te",
        "trailer",
        "expect",
        "accept",
        "traceparent",
        "tracestate",
    }
)


@dataclass
class CompiledService:
    """A served-contract mapping file, compiled: one call per contract operation."""

    file: str
    model: ServedMappingFile
    calls: dict[str, CompiledCall]


class RestCompiler(Compiler):
    """Compiles one served-contract mapping file; ``problems`` holds every error found."""

    roots = REPLY_ROOTS
    reading = "the SOAP request"

    def compile_service(self, served: ServedMappingFile) -> CompiledService:
        shared = self._fault_plans(served.errors, _all_faults(self.operations), ("errors",))
        calls = {}
        for name, operation in served.operations.items():
            loc: Loc = ("operations", name)
            signature = self.operations.get(name)
            if signature is None:
                hint = did_you_mean(name, self.operations)
                self.problem(loc, f"no operation {name!r} in the contract{hint}", key=True)
                continue
            # A shared rule applies to the operations that declare its fault: any other fault breaks the contract.
            own = tuple(plan for plan in shared if plan.fault is None or plan.fault in signature.faults)
            calls[name] = self._call(operation, signature, loc, own)
        for name in self.operations:
            if name not in served.operations:
                self.problem(("operations",), f"operation {name!r} of the contract is not mapped")
        return CompiledService(file=self.file, model=served, calls=calls)

    def _call(
        self, operation: RestOperation, signature: Signature, loc: Loc, shared: tuple[FaultPlan, ...]
    ) -> CompiledCall:
        soap_input = signature.input_shape
        output = signature.output_shape or EMPTY
        query, _ = self._out_plans(operation.query, soap_input, loc + ("query",))
        headers, _ = self._out_plans(operation.headers, soap_input, loc + ("headers",))
        for name in operation.headers:
            self._header_name(name, loc + ("headers", name))
        body = None
        if operation.body is not None:
            if operation.method in _BODY_LESS:
                self.problem(loc + ("body",), f"a {operation.method} request has no body")
            body, _ = self._out_plans(operation.body, soap_input, loc + ("body",))
        response = self._in_plans(operation.response, output, loc + ("response",), Inputs(set()), "")
        self._required_covered(operation.response, output, loc + ("response",))
        own = self._fault_plans(operation.errors, signature.faults, loc + ("errors",))
        return CompiledCall(
            operation=signature.name,
            method=operation.method,
            path=self._path(operation.path, soap_input, loc + ("path",)),
            query=query,
            headers=headers,
            body=body,
            response=response,
            errors=own + shared,
        )

    def _path(self, template: str, soap_input: ComplexType, loc: Loc) -> tuple[PathPart, ...]:
        if not template.startswith("/"):
            self.problem(loc, "an operation path starts with '/'")
        parts, position = [], 0
        for match in _PLACEHOLDER.finditer(template):
            parts.append(PathPart(text=template[position : match.start()]))
            parts.append(PathPart(source=self._placeholder(match.group(1), soap_input, loc)))
            position = match.end()
        parts.append(PathPart(text=template[position:]))
        return tuple(part for part in parts if part.text or part.source is not None)

    def _placeholder(self, name: str, soap_input: ComplexType, loc: Loc) -> SourcePath | None:
        source = self._source(name, loc)
        if source is None:
            return None
        if source.steps is None:
            self.problem(loc, f"{{{name}}} must be a plain path in the SOAP request, such as {{PaymentOrderId}}")
            return None
        found = self._follow(source, soap_input, loc)
        if found is not None and (not isinstance(found.shape, SimpleType) or found.is_list or not found.required):
            self.problem(loc, f"{{{name}}} must be a required single value of the SOAP request")
        return source

    def _header_name(self, name: str, loc: Loc) -> None:
        if not _TOKEN.fullmatch(name):
            self.problem(loc, f"{name!r} is not an HTTP header name (RFC 9110 §5.1: a token)", key=True)
        elif name.lower() in _RESERVED_HEADERS:
            self.problem(loc, f"{name} is set by the adapter itself and cannot be mapped", key=True)

    # -- error rules --------------------------------------------------------------------------------------

    def _fault_plans(self, rules: list[RestErrorRule], faults: Mapping[str, Field], loc: Loc) -> tuple[FaultPlan, ...]:
        plans = []
        for index, rule in enumerate(rules):
            plan = self._fault_plan(rule, faults, loc + (index,))
            if plan is not None:
                plans.append(plan)
        return tuple(plans)

    def _fault_plan(self, rule: RestErrorRule, faults: Mapping[str, Field], loc: Loc) -> FaultPlan | None:
        detail: tuple[InPlan, ...] = ()
        if rule.fault is not None:
            declared = faults.get(rule.fault)
            if declared is None:
                hint = did_you_mean(rule.fault, faults)
                self.problem(loc + ("fault",), f"no declared fault {rule.fault!r}{hint}")
                return None
            shape = declared.shape if isinstance(declared.shape, ComplexType) else EMPTY
            detail = self._in_plans(rule.detail, shape, loc + ("detail",), Inputs(set()), "")
            self._required_covered(rule.detail, shape, loc + ("detail",))
        elif rule.detail:
            self.problem(loc + ("detail",), "a detail needs a declared 'fault'")
        statuses = rule.status if isinstance(rule.status, list) else [rule.status]
        return FaultPlan(
            statuses=frozenset(statuses),
            when=tuple(self._conditions(rule.when, loc + ("when",))),
            fault=rule.fault,
            code=rule.code,
            reason=self._reply_path(rule.reason, loc + ("reason",)),
            title=rule.title or rule.fault or ("Server error" if rule.code == "Server" else "Request refused"),
            detail=detail,
        )

    def _conditions(self, when: Mapping[str, str | list[str]], loc: Loc) -> list[tuple[SourcePath, tuple[str, ...]]]:
        conditions = []
        for text, allowed in when.items():
            path = self._reply_path(text, loc + (text,))
            if path is not None:
                conditions.append((path, tuple(allowed) if isinstance(allowed, list) else (allowed,)))
        return conditions

    def _reply_path(self, text: str | None, loc: Loc) -> SourcePath | None:
        source = self._source(text, loc)
        if source is not None and source.steps is not None:
            self._check_root(source, "", Inputs(set()), loc)
        return source

    # -- hooks of the facade compiler ---------------------------------------------------------------------

    def _record_input(
        self,
        source: SourcePath | None,
        base: str,
        target: Field,
        transforms: tuple[Transform, ...],
        required: bool,
        inputs: Inputs,
        loc: Loc,
        each: SourcePath | None,
    ) -> None:
        # The facade records request sources for its OpenAPI document; here only their roots are checked.
        if source is not None and source.steps is not None and base != "*":
            self._check_root(source, base, inputs, loc)


def _all_faults(operations: Mapping[str, Signature]) -> dict[str, Field]:
    return {name: field for operation in operations.values() for name, field in operation.faults.items()}


__all__ = ["CompiledService", "RestCompiler"]

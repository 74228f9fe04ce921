"""Check a mapping file against its contract and compile it into plans.

Every problem is collected with its place in the file (``file:line:column``) and, for a misspelt name, the closest
names the contract offers. Nothing here runs code from the file: sources are paths, transforms come from a closed
registry.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Protocol

from adapter.contract.members import Field, fault_document, member, names, walk
from adapter.contract.port import HEADER_KEY
from adapter.contract.xsd import VALUE_KEY, ComplexType, XsdType
from adapter.exceptions import MappingError
from adapter.mapping import functions
from adapter.mapping.engine import InPlan, OutPlan
from adapter.mapping.errors import ErrorPlan, FieldErrorsPlan, slug
from adapter.mapping.jsonschema import Schemas, nullable, object_schema
from adapter.mapping.model import ErrorRule, MappingFile, Route, Rule, TransformSpec
from adapter.mapping.pagination import PagePlan, compile_pagination
from adapter.mapping.pagination import document as document_pages
from adapter.mapping.paths import MISSING, PathSyntaxError, SourcePath
from adapter.mapping.policies import policy_problems
from adapter.mapping.yamlsource import locate

Loc = tuple[str | int, ...]
REQUEST_ROOTS = ("path", "query", "headers", "body")
EMPTY = ComplexType(id="#empty", hint="(empty)")  # the output of a one-way operation
_PATH_PARAM = re.compile(r"{([^{}]*)}")
_PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "requestId", "code"})


class Signature(Protocol):
    """What the compiler needs of a contract operation."""

    @property
    def name(self) -> str: ...

    @property
    def input_shape(self) -> ComplexType: ...

    @property
    def output_shape(self) -> ComplexType | None: ...

    @property
    def faults(self) -> Mapping[str, Field]: ...


@dataclass
class CompiledRoute:
    route: Route
    operation: str
    request: tuple[InPlan, ...]
    response: tuple[OutPlan, ...] | None
    errors: tuple[ErrorPlan, ...]
    parameters: list[dict[str, Any]] = field(default_factory=list)  # OpenAPI Parameter Objects
    body_schema: dict[str, Any] | None = None
    response_schema: dict[str, Any] = field(default_factory=dict)
    scopes: tuple[str, ...] = ()
    sensitive: frozenset[str] = frozenset()  # request sources to mask in logs, e.g. "path.iban"
    pagination: PagePlan | None = None
    input_shape: ComplexType | None = None  # the operation's input, whose choices the engine checks
    components: dict[str, Any] = field(default_factory=dict)  # OpenAPI component schemas the schemas refer to


@dataclass
class CompiledMapping:
    file: str
    model: MappingFile
    routes: list[CompiledRoute]


@dataclass
class Inputs:
    """Where request sources point: path/query/header parameter schemas and the body's tree."""

    path_names: set[str]
    params: dict[tuple[str, str], tuple[dict[str, Any], bool]] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)  # nested {name: subtree | (schema, required)}


def did_you_mean(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class Compiler:
    """Compiles one mapping file; ``problems`` holds every error found."""

    # Where request-template sources start, and what response-template paths are read from (for messages). The
    # served-contract compiler (adapter.mapping.restcompiler) reads the other way round and sets its own.
    roots: tuple[str, ...] = REQUEST_ROOTS
    reading: str = "the reply"

    def __init__(self, file: str, located: Any, operations: Mapping[str, Signature]) -> None:
        self.file = file
        self.located = located
        self.operations = operations
        self.problems: list[MappingError] = []
        self.default_scopes: list[str] = []
        self.schemas = Schemas(PurePath(file).stem)  # OpenAPI schemas; named ones (derived types) in .components

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> None:
        line, column = locate(self.located, loc, key=key)
        field_name = ".".join(str(step) for step in loc)
        self.problems.append(MappingError(message, file=self.file, line=line, column=column, field=field_name))

    def compile(self, model: MappingFile) -> CompiledMapping:
        self.default_scopes = model.scopes
        shared = self._errors(model.errors, None, ("errors",))
        routes = []
        for index, route in enumerate(model.routes):
            compiled = self._route(route, ("routes", index), shared)
            if compiled is not None:
                routes.append(compiled)
        for loc, message in policy_problems(model):  # cache, idempotency, invalidates, limits
            self.problem(loc, message)
        return CompiledMapping(file=self.file, model=model, routes=routes)

    # -- routes -------------------------------------------------------------------------------------------

    def _route(self, route: Route, loc: Loc, shared: tuple[ErrorPlan, ...]) -> CompiledRoute | None:
        operation = self.operations.get(route.operation)
        if operation is None:
            hint = did_you_mean(route.operation, self.operations)
            self.problem(loc + ("operation",), f"no operation {route.operation!r} in the contract{hint}")
            return None
        inputs = Inputs(path_names=self._path_names(route, loc))
        request = self._in_plans(route.request, operation.input_shape, loc + ("request",), inputs, "")
        self._required_covered(route.request, operation.input_shape, loc + ("request",))
        output = operation.output_shape or EMPTY
        response, response_schema = self._response(route, output, loc)
        errors = self._errors(route.errors, operation, loc + ("errors",)) + shared
        self._location(route, response_schema, loc)
        compiled = CompiledRoute(
            route=route,
            operation=operation.name,
            request=request,
            response=response,
            errors=errors,
            parameters=_parameters(inputs),
            body_schema=_body_schema(inputs.body) if inputs.body else None,
            response_schema=response_schema,
            scopes=tuple(route.scopes if route.scopes is not None else self.default_scopes),
            sensitive=frozenset(_sensitive(route.request)),
            input_shape=operation.input_shape,
            components=self.schemas.components,
        )
        if route.pagination is not None:
            compiled.pagination = compile_pagination(
                route.pagination, request, response_schema, self.problem, loc + ("pagination",)
            )
            if compiled.pagination is not None:
                document_pages(compiled.pagination, compiled.parameters)
        return compiled

    def _path_names(self, route: Route, loc: Loc) -> set[str]:
        names = set(_PATH_PARAM.findall(route.path))
        if not route.path.startswith("/"):
            self.problem(loc + ("path",), "a route path starts with '/'")
        for name in names:
            if not name.isidentifier():
                self.problem(loc + ("path",), f"path parameter {{{name}}} must be a plain name")
        return names

    def _response(
        self, route: Route, output: ComplexType, loc: Loc
    ) -> tuple[tuple[OutPlan, ...] | None, dict[str, Any]]:
        if route.response is None:
            return None, self.schemas.shape(output, inbound=False)
        plans, schema = self._out_plans(route.response, output, loc + ("response",))
        return plans, schema

    def _location(self, route: Route, response_schema: dict[str, Any], loc: Loc) -> None:
        if route.location is None:
            return
        known = response_schema.get("properties", {})
        for name in _PATH_PARAM.findall(route.location):
            if name not in known:
                hint = did_you_mean(name, known)
                self.problem(loc + ("location",), f"{{{name}}} is not a response field{hint}")

    # -- request templates --------------------------------------------------------------------------------

    def _in_plans(
        self, template: Mapping[str, Any], shape: ComplexType, loc: Loc, inputs: Inputs, base: str
    ) -> tuple[InPlan, ...]:
        plans = []
        for name, rule in template.items():
            target = member(shape, name)
            if target is None:
                hint = did_you_mean(name, names(shape))
                what = shape.type_name or "the operation input"
                self.problem(loc + (name,), f"{name!r} is not an element of {what}{hint}", key=True)
                continue
            plan = self._in_plan(name, target, rule, loc + (name,), inputs, base)
            if plan is not None:
                plans.append(plan)
        return tuple(plans)

    def _required_covered(self, template: Mapping[str, Any], shape: ComplexType, loc: Loc) -> None:
        for name, child in shape.fields.items():
            if child.min_occurs > 0 and name not in template:
                self.problem(loc, _unmapped(name, shape))
        for name in sorted(shape.required_attributes - set(template)):
            self.problem(
                loc,
                f"required attribute {name!r} of {shape.type_name or 'the input'} is not mapped",
            )
        if shape.value is not None and VALUE_KEY not in template:
            self.problem(loc, f"the value ({VALUE_KEY}) of {shape.type_name or 'this element'} is not mapped")

    def _in_plan(
        self, name: str, target: Field, rule: str | Rule, loc: Loc, inputs: Inputs, base: str
    ) -> InPlan | None:
        rule, loc_from = _as_rule(rule, loc)
        transforms = self._transforms(rule.transform, loc + ("transform",))
        source = self._source(rule.from_, loc_from)
        each = self._source(rule.each, loc + ("each",))
        children = None
        if rule.fields is not None:
            if not isinstance(target.shape, ComplexType):
                self.problem(loc + ("fields",), f"{name!r} is a simple value: it has no fields")
                return None
            item_base = self._base(base, each or source, inputs, loc)
            if each is not None and item_base != "*":
                item_base += "[]"
                if target.min_occurs > 0:
                    _mark_required(inputs.body, item_base)
            children = self._in_plans(rule.fields, target.shape, loc + ("fields",), inputs, item_base)
            self._required_covered(rule.fields, target.shape, loc + ("fields",))
        elif isinstance(target.shape, ComplexType) and rule.value is None and not _open_only(target.shape):
            self.problem(loc, f"{name!r} is a complex element: map its parts with 'fields'")
            return None
        if each is not None and not target.is_list:
            self.problem(loc + ("each",), f"{name!r} is not a repeated element")
        constant = rule.value if "value" in rule.model_fields_set else MISSING
        default = rule.default if "default" in rule.model_fields_set else MISSING
        if children is None and (source is not None or each is not None):
            required = target.required and default is MISSING
            self._record_input(each or source, base, target, transforms, required, inputs, loc_from, each)
        return InPlan(name, target, source, constant, default, transforms, children, each)

    def _base(self, base: str, source: SourcePath | None, inputs: Inputs, loc: Loc) -> str:
        if source is None:
            return base
        if source.steps is None:
            return "*"  # a JMESPath context: nested sources are not followed into the OpenAPI body
        self._check_root(source, base, inputs, loc)
        return ".".join(filter(None, [base, source.text]))

    def _record_input(
        self,
        source: SourcePath | None,
        base: str,
        target: Field,
        transforms: tuple[functions.Transform, ...],
        required: bool,
        inputs: Inputs,
        loc: Loc,
        each: SourcePath | None,
    ) -> None:
        if source is None or source.steps is None or base == "*":
            return
        if not self._check_root(source, base, inputs, loc):
            return
        steps = tuple(filter(None, base.split("."))) + source.steps
        item = dict(self.schemas.leaf(target, transforms, inbound=True))
        if each is not None and item.get("type") != "array":
            item = {"type": "array", "items": item}
        root, rest = steps[0], steps[1:]
        if root == "body":
            _put(inputs.body, rest, item, required)
        elif rest:
            kind = {"path": "path", "query": "query", "headers": "header"}[root]
            if kind == "header" or len(rest) == 1:
                inputs.params[(kind, rest[0])] = (item, required or kind == "path")

    def _check_root(self, source: SourcePath, base: str, inputs: Inputs, loc: Loc) -> bool:
        if base:
            return True
        root = source.root
        if root not in self.roots:
            hint = did_you_mean(root or "", self.roots)
            starts = f"{', '.join(self.roots[:-1])} or {self.roots[-1]}"
            self.problem(loc, f"a source starts with {starts}{hint}")
            return False
        if root == "path" and source.steps and len(source.steps) > 1:
            if source.steps[1] not in inputs.path_names:
                hint = did_you_mean(source.steps[1], inputs.path_names)
                self.problem(loc, f"{{{source.steps[1]}}} is not in the route path{hint}")
                return False
        return True

    # -- response templates -------------------------------------------------------------------------------

    def _out_plans(
        self, template: Mapping[str, Any], context: XsdType | None, loc: Loc
    ) -> tuple[tuple[OutPlan, ...], dict[str, Any]]:
        plans: list[OutPlan] = []
        properties: dict[str, Any] = {}
        for name, rule in template.items():
            result = self._out_plan(name, rule, context, loc + (name,))
            if result is not None:
                plans.append(result[0])
                properties[name] = result[1]
        return tuple(plans), object_schema(properties)

    def _out_plan(
        self, name: str, rule: str | Rule, context: XsdType | None, loc: Loc
    ) -> tuple[OutPlan, dict[str, Any]] | None:
        rule, loc_from = _as_rule(rule, loc)
        transforms = self._transforms(rule.transform, loc + ("transform",))
        source = self._source(rule.from_, loc_from)
        each = self._source(rule.each, loc + ("each",))
        found = self._follow(source, context, loc_from)
        listed = self._follow(each, context, loc + ("each",))
        constant = rule.value if "value" in rule.model_fields_set else MISSING
        default = rule.default if "default" in rule.model_fields_set else MISSING
        children: tuple[OutPlan, ...] | None = None
        schema: dict[str, Any] = {}
        if constant is MISSING and rule.fields is None and each is None:  # a whole type's schema: only when used
            schema = self.schemas.leaf(found, transforms, inbound=False)
        if rule.fields is not None:
            reached = listed or found
            inner = reached.shape if reached is not None else context if source is None and each is None else None
            children, schema = self._out_plans(rule.fields, inner, loc + ("fields",))
            if reached is not None and reached.nillable:
                schema = nullable(schema)  # xsi:nil comes out as null
        if each is not None:
            if listed is not None and not listed.is_list:
                self.problem(loc + ("each",), f"{each.text!r} is not a repeated element")
            item = schema if rule.fields is not None else self.schemas.leaf(_item(listed), transforms, inbound=False)
            schema = {"type": "array", "items": item}
        if rule.description:
            schema = {**schema, "description": rule.description}
        return OutPlan(name, source, constant, default, transforms, children, each), schema

    def _follow(self, source: SourcePath | None, context: XsdType | None, loc: Loc) -> Field | None:
        """The contract field a plain path reaches from ``context``; a problem if it reaches nothing."""
        if source is None or source.steps is None or context is None:
            return None
        found = walk(context, source.steps)
        if found is None:
            self.problem(loc, f"{source.text!r} is not in {self.reading}{self._path_hint(source.steps, context)}")
        return found

    def _path_hint(self, steps: Sequence[str], context: XsdType) -> str:
        shape = context
        for index, step in enumerate(steps):
            if not isinstance(shape, ComplexType):
                return ""
            child = member(shape, step)
            if child is None:
                known = names(shape)
                close = difflib.get_close_matches(step, known, n=1, cutoff=0.6)
                if close:
                    return f"; did you mean {'.'.join([*steps[:index], close[0]])!r}?"
                return f"; {'.'.join(steps[:index]) or 'it'} has: {', '.join(known[:12])}"
            shape = child.shape
        return ""

    # -- shared pieces ------------------------------------------------------------------------------------

    def _source(self, text: str | None, loc: Loc) -> SourcePath | None:
        if text is None:
            return None
        try:
            return SourcePath.compile(text)
        except PathSyntaxError as exc:
            self.problem(loc, str(exc))
            return None

    def _transforms(
        self, spec: TransformSpec | list[TransformSpec] | None, loc: Loc
    ) -> tuple[functions.Transform, ...]:
        specs = [] if spec is None else spec if isinstance(spec, list) else [spec]
        built = []
        for index, one in enumerate(specs):
            where = loc + (index,) if isinstance(spec, list) else loc
            try:
                built.append(functions.build(one))
            except KeyError as exc:
                name = str(exc.args[0])
                hint = did_you_mean(name, functions.NAMES)
                self.problem(where, f"unknown transform {name!r}{hint} (known: {', '.join(functions.NAMES)})")
            except (TypeError, ValueError) as exc:
                self.problem(where, f"bad transform options: {exc}")
        return tuple(built)

    def _errors(self, rules: list[ErrorRule], operation: Signature | None, loc: Loc) -> tuple[ErrorPlan, ...]:
        plans = []
        for index, rule in enumerate(rules):
            plan = self._error(rule, operation, loc + (index,))
            if plan is not None:
                plans.append(plan)
        return tuple(plans)

    def _error(self, rule: ErrorRule, operation: Signature | None, loc: Loc) -> ErrorPlan | None:
        if rule.rows is None and rule.fault is None and rule.code is None:
            self.problem(loc, "an error rule needs 'fault', 'code' or 'rows'")
            return None
        if rule.fault is not None:
            declared = operation.faults if operation is not None else _all_faults(self.operations)
            if rule.fault not in declared:
                hint = did_you_mean(rule.fault, declared)
                self.problem(loc + ("fault",), f"no declared fault {rule.fault!r}{hint}")
        rows = self._source(rule.rows, loc + ("rows",))
        if rows is not None and operation is not None and operation.output_shape is not None:
            self._follow(rows, operation.output_shape, loc + ("rows",))
        context = self._error_context(rule, operation)
        return ErrorPlan(
            status=rule.status,
            title=rule.title,
            problem_type=rule.type or slug(rule.title),
            fault=rule.fault,
            code=rule.code,
            rows=rows,
            when={k: tuple(v) if isinstance(v, list) else (v,) for k, v in rule.when.items()},
            message=self._source(rule.message, loc + ("message",)),
            headers=self._error_paths(rule.headers, context, loc + ("headers",)),
            extensions=self._extensions(rule, context, loc + ("extensions",)),
            field_errors=self._field_errors(rule, context, loc + ("field_errors",)),
        )

    def _error_context(self, rule: ErrorRule, operation: Signature | None) -> XsdType | None:
        """What a fault rule's paths read: ``{code, message, detail}`` with the declared detail's type."""
        if rule.fault is None or rule.rows is not None:
            return None
        declared = (operation.faults if operation is not None else _all_faults(self.operations)).get(rule.fault)
        if declared is None:
            return None
        return fault_document(declared)

    def _error_paths(
        self, paths: Mapping[str, str], context: XsdType | None, loc: Loc
    ) -> tuple[tuple[str, SourcePath], ...]:
        found = []
        for name, text in paths.items():
            source = self._source(text, loc + (name,))
            if source is not None:
                self._follow(source, context, loc + (name,))
                found.append((name, source))
        return tuple(found)

    def _field_errors(self, rule: ErrorRule, context: XsdType | None, loc: Loc) -> FieldErrorsPlan | None:
        spec = rule.field_errors
        if spec is None:
            return None
        each = self._source(spec.each, loc + ("each",))
        listed = self._follow(each, context, loc + ("each",))
        item = listed.shape if listed is not None else None
        message = self._source(spec.message, loc + ("message",))
        field_path = self._source(spec.field, loc + ("field",))
        self._follow(message, item, loc + ("message",))
        self._follow(field_path, item, loc + ("field",))
        if each is None or message is None:
            return None
        return FieldErrorsPlan(each=each, field=field_path, message=message)

    def _extensions(self, rule: ErrorRule, context: XsdType | None, loc: Loc) -> tuple[tuple[str, SourcePath], ...]:
        reserved = [name for name in rule.extensions if name in _PROBLEM_MEMBERS]
        for name in reserved:
            self.problem(loc + (name,), f"{name!r} is a standard problem member (RFC 9457 §3.1)", key=True)
        allowed = {name: text for name, text in rule.extensions.items() if name not in _PROBLEM_MEMBERS}
        return self._error_paths(allowed, context, loc)


def _open_only(shape: ComplexType) -> bool:
    """Content the contract leaves open (``xsd:any`` and nothing declared): mapped from a JSON object as is."""
    return not (shape.fields or shape.attributes or shape.simple is not None)


def _unmapped(name: str, shape: ComplexType) -> str:
    if name == HEADER_KEY:
        return f"the SOAP header blocks the binding declares are not mapped (map them under {HEADER_KEY})"
    if shape.id.endswith("Header"):
        return f"SOAP header block {name!r} declared by the binding is not mapped"
    return f"required element {name!r} of {shape.type_name or 'the input'} is not mapped"


def _sensitive(template: Mapping[str, Any]) -> Iterable[str]:
    for rule in template.values():
        if isinstance(rule, Rule):
            if rule.sensitive and rule.from_:
                yield rule.from_
            if rule.fields:
                yield from _sensitive(rule.fields)


def _as_rule(rule: str | Rule, loc: Loc) -> tuple[Rule, Loc]:
    """A rule object for a template entry, and where its source path stands in the file."""
    if isinstance(rule, str):
        return Rule.model_validate({"from": rule}), loc
    return rule, loc + ("from",)


def _item(field: Field | None) -> Field | None:
    if field is None:
        return None
    return Field(name=field.name, shape=field.shape, nillable=field.nillable)


def _all_faults(operations: Mapping[str, Signature]) -> dict[str, Field]:
    faults: dict[str, Field] = {}
    for operation in operations.values():
        faults.update(operation.faults)
    return faults


def _mark_required(tree: dict[str, Any], base: str) -> None:
    steps = base.split(".")
    if steps[0] != "body":
        return
    node = tree
    for step in steps[1:]:
        node = node.setdefault(step, {})
    node[_REQUIRED] = True


_REQUIRED = "\x00required"


def _put(tree: dict[str, Any], steps: Sequence[str], schema: dict[str, Any], required: bool) -> None:
    if not steps:
        return
    head, rest = steps[0], steps[1:]
    if not rest:
        tree[head] = (schema, required)
        return
    node = tree.setdefault(head, {})
    if isinstance(node, dict):
        _put(node, rest, schema, required)


def _body_schema(tree: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required = []
    for name, node in tree.items():
        if name == _REQUIRED:
            continue
        if isinstance(node, tuple):
            properties[name], needed = node
        elif name.endswith("[]"):
            name = name[:-2]
            properties[name] = {"type": "array", "items": _body_schema(node)}
            needed = bool(node.get(_REQUIRED))
        else:
            properties[name] = _body_schema(node)
            needed = "required" in properties[name]
        if needed:
            required.append(name)
    return object_schema(properties, required)


def _parameters(inputs: Inputs) -> list[dict[str, Any]]:
    parameters = []
    for (kind, name), (schema, required) in sorted(inputs.params.items()):
        parameters.append({"name": name, "in": kind, "required": required, "schema": schema})
    for name in sorted(inputs.path_names - {n for (k, n) in inputs.params if k == "path"}):
        parameters.append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
    return parameters


__all__ = ["CompiledMapping", "CompiledRoute", "Compiler", "Signature", "did_you_mean"]

"""Apply compiled templates: HTTP request parts → SOAP input, SOAP output → JSON. Plain data only.

Plans are built once by :mod:`adapter.mapping.compiler`; applying one is a walk over dicts and lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from adapter.contract.builtins import Kind
from adapter.contract.members import Field
from adapter.contract.xsd import ComplexType, SimpleType
from adapter.exceptions import FieldProblem, RequestValidationError
from adapter.mapping.functions import Transform, TransformError
from adapter.mapping.paths import MISSING, SourcePath
from adapter.mapping.values import check_fixed, to_xsd


@dataclass(frozen=True)
class InPlan:
    """How one SOAP input element (or attribute, or ``_value``) is made from the HTTP request."""

    target: str
    field: Field
    source: SourcePath | None = None
    constant: Any = MISSING
    default: Any = MISSING
    transforms: tuple[Transform, ...] = ()
    children: tuple[InPlan, ...] | None = None
    each: SourcePath | None = None


@dataclass(frozen=True)
class OutPlan:
    """How one JSON member is made from the SOAP output."""

    target: str
    source: SourcePath | None = None
    constant: Any = MISSING
    default: Any = MISSING
    transforms: tuple[Transform, ...] = ()
    children: tuple[OutPlan, ...] | None = None
    each: SourcePath | None = None


class _Inbound:
    """One request being built; collects every field problem so the caller sees them all at once."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def build(
        self, plans: tuple[InPlan, ...], data: Any, prefix: str, shape: Any = None
    ) -> tuple[dict[str, Any], bool]:
        """The payload for ``plans`` and whether any source value was present."""
        out: dict[str, Any] = {}
        located: dict[str, str] = {}
        present = False
        for plan in plans:
            value, found = self.value(plan, data, prefix)
            present = present or found
            if value is not MISSING:
                out[plan.target] = value
                located[plan.target] = _where(prefix, _source_text(plan))
        if isinstance(shape, ComplexType) and shape.choices:
            self._choices(shape, out, located)
        return out, present

    def _choices(self, shape: ComplexType, out: dict[str, Any], located: dict[str, str]) -> None:
        """XML Schema Part 1 §3.8: a choice takes one branch; a caller who sends two learns which two."""
        for choice in shape.choices:
            given = [names for names in choice.branches if any(_given(out, name) for name in names)]
            if len(given) > 1:
                first, second = (next(n for n in names if _given(out, n)) for names in given[:2])
                self.problems.append(
                    FieldProblem(
                        located[second],
                        f"cannot be given with {located[first]}: {first} and {second} are alternatives",
                    )
                )

    def value(self, plan: InPlan, data: Any, prefix: str) -> tuple[Any, bool]:
        if plan.each is not None:
            return self._list(plan, data, prefix)
        if plan.children is not None:
            return self._object(plan, data, prefix)
        where = _where(prefix, plan.source.text if plan.source else plan.target)
        raw = plan.constant
        found = False
        if raw is MISSING and plan.source is not None:
            raw = plan.source.get(data)
            found = raw is not MISSING
        if raw is MISSING:
            raw = plan.default
        return self._leaf(plan, raw, where), found

    def _leaf(self, plan: InPlan, raw: Any, where: str) -> Any:
        fixed = plan.field.element.fixed if plan.field.element is not None else None
        if raw is MISSING and fixed is not None and plan.field.min_occurs > 0:
            raw = fixed  # XML Schema Part 1 §3.3.1: a fixed value is the only one there is
        if raw is MISSING:
            if plan.field.min_occurs > 0 and not plan.field.nillable:
                self.problems.append(FieldProblem(where, "is required"))
            return MISSING
        try:
            for transform in plan.transforms:
                raw = transform.inbound(raw)
            if raw is None:
                return self._null(plan, where)
            if isinstance(plan.field.shape, ComplexType):  # open content (xsd:any): a JSON object as is
                return _open_value(raw, plan.field.is_list and plan.each is None)
            if plan.field.is_list and plan.each is None:  # with `each`, raw is one item of the list
                items = raw if isinstance(raw, list) else [raw]
                return [to_xsd(item, _simple(plan.field)) for item in items]
            if isinstance(raw, (dict, list)) and _simple(plan.field).kind is not Kind.LIST:
                raise TransformError("must be a single value")
            value = to_xsd(raw, _simple(plan.field))
            if fixed is not None and value is not None:
                check_fixed(value, _simple(plan.field), fixed)
            return value
        except TransformError as exc:
            self.problems.append(FieldProblem(where, str(exc)))
            return MISSING

    def _null(self, plan: InPlan, where: str) -> Any:
        if plan.field.nillable:
            return None
        if plan.field.min_occurs > 0:
            self.problems.append(FieldProblem(where, "must not be null"))
        return MISSING

    def _object(self, plan: InPlan, data: Any, prefix: str) -> tuple[Any, bool]:
        assert plan.children is not None
        context, where = data, prefix
        if plan.source is not None:
            where = _where(prefix, plan.source.text)
            context = plan.source.get(data)
            if context is MISSING or context is None:
                return self._leaf_absent(plan, context, where), False
            if not isinstance(context, dict):
                self.problems.append(FieldProblem(where, "must be an object"))
                return MISSING, True
        outer = self.problems
        self.problems = []
        built, present = self.build(plan.children, context, where, plan.field.shape)
        inner, self.problems = self.problems, outer
        if not present and plan.source is None and plan.field.min_occurs == 0:
            return MISSING, False  # an optional group none of whose sources was sent
        self.problems.extend(inner)
        return built, present

    def _leaf_absent(self, plan: InPlan, value: Any, where: str) -> Any:
        if value is None:
            return self._null(plan, where)
        if plan.field.min_occurs > 0:
            self.problems.append(FieldProblem(where, "is required"))
        return MISSING

    def _list(self, plan: InPlan, data: Any, prefix: str) -> tuple[Any, bool]:
        assert plan.each is not None
        where = _where(prefix, plan.each.text)
        items = plan.each.get(data)
        if items is MISSING or items is None:
            if plan.field.min_occurs > 0:
                self.problems.append(FieldProblem(where, "is required"))
            return MISSING, False
        if not isinstance(items, list):
            self.problems.append(FieldProblem(where, "must be an array"))
            return MISSING, True
        return [self._item(plan, item, f"{where}[{i}]") for i, item in enumerate(items)], True

    def _item(self, plan: InPlan, item: Any, where: str) -> Any:
        if plan.children is None:
            return self._leaf(plan, item, where)
        if not isinstance(item, dict):
            self.problems.append(FieldProblem(where, "must be an object"))
            return {}
        built, _ = self.build(plan.children, item, where, plan.field.shape)
        return built


def _simple(field: Field) -> SimpleType:
    assert isinstance(field.shape, SimpleType), f"{field.name} is not a simple type"
    return field.shape


def _open_value(raw: Any, many: bool) -> Any:
    items = raw if many and isinstance(raw, list) else [raw]
    if not all(isinstance(item, dict) for item in items):
        raise TransformError("must be an object")
    return items if many else raw


def _source_text(plan: InPlan) -> str:
    source = plan.each or plan.source
    return source.text if source is not None else plan.target


def _given(out: dict[str, Any], name: str) -> bool:
    return name in out and out[name] != []


def _where(prefix: str, text: str) -> str:
    return f"{prefix}.{text}" if prefix else text


def build_request(
    plans: tuple[InPlan, ...], data: dict[str, Any], known: Sequence[FieldProblem] = (), shape: Any = None
) -> dict[str, Any]:
    """The SOAP input payload for an HTTP request given as ``{path, query, headers, body}``; ``shape`` is the
    input's type, whose choices are checked.

    Raises :class:`RequestValidationError` naming every missing or ill-typed field, after the ``known`` problems
    found before (a page out of range, :mod:`adapter.mapping.pagination`), so that the caller sees all at once.
    """
    inbound = _Inbound()
    inbound.problems.extend(known)
    payload, _ = inbound.build(plans, data, "", shape)
    if inbound.problems:
        raise RequestValidationError(inbound.problems)
    return payload


def build_response(plans: tuple[OutPlan, ...] | None, data: Any) -> Any:
    """The JSON document (as plain data) for a SOAP output; ``None`` plans pass the output through."""
    if plans is None:
        return data
    return _build_out(plans, data)


# Applying an outbound plan runs once per member of every row of a reply: each plan is compiled, on first use, into a
# function kept with it (the plans are frozen; the function is derived from them only), and a one-step path such as
# ``Entry`` or ``_value`` becomes a single dict lookup.
Getter = Callable[[Any], Any]


def _build_out(plans: tuple[OutPlan, ...], data: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for plan in plans:
        value = _compiled(plan)(data)
        if value is not MISSING:
            out[plan.target] = value
    return out


def _compiled(plan: OutPlan) -> Getter:
    found: Getter | None = plan.__dict__.get("_apply")
    if found is None:
        found = plan.__dict__["_apply"] = _compile(plan)
    return found


def _compile(plan: OutPlan) -> Getter:
    if plan.each is not None:
        return _each(plan, _getter(plan.each))
    if plan.children is not None:
        return _object(plan)
    transform = _transforms(plan.transforms)
    if plan.constant is not MISSING:
        constant = plan.constant
        return lambda _: transform(constant)
    source = _getter(plan.source) if plan.source is not None else None
    default = plan.default

    def leaf(data: Any) -> Any:
        value = source(data) if source is not None else MISSING
        return transform(default if value is MISSING else value)

    return leaf


def _each(plan: OutPlan, items_of: Getter) -> Getter:
    item: Getter = _transforms(plan.transforms)
    if plan.children is not None:
        build = _builder(plan.children)
        item = lambda value: build(value) if value is not None else None  # noqa: E731

    def each(data: Any) -> Any:
        items = items_of(data)
        if items is MISSING or items is None:
            return []
        return [item(value) for value in (items if isinstance(items, list) else [items])]

    return each


def _object(plan: OutPlan) -> Getter:
    assert plan.children is not None
    build = _builder(plan.children)
    source = _getter(plan.source) if plan.source is not None else None

    def member(data: Any) -> Any:
        context = source(data) if source is not None else data
        if context is MISSING or context is None:
            return context
        built = build(context)
        return built if built or source is not None else MISSING

    return member


def _builder(plans: tuple[OutPlan, ...]) -> Getter:
    members = [(plan.target, _compiled(plan)) for plan in plans]

    def build(data: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for target, value_of in members:
            value = value_of(data)
            if value is not MISSING:
                out[target] = value
        return out

    return build


def _getter(path: SourcePath) -> Getter:
    if path.steps is None or len(path.steps) != 1:
        return path.get
    step = path.steps[0]

    def one_step(data: Any) -> Any:
        return data.get(step, MISSING) if isinstance(data, dict) else MISSING

    return one_step


def _transforms(transforms: tuple[Transform, ...]) -> Getter:
    if not transforms:
        return _same
    if len(transforms) == 1:
        outbound = transforms[0].outbound
        return lambda value: MISSING if value is MISSING else outbound(value)
    return lambda value: _apply_out(transforms, value)


def _same(value: Any) -> Any:
    return value


def _apply_out(transforms: tuple[Transform, ...], value: Any) -> Any:
    if value is MISSING:
        return MISSING
    for transform in transforms:
        value = transform.outbound(value)
    return value

"""Apply compiled templates: HTTP request parts → SOAP input, SOAP output → JSON. Plain data only.

Plans are built once by :mod:`adapter.mapping.compiler`; applying one is a walk over dicts and lists.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def _build_out(plans: tuple[OutPlan, ...], data: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for plan in plans:
        value = _out_value(plan, data)
        if value is not MISSING:
            out[plan.target] = value
    return out


def _out_value(plan: OutPlan, data: Any) -> Any:
    if plan.each is not None:
        items = plan.each.get(data)
        if items is MISSING or items is None:
            return []
        items = items if isinstance(items, list) else [items]
        return [_out_item(plan, item) for item in items]
    if plan.children is not None:
        context = plan.source.get(data) if plan.source is not None else data
        if context is MISSING or context is None:
            return context
        built = _build_out(plan.children, context)
        return built if built or plan.source is not None else MISSING
    value = plan.constant
    if value is MISSING and plan.source is not None:
        value = plan.source.get(data)
    if value is MISSING:
        value = plan.default
    return _apply_out(plan.transforms, value)


def _out_item(plan: OutPlan, item: Any) -> Any:
    if plan.children is not None:
        return _build_out(plan.children, item) if item is not None else None
    return _apply_out(plan.transforms, item)


def _apply_out(transforms: tuple[Transform, ...], value: Any) -> Any:
    if value is MISSING:
        return MISSING
    for transform in transforms:
        value = transform.outbound(value)
    return value

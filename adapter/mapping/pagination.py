"""Paged routes: the page number and size checked alike on every call, and RFC 8288 ``Link`` headers from the reply.

A route's ``pagination`` names the query parameters of the page and its size (read by its request template) and the
response fields that tell how many items there are (``total``) or whether more follow (``has_more``). Before the
request is built, the page and size are read, defaulted and held to their range: from the contract's range facets
(``xsd:maxInclusive`` on the size's element) or the mapping's ``max_size``. After the reply, the ``Link`` header
points at the ``first``, ``prev``, ``next`` and, when the total is known, ``last`` page (RFC 8288 §3; RFC 5988's
registered relation types), with every other query parameter as the caller sent it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote_plus

from adapter.contract.builtins import Kind
from adapter.contract.xsd import SimpleType as Simple
from adapter.exceptions import FieldProblem
from adapter.mapping.engine import InPlan
from adapter.mapping.model import Pagination
from adapter.mapping.paths import MISSING, SourcePath

Loc = tuple[str | int, ...]
Problem = Callable[[Loc, str], None]
_INTEGER = re.compile(r"^\+?\d{1,18}$")
_URI_SAFE = "!$&'()*+,;=:@/?%-._~"  # RFC 3986 reserved and unreserved characters, and existing %XX escapes


@dataclass(frozen=True)
class Page:
    """The page a request asks for, validated and defaulted."""

    number: int
    size: int


@dataclass(frozen=True)
class PagePlan:
    """A route's compiled pagination. ``page`` and ``size`` are query parameter names."""

    page: str
    size: str
    first: int
    default_size: int
    min_size: int
    max_size: int
    total: SourcePath | None = None
    has_more: SourcePath | None = None

    def apply(self, query: dict[str, Any]) -> tuple[Page, list[FieldProblem]]:
        """The page ``query`` asks for, and a problem for each parameter out of range. The page is written back
        into ``query``, defaults filled in (a refused value replaced by its default), so that the request template
        reads only what was checked here; the caller reports these problems with the template's own."""
        problems: list[FieldProblem] = []
        number = _integer(query, self.page, self.first, (self.first, None), problems)
        size = _integer(query, self.size, self.default_size, (self.min_size, self.max_size), problems)
        query[self.page], query[self.size] = number, size
        return Page(number, size), problems

    def links(self, path: str, query: str, page: Page, document: Any) -> str:
        """The ``Link`` header value for the reply ``document`` to ``page``; ``path`` and ``query`` as requested
        (still percent-encoded). Targets are path-absolute references (RFC 3986 §4.2), right behind any proxy that
        keeps the path."""
        total = _count(self.total.get(document)) if self.total is not None else None
        more = _flag(self.has_more.get(document)) if self.has_more is not None else None
        last = self.first + max(-(-total // page.size), 1) - 1 if total is not None else None
        if more is None and last is not None:
            more = page.number < last
        targets = [("first", self.first)]
        if page.number > self.first:
            targets.append(("prev", page.number - 1 if last is None else min(page.number - 1, last)))
        if more:
            targets.append(("next", page.number + 1))
        if last is not None:
            targets.append(("last", last))
        return ", ".join(f'<{self._target(path, query, number, page.size)}>; rel="{rel}"' for rel, number in targets)

    def _target(self, path: str, query: str, number: int, size: int) -> str:
        values = {self.page: number, self.size: size}
        pairs: list[str] = []
        for pair in filter(None, query.split("&")):
            name = unquote_plus(pair.partition("=")[0])
            if name in values:
                pairs.append(f"{quote(name)}={values.pop(name)}")  # in its place, once
            elif name not in (self.page, self.size):
                pairs.append(quote(pair, safe=_URI_SAFE))
        pairs += [f"{quote(name)}={value}" for name, value in values.items()]
        return f"{quote(path, safe=_URI_SAFE)}?{'&'.join(pairs)}"


def _integer(
    query: dict[str, Any], name: str, default: int, bounds: tuple[int, int | None], problems: list[FieldProblem]
) -> int:
    raw = query.get(name, MISSING)
    if raw is MISSING:
        return default
    where = f"query.{name}"
    text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
    if text is None or not _INTEGER.match(text):
        problems.append(FieldProblem(where, "must be given once" if isinstance(raw, list) else "must be an integer"))
        return default
    value, (low, high) = int(text), bounds
    if value < low or (high is not None and value > high):
        limit = f"at least {low}" if high is None else f"between {low} and {high}"
        problems.append(FieldProblem(where, f"must be {limit}"))
        return default
    return value


def _count(value: Any) -> int | None:
    """A total as the reply gives it (an integer, an integral decimal, digits), or ``None`` when it is no count."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)) and value == int(value) and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"true": True, "false": False, "1": True, "0": False}.get(str(value).strip().lower())


# -- checking a route's pagination against its templates and its contract ---------------------------------------


def compile_pagination(
    spec: Pagination, request: Sequence[InPlan], response: dict[str, Any], problem: Problem, loc: Loc
) -> PagePlan | None:
    """The :class:`PagePlan` of ``spec``, or ``None`` after reporting each problem through ``problem``."""
    found: list[str] = []

    def report(where: Loc, message: str) -> None:
        found.append(message)
        problem(where, message)

    page = _reader(spec.page, request, report, loc + ("page",))
    size = _reader(spec.size, request, report, loc + ("size",))
    total = _response_field(spec.total, response, report, loc + ("total",))
    has_more = _response_field(spec.has_more, response, report, loc + ("has_more",))
    if spec.total is None and spec.has_more is None:
        report(loc, "give total or has_more: without either, no one can tell whether a next page exists")
    if page is None or size is None:
        return None
    first = _first(spec, page, report, loc + ("first_page",))
    low = max(1, int(size.minimum or 1))
    high = _max_size(spec, size, report, loc + ("max_size",))
    if high is not None and not low <= spec.default_size <= high:
        report(loc + ("default_size",), f"default_size {spec.default_size} is outside {low}..{high}")
    for plan, default, key in ((page, first, "page"), (size, spec.default_size, "default_size")):
        if plan.default is not MISSING and str(plan.default) != str(default):
            report(
                loc + (key,),
                f"the request template's default for {plan.target} ({plan.default}) is not pagination's "
                f"({default}): leave it out, pagination fills it in",
            )
    if high is None or found:
        return None
    return PagePlan(spec.page[6:], spec.size[6:], first, spec.default_size, low, high, total, has_more)


def _reader(source: str, request: Sequence[InPlan], problem: Problem, loc: Loc) -> _Reader | None:
    """The request template's element that ``source`` feeds: it must be an integer."""
    plan = next((p for p in request if p.source is not None and p.source.text == source), None)
    if plan is None:
        problem(loc, f"the request template does not read {source}: map the operation's element to it")
        return None
    shape = plan.field.shape
    if not isinstance(shape, Simple) or shape.kind is not Kind.INTEGER:
        problem(loc, f"{source} feeds {plan.target}, which is not an integer in the contract")
        return None
    return _Reader(plan.target, plan.default, shape.minimum, shape.maximum)


@dataclass(frozen=True)
class _Reader:
    """The contract element a page parameter feeds: its name, the template's default, its range facets."""

    target: str
    default: Any
    minimum: Decimal | None
    maximum: Decimal | None


def _first(spec: Pagination, page: _Reader, problem: Problem, loc: Loc) -> int:
    """Pages count from ``first_page``, or from the contract's minimum (0 or 1), or from 1."""
    contract = int(page.minimum) if page.minimum is not None and page.minimum in (0, 1) else None
    first = spec.first_page if spec.first_page is not None else contract if contract is not None else 1
    if page.minimum is not None and first < page.minimum:
        problem(loc, f"first_page {first} is below {page.target}'s minimum in the contract ({page.minimum})")
    return first


def _max_size(spec: Pagination, size: _Reader, problem: Problem, loc: Loc) -> int | None:
    contract = int(size.maximum) if size.maximum is not None else None
    if spec.max_size is None and contract is None:
        problem(loc, f"give max_size: {size.target} has no maximum in the contract")
    elif spec.max_size is not None and contract is not None and spec.max_size > contract:
        problem(loc, f"max_size {spec.max_size} is above {size.target}'s maximum in the contract ({contract})")
    return spec.max_size or contract


def _response_field(name: str | None, response: dict[str, Any], problem: Problem, loc: Loc) -> SourcePath | None:
    """A field of the route's JSON response, by dotted path."""
    if name is None:
        return None
    schema: Any = response
    for step in name.split("."):
        properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
        if step not in properties:
            close = difflib.get_close_matches(step, list(properties), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(loc, f"{name!r} is not a field of the route's response{hint}")
            return None
        schema = properties[step]
    return SourcePath.compile(name)


def document(plan: PagePlan, parameters: list[dict[str, Any]]) -> None:
    """Give the page parameters of an OpenAPI operation their range and default."""
    ranges = {
        plan.page: {"type": "integer", "minimum": plan.first, "default": plan.first},
        plan.size: {
            "type": "integer",
            "minimum": plan.min_size,
            "maximum": plan.max_size,
            "default": plan.default_size,
        },
    }
    for parameter in parameters:
        if parameter["in"] == "query" and parameter["name"] in ranges:
            parameter["schema"] = ranges.pop(parameter["name"])
            parameter["required"] = False
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": schema} for name, schema in ranges.items()
    ]

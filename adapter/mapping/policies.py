"""What a route's traffic keys may say, checked with the rest of the mapping: ``cache`` on GET only,
``idempotency`` on POST and PATCH only, ``invalidates`` naming cached routes of the same file, unique limit names.

The runtime side of these keys (rate limits, the answer cache, Idempotency-Key, retries) is :mod:`adapter.ops`.
"""

from __future__ import annotations

from collections.abc import Iterator

from adapter.mapping.model import Limit, MappingFile, Route

Problem = tuple[tuple[str | int, ...], str]
IDEMPOTENT_METHODS = ("POST", "PATCH")  # draft-ietf-httpapi-idempotency-key-header §1: the non-idempotent ones


def route_name(route: Route) -> str:
    """The name other routes use for ``route`` (its OpenAPI operationId)."""
    return route.name or route.operation


def retry_safe(route: Route) -> bool:
    """Whether a failed backend call of ``route`` may be sent again: GET by default, others only when marked."""
    return route.retry == "safe" if route.retry is not None else route.method == "GET"


def idempotency_mode(route: Route) -> str:
    """``required``, ``optional`` or ``off``: POST and PATCH honour an Idempotency-Key unless they say otherwise."""
    if route.method not in IDEMPOTENT_METHODS:
        return "off"
    return route.idempotency or "optional"


def policy_problems(model: MappingFile) -> Iterator[Problem]:
    """Every mistake in the traffic keys of ``model``, with where it is."""
    yield from _limit_names(model.limits, ("limits",))
    cached = {route_name(route) for route in model.routes if route.cache is not None}
    for index, route in enumerate(model.routes):
        loc: tuple[str | int, ...] = ("routes", index)
        if route.cache is not None and route.method != "GET":
            yield loc + ("cache",), f"only GET answers are cached, not {route.method}"
        if route.idempotency is not None and route.method not in IDEMPOTENT_METHODS:
            yield loc + ("idempotency",), f"Idempotency-Key applies to POST and PATCH, not {route.method}"
        for position, name in enumerate(route.invalidates):
            if name not in cached:
                options = ", ".join(sorted(cached)) or "none in this file"
                yield loc + ("invalidates", position), f"{name!r} is not a cached route (cached: {options})"
        yield from _limit_names(route.limits, loc + ("limits",))


def _limit_names(limits: list[Limit], loc: tuple[str | int, ...]) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, limit in enumerate(limits):
        if limit.name is not None and limit.name in seen:
            yield loc + (index, "name"), f"two limits are named {limit.name!r}"
        if limit.name is not None:
            seen.add(limit.name)

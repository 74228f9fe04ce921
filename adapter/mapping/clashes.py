"""What no single mapping file can know: two files (or two routes of one) that claim the same requests.

A JSON route is a method and a path template; two templates that differ only in their parameter names
(``/v1/accounts/{iban}`` and ``/v1/accounts/{id}``) match the same requests, so the second could never be reached. A
served contract owns its endpoint path for every method. The adapter's own paths (health, the OpenAPI document and
its viewers) are no one's to map. ``adapter check`` and ``adapter serve`` both refuse what this finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from adapter.exceptions import MappingError

RESERVED_PATHS = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")
_PARAMETER = re.compile(r"{[^{}]*}")


@dataclass(frozen=True)
class Claim:
    """Requests one place in a mapping file answers: ``method`` ``None`` for a served endpoint (every method)."""

    method: str | None
    path: str
    file: str
    line: int = 0
    column: int = 0
    field: str = ""

    @property
    def shape(self) -> str:
        """The path with every parameter unnamed: two claims of one shape match the same requests."""
        return _PARAMETER.sub("{}", self.path)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file

    def describe(self) -> str:
        return f"{self.method} {self.path}" if self.method else f"the served endpoint {self.path}"


def clashes(claims: Iterable[Claim]) -> list[MappingError]:
    """One problem per claim that an earlier claim (or the adapter itself) already answers, at the later one."""
    seen: dict[tuple[str | None, str], Claim] = {}
    problems = []
    for claim in claims:
        earlier = _earlier(claim, seen)
        if claim.shape in RESERVED_PATHS:
            problems.append(_problem(claim, f"{claim.path} is the adapter's own path; map another"))
        elif earlier is not None:
            same = earlier.path == claim.path and earlier.method == claim.method
            what = "is already mapped" if same else f"matches the same requests as {earlier.describe()}, mapped"
            problems.append(_problem(claim, f"{claim.describe()} {what} in {earlier.where}"))
        seen.setdefault((claim.method, claim.shape), claim)
    return problems


def _earlier(claim: Claim, seen: dict[tuple[str | None, str], Claim]) -> Claim | None:
    """An earlier claim on the same requests: same method and shape, or a served endpoint on either side."""
    if claim.method is None:
        return next((c for (_, shape), c in seen.items() if shape == claim.shape), None)
    return seen.get((claim.method, claim.shape)) or seen.get((None, claim.shape))


def _problem(claim: Claim, message: str) -> MappingError:
    return MappingError(message, file=claim.file, line=claim.line, column=claim.column, field=claim.field)

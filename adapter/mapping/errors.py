"""Error rules: SOAP faults and in-body error tables (SAP's RETURN) → problem responses.

The backend's message reaches the caller only through :func:`safe_message`: one line, printable, bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from adapter.exceptions import BusinessError
from adapter.mapping.faults import Fault
from adapter.mapping.paths import MISSING, SourcePath

MAX_MESSAGE = 300
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


@dataclass(frozen=True)
class FieldErrorsPlan:
    each: SourcePath
    field: SourcePath | None
    message: SourcePath

    def errors(self, data: Any) -> list[dict[str, str]]:
        items = self.each.get(data)
        found = []
        for item in items if isinstance(items, list) else [] if items is MISSING or items is None else [items]:
            text = self.message.get(item)
            if text is MISSING or text is None:
                continue
            where = self.field.get(item) if self.field is not None else MISSING
            entry = {"message": safe_message(str(text))}
            if where is not MISSING and where is not None:
                entry = {"field": safe_message(str(where)), **entry}
            found.append(entry)
        return found


@dataclass(frozen=True)
class ErrorPlan:
    status: int
    title: str
    problem_type: str
    fault: str | None = None
    code: str | None = None
    rows: SourcePath | None = None
    when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    message: SourcePath | None = None
    extensions: tuple[tuple[str, SourcePath], ...] = ()  # problem members (RFC 9457 §3.2) ← paths
    headers: tuple[tuple[str, SourcePath], ...] = ()  # response headers ← paths (Retry-After)
    field_errors: FieldErrorsPlan | None = None  # the problem's errors[] ← a list

    def matches_fault(self, fault: Fault) -> bool:
        if self.rows is not None or (self.fault is None and self.code is None):
            return False
        if self.fault is not None and fault.detail_name != self.fault:
            return False
        if self.code is not None and not (fault.code == self.code or fault.code.startswith(self.code + ".")):
            return False
        return True

    def matching_row(self, output: Any) -> dict[str, Any] | None:
        if self.rows is None:
            return None
        rows = self.rows.get(output)
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and all(str(row.get(k)) in v for k, v in self.when.items()):
                return row
        return None

    def error(self, data: Any, fallback: str) -> BusinessError:
        text = self.message.get(data) if self.message is not None else MISSING
        message = safe_message(text if isinstance(text, str) and text.strip() else fallback)
        extra = {name: _member(path.get(data)) for name, path in self.extensions}
        members: dict[str, Any] = {name: value for name, value in extra.items() if value is not None}
        if self.field_errors is not None:
            members["errors"] = self.field_errors.errors(data)
        found = {name: _member(path.get(data)) for name, path in self.headers}
        headers = {name: value for name, value in found.items() if value is not None}
        return BusinessError(
            message,
            status=self.status,
            problem_type=self.problem_type,
            title=self.title,
            extensions=members,
            headers=headers,
        )


def fault_error(rules: tuple[ErrorPlan, ...], fault: Fault) -> BusinessError | None:
    """The business error for ``fault`` by the first matching rule, if any."""
    for rule in rules:
        if rule.matches_fault(fault):
            return rule.error(fault.as_data(), fault.message or rule.title)
    return None


def row_error(rules: tuple[ErrorPlan, ...], output: Any) -> BusinessError | None:
    """The business error for the first error row in ``output`` matched by a rule, if any."""
    for rule in rules:
        row = rule.matching_row(output)
        if row is not None:
            return rule.error(row, rule.title)
    return None


def _member(value: Any) -> str | None:
    """A scalar of the backend's data, cleaned like a message; anything else (absent, a structure) is left out."""
    if value is MISSING or value is None or isinstance(value, (dict, list)):
        return None
    return safe_message(str(value))


def safe_message(text: str) -> str:
    """A backend message fit to show a caller: control characters removed, one line, at most 300 characters."""
    cleaned = " ".join(_UNPRINTABLE.sub(" ", text).split())
    return cleaned if len(cleaned) <= MAX_MESSAGE else cleaned[: MAX_MESSAGE - 1] + "…"


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "error"

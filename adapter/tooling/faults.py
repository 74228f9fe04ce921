"""Error rules for the faults a contract declares, so that a fresh scaffold never turns one into an opaque 502.

The status is guessed from the fault's name, word by word: ``NotFound``/``NoSuch``/``Unknown`` → 404,
``Duplicate``/``AlreadyExists``/``Conflict`` → 409, ``Unauthorized``/``Forbidden``/``AccessDenied`` → 403,
``TooMany``/``Throttled``/``RateLimited``/``Quota`` → 429, ``Unavailable``/``Maintenance``/``Timeout`` → 503, and
everything else → 422 (the backend refused what the caller asked). The detail feeds the problem where the contract
says how: a ``retryAfter…`` element becomes ``Retry-After``, an id in a conflict's detail a problem member, and a
repeated element with a message a problem's ``errors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapter.contract.members import Field
from adapter.contract.xsd import ComplexType, SimpleType
from adapter.tooling.naming import camel, looks_like_id, words

_STATUSES: list[tuple[int, tuple[tuple[str, ...], ...]]] = [
    (404, (("not", "found"), ("no", "such"), ("unknown",), ("does", "not", "exist"), ("missing",))),
    (409, (("duplicate",), ("already",), ("conflict",), ("exists",), ("concurrent",))),
    (403, (("unauthorized",), ("unauthorised",), ("forbidden",), ("access", "denied"), ("permission",))),
    (429, (("too", "many"), ("throttled",), ("throttling",), ("rate", "limit"), ("rate", "limited"), ("quota",))),
    (503, (("unavailable",), ("maintenance",), ("timeout",), ("busy",))),
]
_RESERVED = {"type", "title", "status", "detail", "instance", "requestId", "code", "errors"}  # RFC 9457 §3.1
_MESSAGE_WORDS = {"message", "text", "description", "reason", "msg"}
_FIELD_WORDS = {"field", "path", "property", "parameter", "element", "attribute"}


def status(name: str) -> int:
    """The HTTP status a declared fault is mapped to, from the words of its name."""
    found = words(name)
    for code, phrases in _STATUSES:
        for phrase in phrases:
            if any(found[i : i + len(phrase)] == list(phrase) for i in range(len(found))):
                return code
    return 422


def title(name: str) -> str:
    """``AccountNotFound`` → ``Account not found``."""
    found = words(name)
    if found and found[-1] == "fault" and len(found) > 1:
        found = found[:-1]
    text = " ".join(found)
    return text[:1].upper() + text[1:] if text else name


def rule(name: str, detail: Field) -> dict[str, Any]:
    """The error rule for the declared fault whose detail entry is ``name``."""
    code = status(name)
    found: dict[str, Any] = {"fault": name, "status": code, "title": title(name)}
    shape = detail.shape
    if not isinstance(shape, ComplexType):
        return found
    headers, extensions, errors = _detail_uses(shape, code)
    if headers:
        found["headers"] = headers
    if extensions:
        found["extensions"] = extensions
    if errors:
        found["field_errors"] = errors
    return found


def _detail_uses(shape: ComplexType, code: int) -> tuple[dict[str, str], dict[str, str], dict[str, str] | None]:
    headers: dict[str, str] = {}
    extensions: dict[str, str] = {}
    errors: dict[str, str] | None = None
    for name, child in shape.fields.items():
        found = words(name)
        if isinstance(child.shape, SimpleType) and not child.is_list:
            if "retry" in found and "after" in found:
                headers["Retry-After"] = f"detail.{name}"
            elif code == 409 and looks_like_id(name) and camel(name) not in _RESERVED:
                extensions[camel(name)] = f"detail.{name}"
        elif errors is None and isinstance(child.shape, ComplexType):
            errors = _errors_from(name, child)
    return headers, extensions, errors


def _errors_from(name: str, child: Field) -> dict[str, str] | None:
    """A repeated element (or one holding a repeated element) whose items carry a message."""
    shape = child.shape
    assert isinstance(shape, ComplexType)
    if not child.is_list:
        inner = [(n, f) for n, f in shape.fields.items() if f.is_list and isinstance(f.shape, ComplexType)]
        if len(inner) != 1:
            return None
        return _errors_from(f"{name}.{inner[0][0]}", inner[0][1])
    item = shape.fields
    message = next((n for n in item if set(words(n)) & _MESSAGE_WORDS), None)
    if message is None:
        return None
    spec = {"each": f"detail.{name}", "message": message}
    where = next((n for n in item if set(words(n)) & _FIELD_WORDS), None)
    if where is not None:
        spec["field"] = where
    return spec


def rules(faults: Mapping[str, Field]) -> list[dict[str, Any]]:
    """One rule per declared fault, in declaration order."""
    return [rule(name, detail) for name, detail in faults.items()]

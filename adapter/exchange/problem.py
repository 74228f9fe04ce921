"""The members of the problem+json document (RFC 9457) an error becomes: computed here, once, for the facade's
exception handler (:mod:`adapter.api.problems`, which adds ``instance`` and ``requestId``) and for ``adapter try``
and ``adapter test``, so that they cannot show a caller different bodies.

A body never carries a stack trace, a file path, a library message or a backend body: only what the error class
says (and, for business errors, the backend's message cleaned by ``safe_message``). A server-side error that is not
worth retrying says only "see the adapter's log".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapter.exceptions import AdapterError, BusinessError

TYPE_PREFIX = "urn:soap-adapter:problem:"
SEE_LOG = "see the adapter's log"
MAX_DETAIL = 1024  # `detail` may quote the caller's input: capped

__all__ = ["SEE_LOG", "TYPE_PREFIX", "members", "problem_headers"]


def members(error: AdapterError) -> dict[str, Any]:
    """``type``, ``title``, ``status``, ``detail`` and the error's extensions."""
    if isinstance(error, BusinessError):
        problem_type, title, detail = error.business_type, error.business_title, error.detail
    else:
        problem_type, title = error.problem_type, error.title
        detail = error.detail if error.status < 500 or error.retriable else SEE_LOG
    return {
        "type": TYPE_PREFIX + problem_type,
        "title": title,
        "status": error.status,
        "detail": detail,
        **error.extensions(),
    }


def problem_headers(error: AdapterError) -> Mapping[str, str]:
    return error.headers()

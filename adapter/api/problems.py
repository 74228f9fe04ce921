"""Problem Details (RFC 9457) for every error the facade returns: one of the two places errors are rendered.

A body never carries a stack trace, a file path, a zeep message or a backend body: only what the error class says
(and, for business errors, the backend's message through ``safe_message``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from adapter import codec
from adapter.asgi.requestid import request_id
from adapter.exceptions import AdapterError, BackendFault, BusinessError, ServiceUnavailable, excerpt
from adapter.exchange.problem import MAX_DETAIL, TYPE_PREFIX, members
from adapter.mapping.errors import safe_message

PROBLEM_JSON = "application/problem+json"
# What a problem echoes is capped: the path in `instance` (RFC 9457 §3.1.5) to MAX_INSTANCE characters, and `detail`,
# which may quote the caller's input, to MAX_DETAIL. Field problems stay whole in `errors`; they name mapping fields.
MAX_INSTANCE = 256
log = logging.getLogger("adapter.api")

_HTTP_TITLES = {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}


def problem(
    request: Request,
    status: int,
    problem_type: str,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    rid = request_id(request)
    body = {
        "type": TYPE_PREFIX + problem_type,
        "title": title,
        "status": status,
        "detail": excerpt(detail, MAX_DETAIL),
        "instance": excerpt(request.url.path, MAX_INSTANCE),
        "requestId": rid,
        **extra,
    }
    return Response(
        codec.dumps(body),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={**(headers or {}), "X-Request-ID": rid},
    )


async def adapter_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AdapterError)
    if isinstance(exc, BackendFault):
        _log_fault(request, exc)
    elif exc.status >= 500 and not isinstance(exc, (ServiceUnavailable, BusinessError)):  # 503s: logged at the start
        log.warning("%s: %s", exc.title, exc.log_detail, extra=_where(request))
    body = members(exc)  # adapter.exchange.problem: the same members `adapter try` and `adapter test` show
    problem_type = str(body.pop("type"))[len(TYPE_PREFIX) :]
    title, status, detail = str(body.pop("title")), int(body.pop("status")), str(body.pop("detail"))
    return problem(request, status, problem_type, title, detail, exc.headers(), **body)


def _log_fault(request: Request, exc: BackendFault) -> None:
    """A SOAP fault no error rule of the route translates: the caller learns nothing of it, the operator everything
    the fault says (SOAP 1.1 §4.4 faultcode and faultstring, the detail entry's name), on one line."""
    fault = exc.fault
    text = safe_message(fault.message or "")
    about = {"faultCode": fault.code, "faultString": text, "faultDetail": fault.detail_name}
    detail = f" ({fault.detail_name})" if fault.detail_name else ""
    log.warning("untranslated backend fault %s: %s%s", fault.code, text, detail, extra={**_where(request), **about})


def _where(request: Request) -> dict[str, Any]:
    """Log context without the raw path, which may carry an account number (the access log masks parameters)."""
    state = request.scope.get("state", {})
    return {"route": state.get("route", "unmapped"), "method": request.method}  # requestId: adapter.logs


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title = _HTTP_TITLES.get(exc.status_code, "HTTP error")
    response = problem(request, exc.status_code, title.lower().replace(" ", "-"), title, title)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.error("unexpected error", exc_info=exc, extra=_where(request))
    return problem(request, 500, "internal-error", "Internal error", "see the adapter's log")

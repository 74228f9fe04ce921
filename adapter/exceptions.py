"""One error tree for the whole adapter.

Every error knows how it is shown outward: its HTTP status and problem type for the JSON facade, its SOAP fault code
for the SOAP side, and its exit code for the CLI. Errors are rendered in exactly two places: the facade's exception
handlers (``adapter.api.problems``) and the SOAP fault builder (``adapter.server``).

    AdapterError
    ├── ConfigError                   a mapping file or contract is wrong (exit 2)
    │   ├── ContractError             a WSDL cannot be loaded or lacks what a mapping names
    │   └── MappingError              a mapping file is invalid; carries file:line:column and field
    │       └── MissingVariable       a ${VAR} it names is not set in the environment
    ├── RequestError                  400: the caller sent something unusable (SOAP: Client)
    │   ├── Unauthenticated           401: no or bad credentials (with a WWW-Authenticate challenge)
    │   ├── Forbidden                 403: a scope the route needs is missing
    │   ├── RequestValidationError    422: well-formed but a field is missing or ill-typed
    │   ├── PayloadTooLarge           413
    │   ├── UnsupportedMediaType      415   (SOAP-only kinds, e.g. VersionMismatch: adapter/server/faults.py)
    │   ├── TooManyRequests           429: a rate limit or quota is spent (with RateLimit and Retry-After)
    │   ├── IdempotencyKeyMissing     400: the route requires an Idempotency-Key
    │   ├── IdempotencyConflict       409: a request with this Idempotency-Key is still in flight
    │   └── IdempotencyKeyReused      422: this Idempotency-Key was used with another request
    ├── BusinessError                 a backend's business error mapped by the mapping (status from the mapping)
    ├── DeclaredFault                 a REST backend's error mapped to one of a served contract's declared faults
    ├── ServiceUnavailable            503: not sent to the backend now (with Retry-After); retriable
    │   ├── CircuitOpen               the backend's circuit breaker is open
    │   ├── BulkheadFull              the backend has as many calls in flight as it may
    │   └── StoreUnavailable          the shared store (Redis) does not answer
    └── BackendError                  502: the backend failed us (SOAP: Server); retriable
        ├── BackendUnavailable        502: cannot connect
        ├── BackendTimeout            504
        ├── BackendProtocolError      502: the reply is not a SOAP reply of this operation
        │   └── BackendContractViolation  502: the reply breaks the contract (a value, an element, a choice)
        └── BackendFault              502: a SOAP fault no error rule of the route translates
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


def excerpt(text: str, limit: int) -> str:
    """What an error may echo of a caller's input: at most ``limit`` characters, a cut marked with "…". An error
    reply must stay small whatever the request was (a 64 KB path must not come back as a 65 KB problem)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field of the caller's input, e.g. ``body.amount.currency: is required``."""

    location: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.location, "message": self.message}


class AdapterError(Exception):
    """Base of every error the adapter raises on purpose."""

    http_status: ClassVar[int] = 500
    soap_fault_code: ClassVar[str] = "Server"
    problem_type: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal error"
    exit_code: ClassVar[int] = 1
    retriable: ClassVar[bool] = False

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def status(self) -> int:
        return self.http_status

    @property
    def log_detail(self) -> str:
        """What the adapter's log says of this error (the caller may see less)."""
        return self.detail

    def extensions(self) -> Mapping[str, Any]:
        """Extra members for the problem+json body (RFC 9457 §3.2)."""
        return {}

    def headers(self) -> Mapping[str, str]:
        """Extra HTTP headers for the error response."""
        return {}


class ConfigError(AdapterError):
    problem_type = "configuration-error"
    title = "Configuration error"
    exit_code = 2


class ContractError(ConfigError):
    problem_type = "contract-error"
    title = "Contract error"


class MappingError(ConfigError):
    """A problem in a mapping file, located as precisely as we can: ``file:line:column: message``."""

    problem_type = "mapping-error"
    title = "Mapping error"

    def __init__(self, message: str, *, file: str = "", line: int = 0, column: int = 0, field: str = "") -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or "<mapping>"
        if self.line:
            where += f":{self.line}:{self.column}"
        about = f" ({self.field})" if self.field else ""
        return f"{where}: {self.message}{about}"


class MissingVariable(MappingError):
    """A ``${VAR}`` reference of a mapping file whose variable is not set (and has no ``:-default``)."""

    def __init__(self, variable: str, *, file: str = "", line: int = 0, column: int = 0, field: str = "") -> None:
        self.variable = variable
        super().__init__(
            f"environment variable {variable} is not set", file=file, line=line, column=column, field=field
        )


class MappingErrors(ConfigError):
    """Several mapping problems found in one pass, so that an integrator sees them all at once."""

    def __init__(self, errors: Sequence[MappingError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(e.detail for e in self.errors))


class RequestError(AdapterError):
    http_status = 400
    soap_fault_code = "Client"
    problem_type = "bad-request"
    title = "Bad request"


class RequestValidationError(RequestError):
    http_status = 422
    problem_type = "validation-error"
    title = "Request validation failed"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.location}: {p.message}" for p in self.problems))

    def extensions(self) -> Mapping[str, Any]:
        return {"errors": [p.as_dict() for p in self.problems]}


class PayloadTooLarge(RequestError):
    http_status = 413
    problem_type = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaType(RequestError):
    http_status = 415
    problem_type = "unsupported-media-type"
    title = "Unsupported media type"


class Unauthenticated(RequestError):
    """401: no credentials, or credentials that do not check out (RFC 9110 §15.5.2 requires a challenge)."""

    http_status = 401
    problem_type = "unauthenticated"
    title = "Authentication required"

    def __init__(self, detail: str, *, error: str | None = None) -> None:
        super().__init__(detail)
        self.error = error

    def headers(self) -> Mapping[str, str]:
        bearer = 'Bearer realm="soap-adapter"' + (f', error="{self.error}"' if self.error else "")
        return {"WWW-Authenticate": f'{bearer}, ApiKey realm="soap-adapter", header="X-API-Key"'}


class Forbidden(RequestError):
    """403: authenticated, but without the scope the route needs (RFC 6750 §3.1 insufficient_scope)."""

    http_status = 403
    problem_type = "insufficient-scope"
    title = "Insufficient scope"

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(f"this route needs the scope(s): {', '.join(missing)}")
        self.missing = list(missing)

    def headers(self) -> Mapping[str, str]:
        scope = " ".join(self.missing)
        return {"WWW-Authenticate": f'Bearer realm="soap-adapter", error="insufficient_scope", scope="{scope}"'}


class BusinessError(AdapterError):
    """A business error reported by a backend, translated by the mapping's ``errors`` rules.

    ``detail`` carries the backend's own message, already cleaned (see ``adapter.mapping.errors.safe_message``).
    """

    soap_fault_code = "Client"

    def __init__(
        self,
        detail: str,
        *,
        status: int,
        problem_type: str,
        title: str,
        code: str | None = None,
        extensions: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self._status = status
        self._problem_type = problem_type
        self._title = title
        self.code = code
        self.members = dict(extensions or {})  # from the error rule's `extensions`, e.g. the original resource's id
        self._headers = dict(headers or {})

    @property
    def status(self) -> int:
        return self._status

    @property
    def business_type(self) -> str:
        return self._problem_type

    @property
    def business_title(self) -> str:
        return self._title

    def extensions(self) -> Mapping[str, Any]:
        return {**self.members, **({"code": self.code} if self.code else {})}

    def headers(self) -> Mapping[str, str]:
        """Headers from the mapping's error rule (``headers``, e.g. ``Retry-After``)."""
        return self._headers


class DeclaredFault(AdapterError):
    """A REST backend's error reply, turned by a served contract's error rules into a SOAP fault.

    ``fault`` names the contract's declared fault element (its detail is ``data``, plain data for that element), or
    is ``None`` for a plain fault without detail. ``detail`` is the reason shown to the caller, already cleaned.
    """

    soap_fault_code = "Client"

    def __init__(
        self, detail: str, *, fault: str | None, code: str = "Client", data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(detail)
        self.fault = fault
        self.code = code  # "Client" or "Server" (SOAP 1.1 terms; Sender/Receiver in SOAP 1.2)
        self.data = data


class BackendError(AdapterError):
    http_status = 502
    problem_type = "bad-gateway"
    title = "Backend error"
    retriable = True


class BackendUnavailable(BackendError):
    problem_type = "backend-unavailable"
    title = "Backend unavailable"


class BackendTimeout(BackendError):
    http_status = 504
    problem_type = "backend-timeout"
    title = "Backend timeout"


class BackendProtocolError(BackendError):
    problem_type = "backend-protocol-error"
    title = "Invalid backend reply"


class BackendContractViolation(BackendProtocolError):
    """The reply does not conform to the contract: a value outside its type or facets, a missing required element,
    too many occurrences, nil where not nillable, two branches of a choice. The caller learns only that; the
    adapter's log has ``path`` (``GetStatementResponse/Entry[3]/Amount/@Ccy``) and the rule broken."""

    problem_type = "backend-contract-violation"
    title = "Backend reply breaks the contract"
    retriable = False

    def __init__(self, path: str, rule: str) -> None:
        super().__init__("the backend reply does not conform to the contract")
        self.path = path
        self.rule = rule

    @property
    def log_detail(self) -> str:
        return f"{self.detail}: {self.path}: {self.rule}"


class BackendFault(BackendError):
    """The backend answered with a SOAP Fault that no mapping rule translated.

    ``fault`` is an :class:`adapter.mapping.faults.Fault`; the route's error rules turn it into a
    :class:`BusinessError` when they match. Unmatched, the caller sees a 502 without the backend's text.
    """

    problem_type = "backend-fault"
    title = "Backend fault"
    retriable = False

    def __init__(self, fault: Any) -> None:
        super().__init__("the backend reported an error that this route does not translate")
        self.fault = fault


class TooManyRequests(RequestError):
    """429 (RFC 6585 §4): a rate limit or quota of the caller is spent. ``limit_headers`` are the RateLimit fields
    (draft-ietf-httpapi-ratelimit-headers), sent with ``Retry-After`` (RFC 9110 §10.2.3)."""

    http_status = 429
    problem_type = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, limit_headers: Mapping[str, str]) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.limit_headers = dict(limit_headers)

    def headers(self) -> Mapping[str, str]:
        return {**self.limit_headers, "Retry-After": str(self.retry_after)}


class IdempotencyKeyMissing(RequestError):
    """400: the route requires an ``Idempotency-Key`` (draft-ietf-httpapi-idempotency-key-header §2.7)."""

    problem_type = "idempotency-key-missing"
    title = "Idempotency-Key required"


class IdempotencyConflict(RequestError):
    """409: the first request with this key is still being processed (draft §2.7); retry after ``retry_after``."""

    http_status = 409
    problem_type = "idempotency-key-in-flight"
    title = "Request with this Idempotency-Key in flight"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": str(self.retry_after)}


class IdempotencyKeyReused(RequestError):
    """422: the key was first used with a different request (method, path, query or body; draft §2.7)."""

    http_status = 422
    problem_type = "idempotency-key-reused"
    title = "Idempotency-Key reused"


class ServiceUnavailable(AdapterError):
    """503 (RFC 9110 §15.6.4): the call was not sent now, to spare a failing or saturated backend; try again after
    ``retry_after`` seconds. SOAP: a Server fault."""

    http_status = 503
    problem_type = "service-unavailable"
    title = "Service unavailable"
    retriable = True

    def __init__(self, detail: str, *, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)

    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": str(self.retry_after)}


class CircuitOpen(ServiceUnavailable):
    problem_type = "circuit-open"
    title = "Backend temporarily unavailable"


class BulkheadFull(ServiceUnavailable):
    problem_type = "backend-busy"
    title = "Backend busy"


class StoreUnavailable(ServiceUnavailable):
    problem_type = "store-unavailable"
    title = "Shared store unavailable"

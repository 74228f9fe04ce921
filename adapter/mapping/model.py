"""The mapping file format (version 1), as pydantic models. ``adapter schema`` exports it as JSON Schema.

A mapping file binds one contract port to a backend address and declares routes: an HTTP method and path template
bound to one operation, with a request template (SOAP input ← HTTP request) and a response template (JSON ← SOAP
output), plus error rules that turn SOAP faults and in-body error tables into problem responses.

A template maps target names to rules. A rule is either a string — a source path such as ``body.amount`` or
``Account.IBAN`` (JMESPath; plain dotted names are the common case) — or an object with the keys below.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, WithJsonSchema, field_validator, model_validator
from pydantic_core import PydanticCustomError

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
ENV_REF = r"^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$"


class Strict(BaseModel):
    """A mapping-file object: unknown keys are errors (a misspelt key must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


TransformSpec = Annotated[
    str | dict[str, Any],
    Field(
        description="A named transform (`alpha`, `map`, `number`, ...) or `{name: options}`.",
        examples=["number", {"alpha": {"width": 10}}, {"map": {"A": "open"}}],
    ),
]


class Rule(Strict):
    """How one target value is made."""

    from_: str | None = Field(
        default=None,
        alias="from",
        description="Source path (JMESPath). With `fields`, the object the nested paths are relative to.",
    )
    value: Any = Field(default=None, description="A constant instead of a source.")
    default: Any = Field(default=None, description="Used when the source is absent.")
    transform: TransformSpec | list[TransformSpec] | None = None
    fields: dict[str, Template] | None = Field(default=None, description="A nested object.")
    each: str | None = Field(
        default=None,
        description="Source path of a list; each item is mapped with `fields` (or as is).",
    )
    description: str | None = Field(default=None, description="Shown in the OpenAPI document.")
    sensitive: bool = Field(default=False, description="Mask this value in logs (account numbers, names).")


Template = Annotated[
    str | Rule,
    Field(
        union_mode="left_to_right",
        description="A source path, or a rule object.",
    ),
]


class UsernameToken(Strict):
    """WS-Security UsernameToken (OASIS WSS UsernameToken Profile 1.1). Both values must be `${ENV}` references."""

    username: str = Field(json_schema_extra={"pattern": ENV_REF})
    password: SecretStr = Field(json_schema_extra={"pattern": ENV_REF})
    digest: bool = Field(
        default=False, description="PasswordDigest, Base64(SHA-1(nonce + created + password)), instead of PasswordText."
    )
    timestamp: bool = Field(default=True, description="Send a wsu:Timestamp (WSS 1.1 §10) before the token.")
    ttl: int = Field(default=300, gt=0, le=86400, description="Seconds from the Timestamp's Created to its Expires.")


class X509Signature(Strict):
    """Sign the Body and the Timestamp with an X.509 certificate (WSS X.509 Token Profile 1.1, RSA-SHA256).

    Paths of PEM files, read at start-up; `${ENV}` references allowed. The key's password only as a reference.
    """

    key_file: str = Field(description="PEM RSA private key, e.g. `${BANK_SIGNING_KEY}`.")
    cert_file: str = Field(description="PEM certificate of that key, sent as a BinarySecurityToken.")
    key_password: SecretStr | None = Field(
        default=None, description="`${ENV}` reference to the key's password.", json_schema_extra={"pattern": ENV_REF}
    )


class BackendSecurity(Strict):
    """Outbound WS-Security. The header carries a Timestamp, the UsernameToken, then the Signature (WSS 1.1)."""

    username_token: UsernameToken | None = None
    signature: X509Signature | None = None


class BackendTls(Strict):
    """TLS towards the backend. The server certificate is always verified unless `verify: false` is written."""

    ca_bundle: str | None = Field(default=None, description="PEM file of the CAs to trust, instead of the public ones.")
    client_cert: str | None = Field(default=None, description="PEM client certificate (chain) for mutual TLS.")
    client_key: str | None = Field(default=None, description="PEM private key of `client_cert` when in its own file.")
    verify: bool = Field(default=True, description="`false` turns certificate checks off (logged at start-up).")

    @model_validator(mode="after")
    def _consistent(self) -> BackendTls:
        if self.client_key and not self.client_cert:
            raise PydanticCustomError("tls", "client_key needs client_cert")
        if self.ca_bundle and not self.verify:
            raise PydanticCustomError("tls", "ca_bundle has no use with verify: false")
        return self


Seconds = Annotated[float, Field(gt=0, description="Seconds.")]


class Backoff(Strict):
    """Exponential backoff with full jitter: retry n waits a random time up to `initial` × 2ⁿ⁻¹, at most `max`."""

    initial: Seconds | None = None
    max: Seconds | None = None


class Retries(Strict):
    """Retries of calls the route marks safe (`retry`), only after a connect error, a timeout or an HTTP 503."""

    attempts: int | None = Field(default=None, ge=1, le=10, description="Calls in all, the first included; 1: none.")
    backoff: Backoff | None = None


class Breaker(Strict):
    """After `failures` failed calls in a row within `window` seconds, calls are answered 503 (with Retry-After)
    without reaching the backend for `open_for` seconds; then one probe call closes it again or re-opens it."""

    failures: int | None = Field(default=None, ge=1)
    window: Seconds | None = None
    open_for: Seconds | None = None


class Bulkhead(Strict):
    """At most `max_concurrent` calls in flight to this backend; beyond that, 503 at once."""

    max_concurrent: int | None = Field(default=None, ge=1)


class Resilience(Strict):
    """How calls to the backend are protected. Unset values come from the settings (`ADAPTER_RESILIENCE__*`)."""

    deadline: Seconds | None = Field(
        default=None, description="Seconds for a whole call, pool wait and retries included; `timeout` if unset."
    )
    retries: Retries | None = None
    breaker: Breaker | None = None
    bulkhead: Bulkhead | None = None


RATE = r"^\s*[1-9][0-9]*\s*(/|per)\s*([1-9][0-9]*\s*)?(second|minute|hour|day|month|year)s?\s*$"


class Limit(Strict):
    """A rate limit, or a quota when its window is long: `{rate: "100/minute"}`, `{rate: "10000/day", name: daily}`."""

    rate: str = Field(
        description="Calls per window: `100/minute`, `5 per second`, `1000 per 10 minutes`, `10000/day`.",
        json_schema_extra={"pattern": RATE},
    )
    per: Literal["caller", "everyone"] = Field(
        default="caller", description="`caller`: a budget per API key or JWT subject; `everyone`: one shared budget."
    )
    name: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_-]{1,40}$", description="The policy's name in the RateLimit headers."
    )

    @field_validator("rate")
    @classmethod
    def _rate(cls, value: str) -> str:
        if not re.match(RATE, value):
            raise PydanticCustomError("rate", "a rate is calls per window, e.g. 100/minute or 1000 per 10 minutes")
        return value


Vary = Literal["caller", "query"]
_VARY_ALL: tuple[Vary, ...] = ("caller", "query")


class Cache(Strict):
    """Keep this GET route's successful answers for `ttl` seconds (ETag, 304 on If-None-Match)."""

    ttl: Seconds
    vary: list[Vary] = Field(
        default_factory=lambda: list(_VARY_ALL),
        description="What else, besides the path, tells answers apart. Without `caller`, callers share answers.",
    )


class Backend(Strict):
    """Where the legacy service runs. Values may use `${VAR}` and `${VAR:-default}` environment references."""

    url: str = Field(description="Endpoint address, e.g. `${BANK_URL}`; the contract's own address if empty.")
    timeout: Annotated[
        float | None,
        WithJsonSchema({"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string", "pattern": ENV_REF}]}),
    ] = Field(default=None, gt=0, description="Seconds for one call, or an environment reference.")
    security: BackendSecurity | None = None
    tls: BackendTls | None = None
    resilience: Resilience | None = None


class ContractRef(Strict):
    wsdl: str = Field(
        description="Path of the WSDL under the contracts folder (`wsdl/`), or relative to this file when it starts "
        "with `./` or `../`."
    )
    service: str | None = None
    port: str | None = None


class FieldErrors(Strict):
    """The problem's `errors` array, one `{field, message}` per item of a list in the fault detail or error row."""

    each: str = Field(description="Path of the list, e.g. `detail.Errors.Error` (in {code, message, detail}).")
    field: str | None = Field(default=None, description="Path in each item of the field it is about.")
    message: str = Field(description="Path in each item of its message.")


class ErrorRule(Strict):
    """Turns a SOAP fault, or an error row in the reply body, into a problem response.

    Give `fault` (detail element name) and/or `code` (fault code, e.g. `Client`) for faults; `rows` (path to a list
    in the output) with `when` (field equals value, or one of a list) for error tables such as SAP's RETURN.
    Paths in `message`, `headers`, `extensions` and `field_errors` are read from `{code, message, detail}` for a
    fault (`detail.RetryAfterSeconds`) and from the matched row for `rows`.
    """

    fault: str | None = None
    code: str | None = None
    rows: str | None = None
    when: dict[str, str | list[str]] = Field(default_factory=dict)
    status: int = Field(ge=400, le=599)
    title: str
    type: str | None = Field(default=None, description="Problem type slug; derived from `title` if absent.")
    message: str | None = Field(
        default=None,
        description="Path of the message to show: in the row for `rows`, in {code, message, detail} for faults.",
    )
    extensions: dict[str, str] = Field(
        default_factory=dict,
        description="Extra members of the problem body ← paths like `message`, e.g. `{transferId: detail.TransferId}` "
        "so that a 409 for a duplicate carries the original resource's id.",
    )

    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Response header ← path, e.g. `Retry-After: detail.RetryAfterSeconds`.",
    )
    field_errors: FieldErrors | None = Field(default=None, description="The problem's `errors` array from a list.")


QUERY_PARAMETER = r"^query\.[A-Za-z_][A-Za-z0-9_]*$"


class Pagination(Strict):
    """A route whose reply is one page of a list: page and size are validated (defaults, maximum) and the reply
    carries RFC 8288 `Link` headers to the `first`, `prev`, `next` and, with a total, `last` page.

    `page` and `size` name query parameters that the request template reads; `total` and `has_more` name fields of
    the JSON response (give at least one, so that `next` can be known).
    """

    page: str = Field(pattern=QUERY_PARAMETER, description="The page number's query parameter, e.g. `query.page`.")
    size: str = Field(pattern=QUERY_PARAMETER, description="The page size's query parameter, e.g. `query.pageSize`.")
    total: str | None = Field(default=None, description="Response field with the number of items in all pages.")
    has_more: str | None = Field(default=None, description="Response field that is true when another page follows.")
    first_page: int | None = Field(
        default=None, ge=0, le=1, description="Number of the first page: the contract's minimum if absent, else 1."
    )
    default_size: int = Field(default=25, gt=0, description="The size of a page when the caller gives none.")
    max_size: int | None = Field(
        default=None, gt=0, description="The largest size a caller may ask for: the contract's maximum if absent."
    )


class Route(Strict):
    """One JSON route bound to one SOAP operation."""

    method: HttpMethod
    path: str = Field(description="Path template, e.g. `/v1/accounts/{iban}`.")
    operation: str
    name: str | None = Field(default=None, description="OpenAPI operationId; the operation name if absent.")
    summary: str | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    request: dict[str, Template] = Field(
        default_factory=dict,
        description="SOAP input element ← source in {path, query, headers, body}.",
    )
    response: dict[str, Template] | None = Field(
        default=None,
        description="JSON field ← source in the SOAP output. Absent: the output as is.",
    )
    scopes: list[str] | None = Field(
        default=None, description="Scopes a caller needs (API key or JWT); the file's `scopes` if absent."
    )
    status: int = Field(default=200, ge=200, le=299)
    location: str | None = Field(
        default=None,
        description="Location header template over the JSON response, e.g. `/v1/x/{id}`.",
    )
    errors: list[ErrorRule] = Field(default_factory=list)
    pagination: Pagination | None = None
    retry: Literal["safe", "never"] | None = Field(
        default=None,
        description="Whether a failed call may be sent again: `safe` for GET by default, `never` otherwise. Write "
        "`safe` on a POST only when the backend recognises a repeated request (e.g. the Idempotency-Key is mapped).",
    )
    limits: list[Limit] = Field(default_factory=list, description="Rate limits and quotas of this route.")
    cache: Cache | None = Field(default=None, description="GET only: keep answers for a while.")
    invalidates: list[str] = Field(
        default_factory=list, description="Names of cached routes whose answers a successful call of this one drops."
    )
    idempotency: Literal["required", "optional", "off"] | None = Field(
        default=None,
        description="POST and PATCH: honour the Idempotency-Key header (`optional`, the default), demand it, or not.",
    )


class MappingFile(Strict):
    """A mapping file: one contract port, one backend, its routes."""

    version: Literal[1] = 1
    contract: ContractRef
    backend: Backend
    errors: list[ErrorRule] = Field(default_factory=list, description="Rules for every route, after its own.")
    scopes: list[str] = Field(default_factory=list, description="Scopes every route needs unless it says otherwise.")
    limits: list[Limit] = Field(default_factory=list, description="Rate limits of all this file's routes together.")
    validate_replies: Literal["strict", "warn"] = Field(
        default="strict",
        description="Replies are checked against the contract: `strict` answers a reply that breaks it with a 502 "
        "`backend-contract-violation`; `warn` logs each violation and passes the reply on (for backends known to be "
        "sloppy).",
    )
    routes: list[Route]


Rule.model_rebuild()

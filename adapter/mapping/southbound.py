"""The served-contract mapping format (version 1): a SOAP contract answered by calls to a REST backend.

The mirror of :mod:`adapter.mapping.model`, in the same family (``version``, ``contract``, ``backend``, templates of
rules, ``errors``). Where a route maps an HTTP request onto a SOAP operation, an operation here maps a SOAP request
onto an HTTP call::

    endpoint: {path: /soap/payment-orders, username_token: true}
    operations:
      GetPaymentOrder:
        method: GET
        path: /payments/{PaymentOrderId}         # {…}: a path in the SOAP input
        response:                                # SOAP output ← {body, headers, status, input}
          PaymentOrder: {from: body, fields: {PaymentOrderId: id, ...}}
        errors:
          - {status: 404, fault: PaymentOrderNotFound, reason: body.message,
             detail: {PaymentOrderId: input.PaymentOrderId}}

Query, header and body templates read the SOAP input (``Creditor.IBAN``; the declared SOAP header blocks under
``_header``: ``_header.AuditHeader.UserId``); response and fault detail templates build the SOAP output (its header
blocks under ``_header``) or a declared fault's detail element from the reply document ``{body, headers, status,
input}``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from adapter.mapping.model import ENV_REF, ContractRef, HttpMethod, Rule, Strict, Template

REPLY_ROOTS = ("body", "headers", "status", "input")


class ServedEndpoint(Strict):
    """Where the contract is served, on the adapter's own port, and how callers authenticate."""

    path: str = Field(pattern=r"^/[^?#]*$", description="HTTP path of the endpoint, e.g. `/soap/payment-orders`.")
    username_token: bool = Field(
        default=False,
        description="Require a WS-Security UsernameToken (users from `ADAPTER_SOAP_USERS`).",
    )


class RestBackend(Strict):
    """The REST service that answers. Values may use `${VAR}` and `${VAR:-default}` environment references."""

    url: str = Field(description="Base URL, e.g. `${PAYMENTS_HUB_URL}`; operation paths are appended to it.")
    timeout: Annotated[
        float | None,
        WithJsonSchema({"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string", "pattern": ENV_REF}]}),
    ] = Field(default=None, gt=0, description="Seconds for one call, or an environment reference.")


Status = Annotated[int, Field(ge=400, le=599)]


class RestErrorRule(Strict):
    """Turns an HTTP error reply into a SOAP fault: a declared fault with its detail, or a plain one.

    The first rule whose `status` matches and whose `when` conditions all hold is used. A reply no rule matches is
    answered with a generic Server fault that says nothing about the backend.
    """

    status: Status | list[Status] = Field(description="HTTP status(es) of the reply.")
    when: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="Conditions on the reply: a path such as `body.code` equals the value, or one of a list.",
    )
    fault: str | None = Field(default=None, description="Declared fault (detail element name); none: a plain fault.")
    code: Literal["Client", "Server"] = Field(default="Client", description="Fault code (SOAP 1.2: Sender/Receiver).")
    reason: str | None = Field(default=None, description="Path of the fault's reason text, e.g. `body.message`.")
    title: str | None = Field(default=None, description="Reason used when `reason` finds no text.")
    detail: dict[str, Template] = Field(
        default_factory=dict,
        description="Detail element ← source in {body, headers, status, input}.",
    )


class RestOperation(Strict):
    """One contract operation answered by one HTTP call."""

    method: HttpMethod
    path: str = Field(description="Path template below the backend URL; `{X.Y}` is a path in the SOAP input.")
    query: dict[str, Template] = Field(default_factory=dict, description="Query parameter ← SOAP input.")
    headers: dict[str, Template] = Field(
        default_factory=dict,
        description="HTTP request header ← SOAP input (a header block: `_header.AuditHeader.UserId`) or a constant "
        "(`{value: ...}`).",
    )
    body: dict[str, Template] | None = Field(default=None, description="JSON body member ← SOAP input.")
    response: dict[str, Template] = Field(
        default_factory=dict,
        description="SOAP output element ← source in {body, headers, status, input}.",
    )
    errors: list[RestErrorRule] = Field(default_factory=list)
    description: str | None = None


class ServedMappingFile(Strict):
    """A served-contract mapping file: one contract served at one endpoint, answered by one REST backend."""

    version: Literal[1] = 1
    contract: ContractRef
    endpoint: ServedEndpoint
    backend: RestBackend
    errors: list[RestErrorRule] = Field(default_factory=list, description="Rules for every operation, after its own.")
    operations: dict[str, RestOperation] = Field(description="Every operation of the contract's port, by name.")


def known_keys(place: tuple[Any, ...]) -> list[str]:
    """The keys allowed where ``place`` points, for "did you mean" hints."""
    names = [str(step) for step in place[:-1] if isinstance(step, str)]
    by_parent: dict[str, type[BaseModel]] = {
        "": ServedMappingFile,
        "contract": ContractRef,
        "endpoint": ServedEndpoint,
        "backend": RestBackend,
        "errors": RestErrorRule,
    }
    parent = names[-1] if names else ""
    cls = by_parent.get(parent, Rule)
    if len(names) >= 2 and names[-2] == "operations":
        cls = RestOperation
    elif len(names) >= 2 and names[-2] in ("query", "headers", "body", "response", "detail", "fields"):
        cls = Rule
    return [info.alias or key for key, info in cls.model_fields.items()]


def is_served(document: Any) -> bool:
    """Whether a parsed mapping document is a served-contract mapping (it has `endpoint` or `operations`)."""
    return isinstance(document, dict) and ("endpoint" in document or "operations" in document)


__all__ = [
    "REPLY_ROOTS",
    "RestBackend",
    "RestErrorRule",
    "RestOperation",
    "ServedEndpoint",
    "ServedMappingFile",
    "is_served",
    "known_keys",
]

"""The OpenAPI 3.1 document of the facade, derived from the compiled mappings and the contracts' types."""

from __future__ import annotations

from typing import Any

from adapter.mapping.compiler import CompiledRoute

_PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "requestId"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "requestId": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_LINK = {
    "description": "RFC 8288 links to the `first`, `prev`, `next` and (with a total) `last` page, e.g. "
    '`</v1/items?page=3&pageSize=25>; rel="next"`; other query parameters are kept.',
    "schema": {"type": "string"},
}
_PROBLEM_REF = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def document(routes: list[CompiledRoute], *, title: str, version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {
        "/healthz": {
            "get": {
                "summary": "Liveness",
                "operationId": "healthz",
                "responses": {"200": {"description": "OK"}},
            }
        }
    }
    components: dict[str, Any] = {"Problem": _PROBLEM}
    for compiled in routes:
        paths.setdefault(compiled.route.path, {})[compiled.route.method.lower()] = _operation(compiled)
        _merge(components, compiled.components)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
    }


def _merge(components: dict[str, Any], more: dict[str, Any]) -> None:
    """Component schemas of several mapping files; each file's are named after it (``bank.Person``)."""
    for name, schema in more.items():
        components.setdefault(name, schema)


def _operation(compiled: CompiledRoute) -> dict[str, Any]:
    route = compiled.route
    success: dict[str, Any] = {
        "description": route.summary or "Success",
        "content": {"application/json": {"schema": compiled.response_schema}},
    }
    if route.location:
        success["headers"] = {"Location": {"schema": {"type": "string"}}}
    if compiled.pagination is not None:
        success.setdefault("headers", {})["Link"] = _LINK
    responses: dict[str, Any] = {str(route.status): success}
    for status, text in _error_statuses(compiled).items():
        responses[str(status)] = {"description": text, "content": _PROBLEM_REF}
    operation: dict[str, Any] = {
        "operationId": route.name or compiled.operation,
        "summary": route.summary or f"{compiled.operation} (SOAP)",
        "tags": route.tags,
        "parameters": compiled.parameters,
        "responses": responses,
    }
    if route.description:
        operation["description"] = route.description
    scopes = list(compiled.scopes)
    operation["security"] = [{"apiKey": []}, {"bearer": scopes}]
    if scopes:
        operation["description"] = (operation.get("description", "") + f"\n\nScopes: {', '.join(scopes)}").strip()
    if compiled.body_schema is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": compiled.body_schema}},
        }
    return operation


def _error_statuses(compiled: CompiledRoute) -> dict[int, str]:
    statuses = {
        401: "Authentication required",
        403: "Insufficient scope",
        422: "Request validation failed",
        502: "Backend error",
        504: "Backend timeout",
    }
    if compiled.body_schema is not None:
        statuses.update({400: "Invalid JSON", 413: "Payload too large", 415: "Unsupported media type"})
    for rule in compiled.errors:
        statuses.setdefault(rule.status, rule.title)
    return dict(sorted(statuses.items()))

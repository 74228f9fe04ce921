"""One HTTP endpoint per mapped route: request → SOAP call → JSON, with the route's error rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from adapter import codec
from adapter.api import problems
from adapter.api.auth import principal
from adapter.api.traffic import Traffic
from adapter.asgi.body import read_body
from adapter.exceptions import AdapterError, BackendFault, UnsupportedMediaType
from adapter.exchange import route as exchange
from adapter.logs import mask
from adapter.mapping.compiler import CompiledRoute
from adapter.mapping.errors import fault_error
from adapter.ops.runtime import Operations, RoutePlan
from adapter.settings import Settings

_BODY_METHODS = ("POST", "PUT", "PATCH")


class Backend(Protocol):
    """What a route calls: :class:`adapter.soap.call.SoapBackend`, or it guarded (:mod:`adapter.ops.runtime`)."""

    async def call(self, operation: str, payload: dict[str, Any]) -> Any: ...


class RouteEndpoint:
    """The ASGI endpoint of one compiled route."""

    def __init__(self, compiled: CompiledRoute, backend: Backend, settings: Settings) -> None:
        self.compiled = compiled
        self.backend = backend
        self.settings = settings
        self.takes_body = compiled.body_schema is not None or compiled.route.method in _BODY_METHODS

    async def handle(self, request: Request) -> Response:
        self._describe(request)
        principal(request).require(self.compiled.scopes)  # before the body is read or any backend is called
        query = _query(request)
        paging = self.compiled.pagination
        page, problems = paging.apply(query) if paging is not None else (None, [])  # defaults filled in
        data = {
            "path": request.path_params,
            "query": query,
            "headers": dict(request.headers),
            "body": await self._body(request) if self.takes_body else None,
        }
        payload = exchange.payload(self.compiled, data, problems)  # adapter.exchange.route: what try and test run
        try:
            output = await self.backend.call(self.compiled.operation, payload)
        except BackendFault as exc:
            request.scope["state"]["fault"] = exc.fault.code  # the access log names it, as for served contracts
            raise fault_error(self.compiled.errors, exc.fault) or self._untranslated(exc, data, payload) from None
        document = exchange.document(self.compiled, output)
        headers = self._location(document)
        if paging is not None and page is not None:
            headers["Link"] = paging.links(_requested_path(request), _requested_query(request), page, document)
        return Response(
            codec.dumps(document),
            status_code=self.compiled.route.status,
            media_type="application/json",
            headers=headers,
        )

    def _untranslated(self, exc: BackendFault, data: dict[str, Any], payload: dict[str, Any]) -> BackendFault:
        """A fault no error rule translates, as the log will show it (:mod:`adapter.api.problems`): the caller gets
        a bare 502, the operator its code and faultstring, with the values this route marks sensitive masked."""
        message = exc.fault.message
        for value in _sensitive_values(self.compiled, data, payload):
            message = message.replace(value, mask(value))
        return BackendFault(replace(exc.fault, message=message))

    def _describe(self, request: Request) -> None:
        """Tell the access log what this request is, with sensitive parameters masked."""
        state = request.scope.setdefault("state", {})
        state["route"] = self.compiled.route.name or self.compiled.operation
        state["operation"] = self.compiled.operation
        params = {f"path.{k}": v for k, v in request.path_params.items()}
        if request.scope.get("query_string"):  # none: no QueryParams to build
            params.update({f"query.{k}": v for k, v in request.query_params.items()})
        state["log_params"] = {k: mask(v) if k in self.compiled.sensitive else v for k, v in params.items()}

    async def _body(self, request: Request) -> Any:
        raw = await read_body(request, self.settings.json_limits.max_bytes)
        if not raw and self.compiled.body_schema is None:
            return None
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise UnsupportedMediaType("send the request body as application/json")
        return codec.parse(raw, self.settings.json_limits)

    def _location(self, document: Any) -> dict[str, str]:
        template = self.compiled.route.location
        if template is None or not isinstance(document, dict):
            return {}
        values = {k: quote(str(v), safe="") for k, v in document.items() if not isinstance(v, (dict, list))}
        try:
            return {"Location": template.format_map(values)}
        except KeyError:
            return {}  # the reply lacked the field; the body still says what was created


def _sensitive_values(compiled: CompiledRoute, data: dict[str, Any], payload: dict[str, Any]) -> list[str]:
    """What the caller sent for the route's sensitive sources, as sent and as mapped (``de89 3704…`` became
    ``DE893704…``), longest first so that no value is masked only in part."""
    found: set[str] = set()
    for plan in compiled.request:
        if plan.source is not None and plan.source.text in compiled.sensitive:
            found.update(v for v in (plan.source.get(data), payload.get(plan.target)) if isinstance(v, str))
    return sorted((v for v in found if len(v) >= 4), key=len, reverse=True)


def _requested_path(request: Request) -> str:
    """The path as the caller wrote it, percent-encoding and all (ASGI ``raw_path``)."""
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if raw else quote(request.scope["path"])


def _requested_query(request: Request) -> str:
    return bytes(request.scope.get("query_string", b"")).decode("latin-1")


def _query(request: Request) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if not request.scope.get("query_string"):
        return query
    for key, value in request.query_params.multi_items():
        if key in query:
            existing = query[key]
            query[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            query[key] = value
    return query


class EndpointApp:
    """The ASGI app of a route's endpoint: its answer, or the problem its :class:`AdapterError` or
    ``HTTPException`` makes (rendered by :mod:`adapter.api.problems`, as the exception handlers registered on the
    application would). Unlike Starlette's ``request_response`` it needs no exception handlers in the scope, so
    :class:`MappedRoutes` can call it without FastAPI's router and middlewares in between."""

    def __init__(self, handle: Callable[[Request], Awaitable[Response]]) -> None:
        self.handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await self.handle(request)
        except AdapterError as exc:
            response = await problems.adapter_error(request, exc)
        except HTTPException as exc:
            response = await problems.http_error(request, exc)
        await response(scope, receive, send)


class MappedRoutes:
    """Pure ASGI: a request that a mapped route matches in full (path and method) goes straight to that route's app;
    anything else to ``app`` (FastAPI's own stack and router, which answers 404, 405 and the slash redirects).

    The routes are tried in the router's order and only mapped routes precede the others there, so the route chosen
    is the one the router would choose. What is skipped is per-request overhead a mapped route does not use: FastAPI's
    exception, body-limit, exit-stack and telemetry middlewares and the router's loop over every route."""

    def __init__(self, app: ASGIApp, routes: Sequence[Route], router: BaseRoute | Any) -> None:
        self.app = app
        self.router = router
        # By method, in order: only a route of the request's method can match in full.
        self.by_method: dict[str, tuple[Route, ...]] = {}
        for method in {m for route in routes for m in route.methods or ()}:
            self.by_method[method] = tuple(route for route in routes if method in (route.methods or ()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self.by_method.get(scope["method"], ()):
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self.router)  # as Router.app does: url_for works alike
                    scope["route"] = route
                    scope.update(child)
                    await route.app(scope, receive, send)  # Route.handle's own step once the method matched
                    return
        await self.app(scope, receive, send)


class MappedRoute(Route):
    """A mapped route names itself in the scope it matches (``scope["route"]``, as FastAPI's own routes do), so that
    telemetry labels the request without matching the path against every route again."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is Match.FULL:
            child["route"] = self
        return match, child


def starlette_route(
    compiled: CompiledRoute, backend: Backend, settings: Settings, ops: tuple[Operations, RoutePlan] | None = None
) -> Route:
    """The route; with ``ops``, behind its rate limits, cache and Idempotency-Key (:mod:`adapter.api.traffic`)."""
    endpoint = EndpointApp(RouteEndpoint(compiled, backend, settings).handle)
    name = compiled.route.name or compiled.operation
    methods = [compiled.route.method]
    if ops is None or ops[1].plain:
        return MappedRoute(compiled.route.path, endpoint, methods=methods, name=name)
    max_body = settings.json_limits.max_bytes
    app = Traffic(endpoint, ops[1], ops[0], scopes=compiled.scopes, max_body=max_body)
    return MappedRoute(compiled.route.path, app, methods=methods, name=name)

"""Traffic control around one route's endpoint, as an ASGI app: rate limits first, then the answer cache (GET) or
Idempotency-Key (POST, PATCH), then the endpoint; afterwards the invalidation of the cached routes a successful
write names. Every answer of a limited route, errors and replays included, carries the RateLimit fields.

The rules live in :mod:`adapter.ops`; this module only moves HTTP messages in and out of them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapter.api import problems
from adapter.api.auth import principal
from adapter.asgi.body import read_body
from adapter.exceptions import AdapterError, IdempotencyKeyMissing, StoreUnavailable
from adapter.mapping.model import Cache as CacheSpec
from adapter.ops.answer import Answer, kept_headers
from adapter.ops.cache import Hit, Lookup, etag, matches
from adapter.ops.idempotency import HEADER, fingerprint, parse_key
from adapter.ops.runtime import Operations, RoutePlan

log = logging.getLogger("adapter.ops")


def caller_of(request: Request) -> str:
    """Whose budget a call spends and whose cache entries and Idempotency-Keys it sees: the API key's name or the
    JWT subject; the client address when the facade runs without authentication."""
    who = principal(request)
    if who.method == "none":
        return "ip:" + (request.client.host if request.client else "unknown")
    return f"{who.method}:{who.subject}"


class Traffic:
    """The ASGI app of one route: ``endpoint`` behind the route's :class:`RoutePlan`."""

    def __init__(
        self, endpoint: ASGIApp, plan: RoutePlan, ops: Operations, *, scopes: tuple[str, ...], max_body: int
    ) -> None:
        self.endpoint = endpoint
        self.plan = plan
        self.ops = ops
        self.scopes = scopes
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {}).setdefault("route", self.plan.label)  # for the access log, if refused here
        request = Request(scope, receive)
        limit_headers: Mapping[str, str] = {}
        try:
            principal(request).require(self.scopes)  # before anything is counted, replayed or served from cache
            caller = caller_of(request)
            if self.plan.limits is not None:
                limit_headers = await self.plan.limits.admit(caller)
            answer = await self._answer(request, caller)
        except AdapterError as exc:
            response = await problems.adapter_error(request, exc)
            response.headers.update({k: v for k, v in limit_headers.items() if k not in response.headers})
            await response(scope, receive, send)
            return
        await _send(send, answer, limit_headers)

    async def _answer(self, request: Request, caller: str) -> Answer:
        plan = self.plan
        if plan.cache is not None:
            return await self._cached(request, caller)
        key = request.headers.get(HEADER)
        if key is None and plan.idempotency == "required":
            raise IdempotencyKeyMissing("this route requires an Idempotency-Key header")
        if key is not None and plan.idempotency != "off":
            return await self._idempotent(request, caller, parse_key(key))
        answer = await _capture(self.endpoint, request.scope, request.receive)
        await self._invalidate(answer)
        return answer

    async def _idempotent(self, request: Request, caller: str, key: str) -> Answer:
        body = await read_body(request, self.max_body)
        print_ = fingerprint(request.method, request.url.path, request.scope.get("query_string", b""), body)
        outcome = await self.ops.idempotency.begin(self.plan.name, caller, key, print_, self.plan.lease)
        if isinstance(outcome, Answer):
            return outcome
        try:
            answer = await _capture(self.endpoint, request.scope, _replay(body))
        except BaseException:
            await self.ops.idempotency.release(outcome)
            raise
        await self.ops.idempotency.complete(outcome, answer)  # kept before the client hears it
        await self._invalidate(answer)
        return answer

    async def _cached(self, request: Request, caller: str) -> Answer:
        spec = self.plan.cache
        assert spec is not None
        variant = request.url.path
        if "query" in spec.vary:
            variant += "?" + urlencode(sorted(parse_qsl(request.url.query, keep_blank_values=True)))
        if "caller" in spec.vary:
            variant += "\n" + caller
        try:
            lookup = await self.ops.cache.lookup(self.plan.name, spec, variant)
        except StoreUnavailable:
            return await _capture(self.endpoint, request.scope, request.receive)  # no cache rather than no answer
        if lookup.hit is None:
            answer = await self.ops.cache.fill(lookup, lambda: self._miss(request, spec, lookup))
            hit = Hit(answer, etag(answer.body), 0, int(spec.ttl))
        else:
            hit = lookup.hit
        return _fresh(hit, request.headers.get("if-none-match"), lookup.hit is not None)

    async def _miss(self, request: Request, spec: CacheSpec, lookup: Lookup) -> Answer:
        answer = await _capture(self.endpoint, request.scope, request.receive)
        try:
            await self.ops.cache.store_answer(self.plan.name, spec, lookup, answer, etag(answer.body))
        except StoreUnavailable:
            pass  # served all the same; the next call tries again
        return answer

    async def _invalidate(self, answer: Answer) -> None:
        if not self.plan.invalidates or not 200 <= answer.status < 300:
            return
        try:
            await self.ops.cache.invalidate(self.plan.invalidates)
        except StoreUnavailable:  # the write is done and its answer must reach the caller; entries age out
            log.warning("cached answers of %s not dropped: the store failed", ", ".join(self.plan.invalidates))


def _fresh(hit: Hit, if_none_match: str | None, from_cache: bool) -> Answer:
    """The answer with its validators (RFC 9111 §5.2.2.4 private, max-age; §5.1 Age), or a 304 (RFC 9110 §15.4.5)
    when the caller already holds it."""
    answer = hit.answer
    if answer.status != 200:
        return answer
    headers = [
        (b"etag", hit.tag),
        (b"cache-control", b"private, max-age=%d" % hit.max_age),
        (b"x-cache-status", b"HIT" if from_cache else b"MISS"),
    ]
    if from_cache:
        headers.append((b"age", b"%d" % hit.age))
    if if_none_match is not None and matches(if_none_match, hit.tag):
        return Answer(304, tuple(headers), b"")
    return Answer(200, (*kept_headers(answer.headers), *headers), answer.body)


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> Answer:
    """Run ``app`` and keep its whole answer (the facade's answers are single bodies of bounded size)."""
    status, headers, chunks = 500, [], []

    async def keep(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    return Answer(status, tuple((k, v) for k, v in headers if k.lower() != b"content-length"), b"".join(chunks))


def _replay(body: bytes) -> Receive:
    """A receive channel that gives the endpoint the body already read here, once."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _send(send: Send, answer: Answer, extra: Mapping[str, str]) -> None:
    headers = [*answer.headers, *((k.lower().encode(), v.encode()) for k, v in extra.items())]
    if answer.status != 304:
        headers.append((b"content-length", str(len(answer.body)).encode()))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body if answer.status != 304 else b""})

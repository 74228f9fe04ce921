"""Call a REST backend of a served contract: an :class:`HttpCall` out, a :class:`Reply` back, its JSON read exactly.

The call is made on the adapter's one HTTP client (:mod:`adapter.outbound.client`: aiohttp, timeouts, reply cap,
no cookie jar, errors translated there) and awaited, so no thread is held while the backend thinks. The path is
sent exactly as :func:`adapter.mapping.restplan.http_call` built it (its placeholders already escaped or refused),
never re-quoted and never dot-segment-folded. Numbers in replies are read as ``int`` or ``Decimal``, never ``float``.
"""

from __future__ import annotations

from typing import Any

from adapter import codec
from adapter.exceptions import BackendProtocolError
from adapter.mapping.restplan import HttpCall, HttpReply
from adapter.observability.backend import BackendObserver
from adapter.outbound.client import HttpClient, Reply
from adapter.settings import JsonLimits

_JSON = ("application/json", "+json")


class RestBackend:
    """One REST service at one base URL; ``observer`` counts, times and traces each call (a no-op one by default)."""

    def __init__(
        self, base_url: str, http: HttpClient, *, json_limits: JsonLimits, observer: BackendObserver | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.observer = observer or BackendObserver(http.name, address=base_url)
        self.json_limits = json_limits.model_copy(update={"max_bytes": http.max_reply_bytes})

    async def send(self, call: HttpCall, operation: str = "") -> Reply:
        """Make ``call`` for the served ``operation``; raises :class:`BackendUnavailable`, :class:`BackendTimeout` or
        :class:`BackendProtocolError` (a reply over the size cap)."""
        headers = dict(call.headers)  # the mapping's; the names the adapter sets itself are refused by the checker
        headers["Accept"] = "application/json"
        body = None
        if call.body is not None:
            body = codec.dumps(call.body)
            headers["Content-Type"] = "application/json"
        with self.observer.call(operation or call.method) as observed:
            reply = await self.http.request(
                call.method, self.base_url + call.path, headers=headers, body=body, params=call.query
            )
            observed.http_status(reply.status)
            return reply

    def document(self, reply: Reply) -> HttpReply:
        """``reply`` with its JSON body read; raises :class:`BackendProtocolError` for a body that is not JSON."""
        return HttpReply(status=reply.status, headers=dict(reply.headers), body=self._json(reply.body, reply.headers))

    def _json(self, raw: bytes, headers: Any) -> Any:
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if not raw or not media.endswith(_JSON):
            return None  # an empty or non-JSON reply (an HTML error page, say) has no body to map
        try:
            return codec.parse(raw, self.json_limits)
        except codec.JsonError as exc:
            raise BackendProtocolError(f"the backend reply is not acceptable JSON: {exc.detail}") from None

    async def close(self) -> None:
        await self.http.close()

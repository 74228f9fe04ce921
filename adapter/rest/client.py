"""Call a REST backend: an :class:`HttpCall` out, an :class:`HttpReply` back, JSON read exactly.

This is the one place where httpx errors become adapter errors (as :mod:`adapter.soap.call` is for SOAP backends).
Spyne serves requests in worker threads, so the client is httpx's synchronous one, with its own connection pool.
Numbers in replies are read as ``int`` or ``Decimal``, never ``float``; a reply over the size cap is refused.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapter import codec
from adapter.exceptions import BackendProtocolError, BackendTimeout, BackendUnavailable
from adapter.mapping.restplan import HttpCall, HttpReply
from adapter.settings import JsonLimits

_JSON = ("application/json", "+json")


class RestBackend:
    """One REST service at one base URL."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout,
        max_reply_bytes: int,
        json_limits: JsonLimits,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_reply_bytes = max_reply_bytes
        self.json_limits = json_limits.model_copy(update={"max_bytes": max_reply_bytes})
        self.http = httpx.Client(
            timeout=timeout,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            follow_redirects=False,
            trust_env=False,
            transport=transport,
        )

    def send(self, call: HttpCall) -> HttpReply:
        """Make ``call``; raises :class:`BackendUnavailable`, :class:`BackendTimeout` or
        :class:`BackendProtocolError` (a reply too large, or a JSON body that is not JSON)."""
        headers = {"Accept": "application/json"}
        content = None
        if call.body is not None:
            content = codec.dumps(call.body)
            headers["Content-Type"] = "application/json"
        url = self.base_url + call.path
        try:
            with self.http.stream(call.method, url, params=list(call.query), content=content, headers=headers) as reply:
                raw = self._read_capped(reply)
        except httpx.ConnectTimeout:
            raise BackendUnavailable("the backend could not be reached in time") from None
        except httpx.TimeoutException:
            raise BackendTimeout("the backend did not answer in time") from None
        except (httpx.HTTPError, OSError):  # OSError: a bare ssl.SSLError on a refused TLS 1.3 client certificate
            raise BackendUnavailable("the backend could not be reached") from None
        lower = {name.lower(): value for name, value in reply.headers.items()}
        return HttpReply(status=reply.status_code, headers=lower, body=self._json(raw, lower))

    def _read_capped(self, reply: httpx.Response) -> bytes:
        declared = reply.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_reply_bytes:
            raise BackendProtocolError(f"the backend reply exceeds {self.max_reply_bytes} bytes")
        chunks, size = [], 0
        for chunk in reply.iter_bytes():
            size += len(chunk)
            if size > self.max_reply_bytes:
                raise BackendProtocolError(f"the backend reply exceeds {self.max_reply_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _json(self, raw: bytes, headers: dict[str, str]) -> Any:
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if not raw or not media.endswith(_JSON):
            return None  # an empty or non-JSON reply (an HTML error page, say) has no body to map
        try:
            return codec.parse(raw, self.json_limits)
        except codec.JsonError as exc:
            raise BackendProtocolError(f"the backend reply is not acceptable JSON: {exc.detail}") from None

    def close(self) -> None:
        self.http.close()

"""The one HTTP client of the adapter, for every backend call (SOAP and REST): aiohttp, owned here.

Everything a backend call needs is decided in this module and nowhere else: the timeouts (one overall deadline that
includes waiting for a pooled connection, and a connect timeout), the reply size cap (refused from its
Content-Length, or cut while it streams), TLS (the context :mod:`adapter.outbound.tls` builds from a mapping), and the
translation of aiohttp's and the socket layer's errors into :class:`adapter.exceptions.BackendError` kinds.

No cookie ever crosses callers: the session has no cookie jar (RFC 6265 state would otherwise be shared by every JSON
caller of a route). Redirects are not followed: a SOAP or REST backend that redirects is misconfigured, and following
it would send the envelope (and its credentials) somewhere the mapping never named.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field

import aiohttp
from yarl import URL

from adapter.exceptions import BackendProtocolError, BackendTimeout, BackendUnavailable

log = logging.getLogger("adapter.backend")
_CHUNK = 64 * 1024
_KNOWN_URLS = 64
HeaderHook = Callable[[MutableMapping[str, str]], None]


@dataclass(frozen=True)
class Reply:
    """A backend's answer: status, headers (lower-case names) and the whole body, within the size cap."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


class HttpClient:
    """A pool of keep-alive connections to the backends of one mapping, with that mapping's limits.

    ``timeout`` is the overall deadline of one call in seconds, from asking for a connection to the last byte of the
    reply; ``connect_timeout`` bounds opening a connection. ``tls`` is an ``ssl.SSLContext``, or ``True`` for the
    system's trust store, or ``False`` for no verification (only when a mapping writes ``verify: false``).
    The aiohttp session is made on first use, inside the running event loop, and closed by :meth:`close`.
    ``headers_hook`` adds headers to every call: the trace context (``Tracing.inject`` of
    :mod:`adapter.observability.tracing`).
    """

    def __init__(
        self,
        *,
        timeout: float,
        connect_timeout: float,
        max_reply_bytes: int,
        tls: ssl.SSLContext | bool = True,
        max_connections: int = 100,
        name: str = "backend",
        headers_hook: HeaderHook | None = None,
    ) -> None:
        self.headers_hook = headers_hook
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self.max_reply_bytes = max_reply_bytes
        self.tls = tls
        self.max_connections = max_connections
        self.name = name
        self._session: aiohttp.ClientSession | None = None
        self._urls: dict[str, URL] = {}

    def _open(self) -> aiohttp.ClientSession:
        ssl_option: ssl.SSLContext | bool = self.tls if isinstance(self.tls, ssl.SSLContext) else bool(self.tls)
        connector = aiohttp.TCPConnector(limit=self.max_connections, ssl=ssl_option, enable_cleanup_closed=True)
        return aiohttp.ClientSession(
            connector=connector,
            timeout=self.timeout,
            cookie_jar=aiohttp.DummyCookieJar(),  # no cookie crosses callers
            auto_decompress=True,
            trust_env=False,  # proxies and .netrc are configuration, not environment accidents
            skip_auto_headers=("User-Agent",),
        )

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        params: Iterable[tuple[str, str]] | None = None,
    ) -> Reply:
        """Make one call; raises :class:`BackendUnavailable`, :class:`BackendTimeout` or
        :class:`BackendProtocolError` (a reply over the size cap)."""
        session = self._session
        if session is None or session.closed:
            session = self._session = self._open()
        target = self._urls.get(url)
        if target is None:
            target = URL(url, encoded=True)  # sent as given: no re-quoting, no dot-segment folding
            if len(self._urls) < _KNOWN_URLS:  # a backend's few addresses; REST paths with ids are not kept
                self._urls[url] = target
        if params:
            target = target.with_query(list(params))
        if self.headers_hook is not None:
            headers = dict(headers or {})
            self.headers_hook(headers)
        try:
            async with session.request(
                method, target, headers=headers, data=body, allow_redirects=False, compress=None
            ) as response:
                content = await self._read_capped(response)
                names = {name.lower(): value for name, value in response.headers.items()}
                return Reply(status=response.status, headers=names, body=content)
        except aiohttp.ConnectionTimeoutError:
            raise BackendUnavailable("the backend could not be reached in time") from None
        except TimeoutError:
            raise BackendTimeout("the backend did not answer in time") from None
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            # OSError: with TLS 1.3 a refused client certificate surfaces as a bare ssl.SSLError on the first read.
            # ValueError: aiohttp's refusal of a malformed URL. The reason is for operators; callers only learn it
            # failed.
            log.warning("%s unreachable: %s: %s", self.name, type(exc).__name__, exc)
            raise BackendUnavailable("the backend could not be reached") from None

    async def _read_capped(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self.max_reply_bytes
        declared = response.content_length
        if declared is not None and declared > limit:
            raise BackendProtocolError(f"the backend reply exceeds {limit} bytes")
        if declared is not None and "content-encoding" not in response.headers:
            # RFC 9112 §6.3: the body is exactly Content-Length bytes, within the cap: read in one piece.
            return await response.read()
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise BackendProtocolError(f"the backend reply exceeds {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

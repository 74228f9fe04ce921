"""The canned backends: one process, two keep-alive HTTP/1.1 servers answering pre-rendered bytes.

    python -m bench.backends        # prints {"soap": PORT, "rest": PORT} on one line, then serves until stdin closes

- SOAP (the core bank): any POST; the reply is chosen by the Body's first element (``GetBalance``, ``GetStatement``)
  and, for a statement, by ``PageSize`` (up to 25: 25 entries; more: 500 entries, see :mod:`bench.canned`). The
  WS-Security header of the request is not looked at.
- REST (the payments hub): ``GET /payments/PAY-000001``.

A raw asyncio protocol, so that a reply costs a few tens of microseconds: the backend shares its core with the load
generator and must be the cheapest thing in the measurement. It is measured on its own by the ``canned`` scenario.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sys
from collections.abc import Callable
from typing import cast

from bench import canned

Router = Callable[[bytes, bytes, bytes], bytes]  # method, target, body → a whole HTTP response

_OPERATION = re.compile(rb"<(?:[\w.-]+:)?(GetBalance|GetStatement)[\s/>]")
_PAGE_SIZE = re.compile(rb"<(?:[\w.-]+:)?PageSize>\s*(\d+)\s*<")


def response(status: str, content_type: str, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode("ascii") + body


def soap_router() -> Router:
    replies = canned.soap_replies()
    canned.check_replies(replies)  # once, at start-up: the contract decides what a valid answer is
    xml = "text/xml; charset=utf-8"
    ready = {name: response("200 OK", xml, body) for name, body in replies.items()}
    unknown = response("500 Internal Server Error", xml, canned.envelope("Fault", _fault("no canned reply")))

    def route(_: bytes, __: bytes, body: bytes) -> bytes:
        operation = _OPERATION.search(body)
        if operation is None:
            return unknown
        if operation.group(1) == b"GetBalance":
            return ready["balance"]
        size = _PAGE_SIZE.search(body)
        small = size is not None and int(size.group(1)) <= canned.SMALL_PAGE
        return ready[f"statement-{canned.SMALL_PAGE if small else canned.LARGE_ROWS}"]

    return route


def _fault(text: str) -> str:
    return f"<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>{text}</faultstring></soapenv:Fault>"


def rest_router() -> Router:
    found = response("200 OK", "application/json", canned.payment_reply())
    missing = response("404 Not Found", "application/json", b'{"code":"NOT_FOUND","message":"not canned"}')
    target = f"/payments/{canned.PAYMENT_ORDER_ID}".encode()

    def route(method: bytes, path: bytes, _: bytes) -> bytes:
        return found if method == b"GET" and path == target else missing

    return route


class HttpServer(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and pipelining; request bodies by Content-Length or chunked."""

    def __init__(self, route: Router) -> None:
        self.route = route
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport; uvloop's TCPTransport is one without deriving from asyncio.Transport.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and self._one():
            pass

    def _one(self) -> bool:
        """Answer the first complete request in the buffer; False when there is none yet."""
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        lines = bytes(self.buffer[:end]).split(b"\r\n")
        method, target, version = (lines[0].split(b" ") + [b"", b""])[:3]
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:])}
        parsed = _body(self.buffer, end + 4, headers)
        if parsed is None:
            return False
        body, consumed = parsed
        del self.buffer[:consumed]
        assert self.transport is not None
        self.transport.write(self.route(method, target, body))
        if headers.get(b"connection", b"").lower() == b"close" or version == b"HTTP/1.0":
            self.transport.close()
            self.transport = None
        return True


def _body(buffer: bytearray, start: int, headers: dict[bytes, bytes]) -> tuple[bytes, int] | None:
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        return _chunked(buffer, start)
    length = int(headers.get(b"content-length", b"0"))
    if len(buffer) < start + length:
        return None
    return bytes(buffer[start : start + length]), start + length


def _chunked(buffer: bytearray, start: int) -> tuple[bytes, int] | None:
    body, at = bytearray(), start
    while True:
        eol = buffer.find(b"\r\n", at)
        if eol < 0:
            return None
        size = int(bytes(buffer[at:eol]).split(b";")[0], 16)
        if len(buffer) < eol + 2 + size + 2:
            return None
        if size == 0:  # no trailers are sent by any client used here
            return bytes(body), eol + 4
        body += buffer[eol + 2 : eol + 2 + size]
        at = eol + 2 + size + 2


async def serve() -> None:
    loop = asyncio.get_running_loop()
    servers = {}
    for name, router in (("soap", soap_router()), ("rest", rest_router())):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # IPPROTO_TCP: TCP_NODELAY
        sock.bind(("127.0.0.1", 0))
        servers[name] = await loop.create_server(lambda r=router: HttpServer(r), sock=sock, backlog=1024)
    ports = {name: server.sockets[0].getsockname()[1] for name, server in servers.items()}
    print(json.dumps(ports), flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # the parent closes our stdin (or dies): stop


def main() -> None:
    try:
        import uvloop  # not a dependency: if the facade's stack brings it, the backend gets cheaper too
    except ImportError:
        asyncio.run(serve())
    else:
        uvloop.run(serve())


if __name__ == "__main__":
    main()

"""Attacks on the JSON facade and through its backends, over real HTTP.

Each attack is answered with a 4xx problem (or a 502 for a hostile backend) with a clean message naming the limit
that refused it, and the next normal request still succeeds. No assertion reads a clock (speed is `make bench`'s): a
hang is bounded by the client's own timeout.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest

from tests.api.problem import assert_problem
from tests.conftest import API_KEY, Stack, running_stack

MAIN = "DE89370400440532013000"


def transfer_json() -> dict[str, object]:
    return {
        "debtorAccount": MAIN,
        "creditorAccount": "FR7630006000011234567890189",
        "creditorName": "A",
        "amount": {"amount": "1.00", "currency": "EUR"},
        "clientReference": f"atk-{time.monotonic_ns()}",
    }


def attack(api: httpx.Client, body: bytes, content_type: str = "application/json", **headers: str) -> httpx.Response:
    return api.post("/v1/transfers", content=body, headers={"content-type": content_type, **headers})


def still_healthy(api: httpx.Client) -> None:
    assert api.get(f"/v1/accounts/{MAIN}/balance").status_code == 200
    assert api.post("/v1/transfers", json=transfer_json()).status_code == 201


JSON_BOMBS = {
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, 400, "nests deeper than 32"),
    "wide array": (b'{"items": [' + b"1," * 20_000 + b"1]}", 400, "an array has more than 10000 items"),
    "many keys": (
        b"{" + b",".join(b'"k%d": 1' % i for i in range(5_000)) + b"}",
        400,
        "an object has more than 1000 members",
    ),
    "long string": (b'{"creditorName": "' + b"x" * 500_000 + b'"}', 400, "a string is longer than 100000 characters"),
    "huge integer": (b'{"amount": {"amount": ' + b"9" * 5_000 + b"}}", 400, "more than 60 digits"),
    "absurd exponent": (b'{"amount": {"amount": 1e999999999}}', 400, "exponent beyond"),
    "duplicate keys": (b'{"debtorAccount": "A", "debtorAccount": "B"}', 400, "duplicate member 'debtorAccount'"),
    "invalid utf-8": (b'{"creditorName": "\xc3\x28"}', 400, "not UTF-8"),
    "NaN": (b'{"amount": {"amount": NaN}}', 400, "NaN is not a JSON value"),
    "oversized": (b'{"x": "' + b"y" * (2 * 1024 * 1024) + b'"}', 413, "exceeds 1048576 bytes"),
}


@pytest.mark.parametrize("name", list(JSON_BOMBS))
def test_json_bombs(api: httpx.Client, name: str) -> None:
    body, status, message = JSON_BOMBS[name]
    response = attack(api, body)
    problem = assert_problem(response, status, "payload-too-large" if status == 413 else "invalid-json")
    assert message in problem["detail"]
    still_healthy(api)


def test_oversized_chunked_body_without_length(api: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"x": "'
        for _ in range(40):
            yield b"y" * 65536
        yield b'"}'

    response = api.post("/v1/transfers", content=chunks(), headers={"content-type": "application/json"})
    assert_problem(response, 413, "payload-too-large")
    still_healthy(api)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded", ""])
def test_wrong_content_types_are_415(api: httpx.Client, content_type: str) -> None:
    response = attack(api, b'{"debtorAccount": "x"}', content_type)
    assert_problem(response, 415, "unsupported-media-type")
    still_healthy(api)


# -- hostile backends: every SOAP reply is parsed with the same limits -------------------------------------


class Listener:
    """A loopback HTTP listener that must never be contacted (the target of XXE attempts)."""

    def __init__(self) -> None:
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                outer.hits += 1
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"<x>leaked</x>")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()
    assert server.hits == 0, "an external entity was fetched"


def hostile(reply: bytes) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(reply)))])
        return [reply]

    return app


ENV = b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>%s</soap:Body></soap:Envelope>'


def hostile_replies(listener_url: str) -> dict[str, bytes]:
    return {
        "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>' + ENV % b"<x>&lol3;</x>",
        "xxe file": b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + ENV % b"<x>&x;</x>",
        "xxe http": b'<!DOCTYPE a [<!ENTITY x SYSTEM "' + listener_url.encode() + b'">]>' + ENV % b"<x>&x;</x>",
        "external dtd": b'<!DOCTYPE a SYSTEM "' + listener_url.encode() + b'">' + ENV % b"<x/>",
        "deep nesting": ENV % (b"<a>" * 5_000 + b"</a>" * 5_000),
        "100k attributes": ENV % (b"<a " + b" ".join(b'a%d="1"' % i for i in range(100_000)) + b"/>"),
        "10k namespaces": ENV % (b"<a " + b" ".join(b'xmlns:p%d="urn:%d"' % (i, i) for i in range(10_000)) + b"/>"),
        "huge text node": ENV % (b"<a>" + b"x" * (2 * 1024 * 1024) + b"</a>"),
        "not xml": b"<html><body>Proxy error</body></html",
    }


@pytest.mark.parametrize("name", list(hostile_replies("http://x/")))
def test_hostile_backend_replies_are_502(listener: Listener, name: str) -> None:
    reply = hostile_replies(listener.url)[name]
    with running_stack(bank_app=hostile(reply)) as stack:
        response = stack.client.get(f"/v1/accounts/{MAIN}")
        body = assert_problem(response, 502, "backend-protocol-error")
        assert "passwd" not in response.text and "leaked" not in response.text
        assert body["detail"].startswith("the backend reply")
        assert stack.client.get("/v1/customers/100042").status_code == 200
    assert listener.hits == 0


def test_xinclude_in_a_reply_is_not_processed(listener: Listener) -> None:
    reply = ENV % (
        b'<GetAccountResponse xmlns="http://example.com/bank/corebanking/v1" xmlns:xi="http://www.w3.org/2001/XInclude">'
        b'<xi:include href="' + listener.url.encode() + b'" parse="text"/></GetAccountResponse>'
    )
    with running_stack(bank_app=hostile(reply)) as stack:
        response = stack.client.get(f"/v1/accounts/{MAIN}")
        # A well-formed reply with an element the contract does not declare: refused, and the reference not followed.
        assert_problem(response, 502, "backend-contract-violation")
        assert "leaked" not in response.text
    assert listener.hits == 0


def test_api_key_is_never_echoed(api: httpx.Client) -> None:
    response = api.get(f"/v1/accounts/{MAIN}", headers={"X-API-Key": API_KEY + "-forged"})
    assert API_KEY not in response.text


# -- what an error echoes is capped ----------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["/v1/accounts/", "/no-such-route/"])
def test_a_64_kb_path_is_not_echoed_whole(stack: Stack, where: str) -> None:
    path = where + "A" * (64 * 1024)
    # httpx refuses a URL this long: the request goes out as the raw bytes a hostile client would send.
    url = httpx.URL(stack.url)
    connection = http.client.HTTPConnection(url.host, url.port, timeout=30)
    try:
        connection.request("GET", path, headers={"X-API-Key": API_KEY})
        response = connection.getresponse()
        status, body = response.status, response.read()
    finally:
        connection.close()
    assert status >= 400, status  # the account route answers what the backend says of it; elsewhere a 404
    assert len(body) < 2048, f"a {len(body)}-byte error reply"
    problem = json.loads(body)
    assert len(problem["instance"]) == 256 and problem["instance"].endswith("…")
    assert path.startswith(problem["instance"][:-1])
    still_healthy(stack.client)


def test_a_long_duplicate_member_name_is_not_echoed_whole(api: httpx.Client) -> None:
    name = "k" * 50_000
    response = attack(api, b'{"%s": 1, "%s": 2}' % (name.encode(), name.encode()))
    problem = assert_problem(response, 400, "invalid-json")
    assert problem["detail"] == f"duplicate member '{'k' * 63}…'"
    assert len(response.content) < 1024

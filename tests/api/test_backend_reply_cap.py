"""A backend reply over ``max_backend_reply_bytes`` is cut off while it streams in and answered 502, without reading
it whole (the backend counts what it managed to send before the facade hung up); the facade stays healthy and the
next call works."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from adapter.demo.simulators import bank
from tests.api.backends import bank_project
from tests.api.problem import assert_problem
from tests.conftest import BANK_PASSWORD, BANK_USER, running_stack

MAIN = "DE89370400440532013000"
LIMIT = 64 * 1024
CHUNK = b"<Pad>" + b"9" * 65_530 + b"</Pad>"  # 64 KiB of well-formed XML, again and again
CHUNKS = 1024  # 64 MiB if it were read whole


class Flood:
    """The bank simulator, except that while ``on`` it answers with an endless-looking reply (no Content-Length)."""

    def __init__(self) -> None:
        self.bank = bank.create_app(username=BANK_USER, password=BANK_PASSWORD)
        self.on = True
        self.sent = 0
        self.stopped = threading.Event()  # the stream ended: the facade hung up (or it was all sent)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self.on:
            return self.bank(environ, start_response)
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return self._stream()

    def _stream(self) -> Iterator[bytes]:
        try:
            yield b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            for _ in range(CHUNKS):
                self.sent += len(CHUNK)
                yield CHUNK  # the server's write fails once the facade hangs up, which ends this generator
        finally:
            self.stopped.set()


def test_oversized_reply_is_cut_off_and_answered_502(tmp_path: Path) -> None:
    backend = {
        "url": "${BANK_URL}",
        "security": {"username_token": {"username": "${BANK_USER}", "password": "${BANK_PASSWORD}"}},
    }
    flood = Flood()
    settings = bank_project(tmp_path, backend, max_backend_reply_bytes=LIMIT)
    with running_stack(bank_app=flood, settings=settings) as stack:
        body = assert_problem(stack.client.get(f"/v1/accounts/{MAIN}/balance"), 502, "backend-protocol-error")
        assert str(LIMIT) in body["detail"]
        assert flood.stopped.wait(timeout=120), "the backend is still streaming: the facade did not hang up"
        assert flood.sent < CHUNKS * len(CHUNK) // 4, "the facade kept reading the whole reply"
        assert stack.client.get("/healthz").status_code == 200
        flood.on = False
        assert stack.client.get(f"/v1/accounts/{MAIN}/balance").status_code == 200

"""No value of a SOAP request can change the path of the REST call it makes: proven at a recording REST stub (a real
HTTP server that writes down the raw request line of every call it gets)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import pytest
from starlette.types import Receive, Scope, Send

from adapter.exceptions import RequestValidationError
from adapter.mapping.paths import SourcePath
from adapter.mapping.restplan import CompiledCall, PathPart, http_call
from adapter.testing import serve_asgi
from tests.server.conftest import Served, served_stack
from tests.server.test_endpoint import SOAP11, TNS, envelope, fault_of, post

NOT_FOUND = b'{"code": "NOT_FOUND", "message": "no such payment"}'


@dataclass
class Recorder:
    """An ASGI app that records (method, raw path) of every call and answers 404 in the hub's words."""

    calls: list[tuple[str, bytes]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        self.calls.append((scope["method"], scope["raw_path"]))
        await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": NOT_FOUND})


@pytest.fixture(scope="module")
def hub() -> Iterator[tuple[Served, Recorder]]:
    recorder = Recorder()
    with serve_asgi(recorder) as url, served_stack(PAYMENTS_HUB_URL=url) as served:
        yield served, recorder


def _request(operation: str, value: str) -> bytes:
    body = f'<po:{operation} xmlns:po="{TNS}"><po:PaymentOrderId>{value}</po:PaymentOrderId></po:{operation}>'
    return envelope(body)


TRAVERSALS = [
    *(".", "..", "%2e%2e", "%2E.", "%252e%252e", "..;"),  # dot segments, as they are or percent-encoded
    *("/", "a/../../admin", "%2F", "\\", "..\\admin"),  # segment separators (IIS and some proxies read "\\" as "/")
    *("?", "a?x=1", "#", "a#b"),  # the end of the path
    *("&#9;", "a&#10;b", "&#13;"),  # control characters XML can carry (NUL it cannot: below)
]


@pytest.mark.parametrize("operation", ["GetPaymentOrder", "CancelPaymentOrder"])
@pytest.mark.parametrize("value", TRAVERSALS)
def test_values_that_would_move_the_path_are_refused(hub: tuple[Served, Recorder], operation: str, value: str) -> None:
    served, recorder = hub
    before = len(recorder.calls)
    code, text = fault_of(post(served, _request(operation, value), action=operation))
    assert code == f"{{{SOAP11}}}Client"
    assert text.startswith("PaymentOrderId: cannot be sent as a path segment"), text
    assert len(recorder.calls) == before  # the stub was never called


@pytest.mark.parametrize("operation", ["GetPaymentOrder", "CancelPaymentOrder"])
def test_nul_never_reaches_the_stub(hub: tuple[Served, Recorder], operation: str) -> None:
    served, recorder = hub
    before = len(recorder.calls)
    code, text = fault_of(post(served, _request(operation, "PAY&#0;1"), action=operation))  # XML 1.0 §2.2
    assert (code, text.startswith("not well-formed XML")) == (f"{{{SOAP11}}}Client", True)
    assert len(recorder.calls) == before


ESCAPED = ["PAY 1", "PAY-ü€", "50%", "a;b", "a.b", "...x", "x+y", "a=b&c", "~tilde", "@at", "[v6]", "'q'", "{x}", "a,b"]


@pytest.mark.parametrize("value", ESCAPED)
def test_other_values_travel_fully_escaped_in_one_segment(hub: tuple[Served, Recorder], value: str) -> None:
    served, recorder = hub
    before = len(recorder.calls)
    escaped = value.replace("&", "&amp;").replace("<", "&lt;")
    get = post(served, _request("GetPaymentOrder", escaped))
    cancel = post(served, _request("CancelPaymentOrder", escaped), action="CancelPaymentOrder")
    assert [fault_of(reply)[1] for reply in (get, cancel)] == ["no such payment"] * 2  # the hub's 404, mapped
    segment = quote(value, safe="").encode()
    assert recorder.calls[before:] == [("GET", b"/payments/" + segment), ("POST", b"/payments/" + segment + b"/cancel")]
    assert unquote(segment.decode()) == value


def test_the_plan_refuses_control_characters_it_could_be_given() -> None:
    call = CompiledCall("GetPaymentOrder", "GET", (PathPart("/payments/"), PathPart(source=SourcePath.compile("Id"))))
    for value in ("\x00", "a\x7fb", "\x85", "%00", "%2e", "%5C"):
        with pytest.raises(RequestValidationError) as refused:
            http_call(call, {"Id": value})
        assert refused.value.problems[0].location == "Id"
    assert http_call(call, {"Id": "A B"}).path == "/payments/A%20B"

"""What operators see of the served direction: one access record per call with route, operation, caller, status,
fault code and duration, and the request id on every record of the exchange, from worker threads and the REST call
included."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from adapter.testing import free_port, serve_asgi
from tests.conftest import project_settings
from tests.server.conftest import PASSWORD, PATH, USER, Served, served_stack
from tests.server.test_endpoint import GET, broken_hub, envelope, post, token


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def named(self, name: str) -> list[logging.LogRecord]:
        return [record for record in self.records if record.name == name]


@contextmanager
def recorded() -> Iterator[Records]:
    logger, handler = logging.getLogger("adapter"), Records()
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _access(records: Records, rid: str) -> dict[str, object]:
    """The access record of request ``rid``; it is written once the reply is sent, so it may come a moment later."""
    deadline = time.monotonic() + 5
    while not (found := [r for r in records.named("adapter.access") if getattr(r, "requestId", None) == rid]):
        assert time.monotonic() < deadline, f"no access record for {rid}"
        time.sleep(0.01)
    [record] = found
    return {key: getattr(record, key) for key in ("route", "operation", "caller", "status", "fault")}


def test_the_access_record_of_a_served_call(served: Served) -> None:
    with recorded() as records:
        post(served, envelope(), **{"X-Request-ID": "rid-ok"})
        post(served, envelope(header=token(password="wrong")), **{"X-Request-ID": "rid-auth"})
        post(served, envelope(GET.replace("PAY-000001", "PAY-404")), **{"X-Request-ID": "rid-404"})
        assert _access(records, "rid-ok") == {
            "route": PATH, "operation": "GetPaymentOrder", "caller": USER, "status": 200, "fault": None,
        }  # fmt: skip
        assert _access(records, "rid-auth") == {
            "route": PATH, "operation": None, "caller": None, "status": 500, "fault": "wsse:FailedAuthentication",
        }  # fmt: skip
        assert _access(records, "rid-404") == {
            "route": PATH, "operation": "GetPaymentOrder", "caller": USER, "status": 500, "fault": "Client",
        }  # fmt: skip
        assert all(r.durationMs >= 0 for r in records.named("adapter.access"))  # type: ignore[attr-defined]


def test_records_from_worker_threads_carry_the_request_id() -> None:
    settings = project_settings(soap_users={USER: PASSWORD}, soap_offload_bytes=0)  # every message on a worker
    with serve_asgi(broken_hub()) as hub, served_stack(settings, PAYMENTS_HUB_URL=hub) as served:
        with recorded() as records:
            post(served, envelope(), **{"X-Request-ID": "rid-fine"})
            post(served, envelope(GET.replace("PAY-000001", "PAY-BADIBAN")), **{"X-Request-ID": "rid-broken"})
            assert _access(records, "rid-fine")["operation"] == "GetPaymentOrder"
            assert _access(records, "rid-broken")["fault"] == "Server"
    # A backend value that breaks the contract is refused as the SOAP output is made from it (its facets come from
    # the contract model), before Spyne writes anything; the line carries the request id all the same.
    [line] = [r for r in records.named("adapter.server") if "Invalid backend reply" in r.getMessage()]
    assert "must match" in line.getMessage()
    assert line.requestId == "rid-broken"  # type: ignore[attr-defined]


def test_backend_lines_carry_the_request_id() -> None:
    with served_stack(PAYMENTS_HUB_URL=f"http://127.0.0.1:{free_port()}") as down, recorded() as records:
        post(down, envelope(), **{"X-Request-ID": "rid-down"})
        assert _access(records, "rid-down")["fault"] == "Server"
    backend = [r for r in records.records if r.name in ("adapter.backend", "adapter.server")]
    assert backend and {getattr(r, "requestId", None) for r in backend} == {"rid-down"}
    assert any(r.name == "adapter.backend" for r in backend)  # the HTTP client's own line

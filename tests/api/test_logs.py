"""Structured access logs: one record per request, sensitive values masked, secrets never written."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from adapter import logs
from adapter.logs import JsonFormatter
from tests.conftest import API_KEY, BANK_PASSWORD

MAIN = "DE89370400440532013000"


def access_records(caplog: pytest.LogCaptureFixture, request_id: str) -> list[logging.LogRecord]:
    """The access records of one request. The record is written once the response has gone out, in the server's
    thread, so the client may read the response first: wait for the record (generously), never guess a delay."""
    deadline = time.monotonic() + 30
    while True:
        found = [
            r for r in caplog.records if r.name == "adapter.access" and getattr(r, "requestId", None) == request_id
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def eventually(read: Callable[[], list[logging.LogRecord]]) -> list[logging.LogRecord]:
    """What ``read`` finds once it finds something: the access record is written after the last byte is sent, so
    the client may hold the response a moment before it exists (a generous bound, not a timing assertion)."""
    deadline = time.monotonic() + 10
    while not (found := read()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return found


def test_one_masked_record_per_request(api: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="adapter")
    response = api.get(f"/v1/accounts/{MAIN}/balance", headers={"X-Request-ID": "log-1"})
    assert response.status_code == 200
    records = access_records(caplog, "log-1")
    assert len(records) == 1
    record = records[0]
    assert (record.route, record.operation, record.status, record.method) == ("getBalance", "GetBalance", 200, "GET")  # type: ignore[attr-defined]
    assert record.params == {"path.iban": "DE89…3000"}  # type: ignore[attr-defined]
    assert record.caller == "tests"  # type: ignore[attr-defined]
    assert record.durationMs > 0  # type: ignore[attr-defined]
    assert record.fault is None  # type: ignore[attr-defined]
    line = JsonFormatter().format(record)
    assert json.loads(line)["requestId"] == "log-1"


def test_the_access_record_names_the_backend_fault(api: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="adapter")
    response = api.get("/v1/accounts/DE00000000000000000000", headers={"X-Request-ID": "log-fault"})
    assert response.status_code == 404  # the route's error rule translates the AccountNotFound fault
    [record] = access_records(caplog, "log-fault")
    assert (record.status, record.fault, record.caller) == (404, "Client", "tests")  # type: ignore[attr-defined]


def test_no_secret_or_account_number_reaches_any_log(api: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.post(
        "/v1/transfers",
        json={
            "debtorAccount": MAIN,
            "creditorAccount": "FR7630006000011234567890189",
            "creditorName": "Alice Secret",
            "amount": {"amount": "1.00", "currency": "EUR"},
            "clientReference": "log-secret",
        },
    )
    api.get("/v1/accounts/DE00000000000000000000")  # a 404 path with an account number
    api.get(f"/v1/accounts/{MAIN}", headers={"X-API-Key": "wrong-key-value"})
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records if r.name.startswith("adapter"))
    assert text, "the adapter logged nothing"
    for secret in (API_KEY, "wrong-key-value", BANK_PASSWORD, MAIN, "DE00000000000000000000", "Alice Secret"):
        assert secret not in text, f"{secret!r} reached the logs"


def test_backend_log_lines_carry_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    from adapter.testing import free_port
    from tests.conftest import running_stack

    caplog.set_level(logging.INFO, logger="adapter")
    closed = free_port()  # nothing listens there: the backend client logs why it failed
    with running_stack(env={"BANK_URL": f"http://127.0.0.1:{closed}/corebanking"}) as stack:
        response = stack.client.get(f"/v1/accounts/{MAIN}/balance", headers={"X-Request-ID": "log-backend"})
    assert response.status_code == 502
    backend = [r for r in caplog.records if r.name == "adapter.backend"]
    assert backend, "the backend failure was not logged"
    assert all(getattr(r, "requestId", None) == "log-backend" for r in backend)
    assert json.loads(JsonFormatter().format(backend[0]))["requestId"] == "log-backend"


def test_an_untranslated_fault_is_logged_with_its_code_and_faultstring(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The caller gets a bare 502; the log line says what the backend said, sensitive values masked."""
    from tests.api.problem import assert_problem
    from tests.conftest import ROOT, project_settings, running_stack

    text = (ROOT / "mappings" / "bank.yaml").read_text()
    (tmp_path / "bank.yaml").write_text(text.replace("fault: AccountNotFound", "code: NeverSent"))
    caplog.set_level(logging.INFO, logger="adapter")
    with running_stack(settings=project_settings(mappings_dir=tmp_path)) as stack:
        response = stack.client.get("/v1/accounts/de00 0000 0000 0000 0000 00", headers={"X-Request-ID": "log-fault"})
    body = assert_problem(response, 502, "backend-fault")
    assert "does not exist" not in response.text and "AccountNotFound" not in response.text
    [record] = [r for r in caplog.records if r.name == "adapter.api" and getattr(r, "requestId", None) == "log-fault"]
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "untranslated backend fault Client: Account DE00…0000 does not exist (AccountNotFound)"
    assert (entry["faultCode"], entry["faultDetail"], entry["route"]) == ("Client", "AccountNotFound", "getAccount")
    assert entry["faultString"] == "Account DE00…0000 does not exist"
    assert entry["requestId"] == body["requestId"] == "log-fault"
    assert "DE00000000000000000000" not in json.dumps(entry)


def json_lines(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """The JSON handler of `adapter serve` as the only handler of the `adapter` logger (as `logs.configure` installs
    it), writing to the stream returned; the logger's handlers, propagation and level are restored afterwards. Called
    in the test itself: pytest attaches its capture handlers after the fixtures are set up."""
    root = logging.getLogger("adapter")
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "propagate", True)
    monkeypatch.setattr(root, "level", root.level)
    logs.configure("info")
    stream = io.StringIO()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    return stream


def test_the_direct_access_line_is_the_formatter_s_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # With the JSON handler of `adapter serve` in place, access lines are written without a LogRecord: the line must
    # be the one the formatter writes for the record logging would have made (the time aside). Everywhere else (a
    # test's handler, a filter) the record goes through logging.
    stream = json_lines(monkeypatch)
    root = logging.getLogger("adapter")
    access = logging.getLogger("adapter.access")
    fields = {"method": "GET", "route": "getBalance", "params": {"path.iban": "DE89…3000"}, "status": 200, "x": 1.5}
    token = logs.bind(logs.RequestContext(request_id="rid-1", trace_id="t" * 32))
    try:
        assert logs._json_handler(access) is root.handlers[0]
        logs.info(access, "request", fields)
        record = access.makeRecord(access.name, logging.INFO, __file__, 0, "request", (), None, "f", fields)
    finally:
        logs.unbind(token)
    direct, formatted = json.loads(stream.getvalue()), json.loads(JsonFormatter().format(record))
    assert stream.getvalue().count("\n") == 1
    assert list(direct) == list(formatted)
    assert {**direct, "ts": None} == {**formatted, "ts": None}
    seen: list[logging.LogRecord] = []
    root.handlers[0].addFilter(lambda r: seen.append(r) or True)  # a filter: logging decides again
    assert logs._json_handler(access) is None
    logs.info(access, "request", fields)
    assert len(seen) == 1 and seen[0].status == 200  # type: ignore[attr-defined]


def test_access_lines_in_an_event_loop_are_written_when_its_iteration_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    # Inside a loop, the direct lines are queued and written together at the end of the loop's iteration, in the
    # order of the calls; a record logged the usual way in between writes the queued lines first.
    stream = json_lines(monkeypatch)
    access = logging.getLogger("adapter.access")
    seen: list[str] = []

    async def serve() -> None:
        for n in (1, 2):
            token = logs.bind(logs.RequestContext(request_id=f"rid-{n}"))
            logs.info(access, "request", {"n": n})
            logs.unbind(token)
        seen.append(stream.getvalue())  # nothing yet: the loop has not finished this iteration
        await asyncio.sleep(0)
        seen.append(stream.getvalue())
        logs.info(access, "request", {"n": 3})
        logging.getLogger("adapter.ops").warning("in between")
        logs.info(access, "request", {"n": 4})

    asyncio.run(serve())
    logs.info(access, "request", {"n": 5})  # no loop: written at once
    assert seen[0] == ""
    first = [json.loads(line) for line in seen[1].splitlines()]
    assert [(e["n"], e["requestId"]) for e in first] == [(1, "rid-1"), (2, "rid-2")]
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e.get("n", e["message"]) for e in entries] == [1, 2, 3, "in between", 4, 5]


def test_a_thread_without_a_loop_writes_at_once_while_the_loop_s_lines_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each thread queues its own lines: a line from a pool thread is written at once, never into the loop's queue.
    stream = json_lines(monkeypatch)
    access = logging.getLogger("adapter.access")
    seen: list[list[int]] = []

    def lines() -> list[int]:
        return [json.loads(line)["n"] for line in stream.getvalue().splitlines()]

    async def serve() -> None:
        logs.info(access, "request", {"n": 1})  # queued in the loop's thread
        await asyncio.to_thread(logs.info, access, "request", {"n": 2})  # a pool thread: written at once
        seen.append(lines())
        await asyncio.sleep(0)
        seen.append(lines())

    asyncio.run(serve())
    assert seen[0] in ([2], [2, 1])  # the loop may have turned while waiting for the thread
    assert sorted(seen[1]) == [1, 2]

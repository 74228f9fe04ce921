"""``adapter serve`` as operators run it: a real process with ``--workers 2``, stopped with SIGTERM.

The backend is the bank simulator on a loopback port of this process; the facade is a child process in its own
session, so that whatever is left of it (workers included) is killed by process group at the end.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from adapter.api.auth import hash_key
from adapter.cli import main
from adapter.demo.simulators import bank
from adapter.testing import free_port, serve_wsgi
from tests.conftest import API_KEY, BANK_PASSWORD, BANK_USER, ROOT

MAIN = "DE89370400440532013000"
SLOW = "DE02120300000000202051"  # the backend takes its time for this account
START_TIMEOUT = 60.0


class SlowBank:
    """The bank simulator, slow for one account; ``arrived`` is set when such a call has reached it."""

    def __init__(self, delay: float) -> None:
        self.app = bank.create_app(username=BANK_USER, password=BANK_PASSWORD)
        self.delay = delay
        self.arrived = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if SLOW.encode() in body:
            self.arrived.set()
            time.sleep(self.delay)
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def records(self) -> list[dict[str, Any]]:
        lines = self.log.read_text(errors="replace").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


@contextmanager
def adapter_serve(tmp_path: Path, backend: str, *args: str, **env: str) -> Iterator[Served]:
    """``adapter serve`` in a child process, wired to ``backend``; yields once ``/readyz`` answers 200."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ADAPTER_", "PROMETHEUS_"))}
    environment.update(
        ADAPTER_AUTH__API_KEYS=json.dumps([{"name": "tests", "hash": hash_key(API_KEY)}]),
        BANK_URL=f"{backend}/corebanking",
        BANK_USER=BANK_USER,
        BANK_PASSWORD=BANK_PASSWORD,
        ERP_URL="http://127.0.0.1:9/unused",
        **env,
    )
    command = [sys.executable, "-m", "adapter", "serve", "--port", str(port), *args]
    command += ["--mappings", str(ROOT / "mappings"), "--wsdl", str(ROOT / "wsdl")]
    log = tmp_path / "adapter.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, env=environment, stderr=stderr, start_new_session=True)
    served = Served(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(served)
        yield served
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # our own child's group: the supervisor and its workers
            process.wait(timeout=10)


def _wait_ready(served: Served) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise AssertionError(f"adapter serve exited with {served.process.returncode}:\n{served.log.read_text()}")
        try:
            if httpx.get(f"{served.url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"adapter serve was not ready in {START_TIMEOUT} s:\n{served.log.read_text()}")


def _balance(url: str, iban: str = MAIN) -> httpx.Response:
    # A new connection each time: the kernel hands each one to whichever worker accepts first.
    return httpx.get(f"{url}/v1/accounts/{iban}/balance", headers={"X-API-Key": API_KEY}, timeout=30)


def test_two_workers_answer_and_are_counted_together(tmp_path: Path) -> None:
    metrics_port = free_port()
    multiproc = tmp_path / "metrics"
    multiproc.mkdir()
    (multiproc / "counter_99999.db").write_bytes(b"a previous run's file: removed at start")
    with serve_wsgi(bank.create_app(username=BANK_USER, password=BANK_PASSWORD)) as backend:
        env = {"ADAPTER_METRICS__PORT": str(metrics_port), "PROMETHEUS_MULTIPROC_DIR": str(multiproc)}
        with adapter_serve(tmp_path, backend, "--workers", "2", **env) as served:
            answered = 0
            with ThreadPoolExecutor(4) as pool:
                while len(_worker_pids(served)) < 2 and answered < 200:
                    statuses = [r.status_code for r in pool.map(lambda _: _balance(served.url), range(8))]
                    assert statuses == [200] * 8
                    answered += 8
            assert len(_worker_pids(served)) == 2, f"one worker answered all {answered} requests"
            scraped = _scrape_until(f"http://127.0.0.1:{metrics_port}/metrics", answered)
            assert httpx.get(f"{served.url}/metrics", headers={"X-API-Key": API_KEY}).status_code == 404
            assert served.stop() == 0
    counted = _sample(scraped, "adapter_http_requests_total", route="getBalance", method="GET", status="200")
    assert counted == answered  # both workers' requests, from the supervisor's metrics port
    backend_calls = _sample(scraped, "adapter_backend_requests_total", operation="GetBalance", outcome="ok")
    assert backend_calls == answered
    assert _sample(scraped, "adapter_mappings_loaded", direction="facade") == 2
    assert not list(multiproc.glob("gauge_live*")), "a stopped worker's live gauges stay behind"


def test_sigterm_lets_an_in_flight_call_finish(tmp_path: Path) -> None:
    slow = SlowBank(delay=2.0)
    with serve_wsgi(slow) as backend, adapter_serve(tmp_path, backend, "--workers", "2") as served:
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(_balance, served.url, SLOW)
            assert slow.arrived.wait(timeout=20), "the call never reached the backend"
            served.process.send_signal(signal.SIGTERM)  # while the backend is still answering
            response = pending.result(timeout=30)
        assert served.process.wait(timeout=30) == 0
    assert response.status_code == 200
    assert response.json()["iban"] == SLOW


def test_reload_and_workers_exclude_each_other() -> None:
    result = CliRunner().invoke(main, ["serve", "--reload", "--workers", "2"])
    assert result.exit_code == 2
    assert "--reload serves from one process" in result.output


def _worker_pids(served: Served) -> set[int]:
    return {record["pid"] for record in served.records() if record.get("logger") == "adapter.access"}


def _scrape_until(url: str, answered: int) -> str:
    """The metrics once every answered request is counted: a worker counts a request after its last byte has gone
    out, so the client may be a moment ahead (a generous bound, not a timing assertion)."""
    deadline = time.monotonic() + 10
    while True:
        text = httpx.get(url).text
        counted = _sample(text, "adapter_http_requests_total", route="getBalance", method="GET", status="200")
        if counted >= answered or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def _sample(text: str, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )

"""``kill -9`` of one instance in the middle of a burst of keyed transfers. Two real ``adapter serve`` processes share
a real Redis in front of one bank simulator; every client that loses its instance retries on the other one with the
same Idempotency-Key and body until it has an outcome. Then, counted at the bank: one transfer per key, none twice,
and every client knows its transfer's id, from a first or replayed 201, or from a 409 that carries the id the bank
gave the first attempt (the error rule's ``extensions``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from adapter.api.auth import hash_key
from adapter.testing import free_port, serve_wsgi
from tests.conftest import API_KEY, BANK_PASSWORD, BANK_USER, ROOT
from tests.ops.conftest import RedisTarget
from tests.ops.project import Backend, bank_mapping
from tests.ops.test_idempotency import transfer

KEYS = [f"crash-{n:02d}" for n in range(24)]
WORKERS = 6


@contextmanager
def instance(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``adapter serve`` in a process of its own (so that it can be killed for real); yields it and its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "adapter", "serve", "--port", str(port)], env=env, stdout=out, stderr=out
        )
        try:
            _wait_ready(process, url, log)
            yield process, url
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=15)


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"adapter serve exited:\n{log.read_text()}"
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"adapter serve did not start:\n{log.read_text()}")


def _outcome(a: str, b: str, key: str, first_answers: dict[str, str]) -> httpx.Response:
    """Send the transfer of ``key`` to A; when A is gone (or its answer leaves the outcome open: 5xx), to B until
    the answer is final, as a client holding an Idempotency-Key may."""
    headers = {"X-API-Key": API_KEY, "Idempotency-Key": key}
    with httpx.Client(headers=headers, timeout=30) as client:
        try:
            answer = client.post(a + "/v1/transfers", json=transfer(key))
            if answer.status_code < 500:
                first_answers[key] = "A"
                return answer
        except httpx.TransportError:
            pass  # A was killed before or while it served this request
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            answer = client.post(b + "/v1/transfers", json=transfer(key))
            if answer.status_code == 409 and "retry-after" in answer.headers:
                time.sleep(int(answer.headers["retry-after"]))  # A's claim holds until its lease runs out
                continue
            if answer.status_code >= 500:  # outcome unknown (a slow bank on a loaded machine): the key was released
                time.sleep(0.2)
                continue
            first_answers[key] = "B"
            return answer
    raise AssertionError(f"{key}: no final answer from B")


def _transfer_id(answer: httpx.Response) -> str:
    body = answer.json()
    if answer.status_code == 201:
        return str(body["transferId"])
    assert answer.status_code == 409, answer.text
    assert body["type"] == "urn:soap-adapter:problem:duplicate-client-reference", body
    return str(body["transferId"])


def test_kill_9_in_a_keyed_burst_makes_no_duplicate_and_leaves_no_client_in_the_dark(
    tmp_path: Path, real_redis: RedisTarget
) -> None:
    bank = Backend(delay={"TransferFunds": 0.3})
    folder = bank_mapping(tmp_path / "mappings")
    with serve_wsgi(bank) as bank_base:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ADAPTER_")},
            "ADAPTER_MAPPINGS_DIR": str(folder),
            "ADAPTER_WSDL_DIR": str(ROOT / "wsdl"),
            "ADAPTER_AUTH__API_KEYS": json.dumps([{"name": "tests", "hash": hash_key(API_KEY)}]),
            "ADAPTER_REDIS_URL": real_redis.url,
            "ADAPTER_REDIS_PREFIX": real_redis.prefix,
            "ADAPTER_IDEMPOTENCY__LEASE": "1",
            "ADAPTER_LOG_LEVEL": "warning",
            "BANK_URL": f"{bank_base}/corebanking",
            "BANK_USER": BANK_USER,
            "BANK_PASSWORD": BANK_PASSWORD,
            "BANK_TIMEOUT": "2",  # the claim's lease is this + 1 s: how long B waits for A's keys
        }
        with instance(env, tmp_path / "a.log") as (a, a_url), instance(env, tmp_path / "b.log") as (_, b_url):
            served_by: dict[str, str] = {}

            def kill_a_mid_burst() -> None:
                """Once A has answered a few clients and while the bank is working on calls A sent it."""
                while a.poll() is None:
                    answered = sum(1 for way in list(served_by.values()) if way == "A")
                    if answered >= WORKERS and bank.calls["TransferFunds"] > len(bank.books.transfers):
                        os.kill(a.pid, signal.SIGKILL)
                    time.sleep(0.005)

            killer = threading.Thread(target=kill_a_mid_burst)
            killer.start()
            with ThreadPoolExecutor(WORKERS) as pool:
                outcomes = pool.map(lambda key: _outcome(a_url, b_url, key, served_by), KEYS)
                answers = dict(zip(KEYS, outcomes, strict=True))
            killer.join(timeout=30)
            assert a.wait(timeout=10) == -signal.SIGKILL

            learned = {key: _transfer_id(answer) for key, answer in answers.items()}
            made = {t.order.client_reference: t.transfer_id for t in bank.books.transfers.values()}
            assert len(bank.books.transfers) == len(KEYS), "one transfer per key, none twice"
            assert learned == made, "every client knows the id of the transfer its key made"

            by_way = {
                "answered by A": sum(1 for key in KEYS if served_by[key] == "A"),
                "made on B": sum(1 for key in KEYS if served_by[key] == "B" and answers[key].status_code == 201),
                "409 with the id of A's transfer": sum(1 for answer in answers.values() if answer.status_code == 409),
            }
            print(by_way)  # shown with -s: how the burst went this time
            assert by_way["answered by A"] >= WORKERS and by_way["409 with the id of A's transfer"] >= 1

            # A's answers are B's too: the same keys on B now replay what A said.
            with httpx.Client(headers={"X-API-Key": API_KEY}, timeout=30) as client:
                for key in [key for key in KEYS if served_by[key] == "A"][:3]:
                    again = client.post(b_url + "/v1/transfers", json=transfer(key), headers={"Idempotency-Key": key})
                    assert again.headers["idempotent-replayed"] == "true"
                    assert (again.status_code, again.json()) == (answers[key].status_code, answers[key].json())
            assert len(bank.books.transfers) == len(KEYS)

"""The processes of one run: canned backends, the facade, the peers; started, checked ready, and stopped."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import canned, procs, soap2rest
from bench.peers import BANK_PASSWORD, BANK_USER, OPTIONS_ENV
from bench.procs import HOST, Cores, Proc
from bench.scenarios import API_KEY

ROOT = procs.ROOT
START_TIMEOUT = 120.0
BRIDGES = ["empty", "naive", "handwritten-aiohttp", "handwritten-httpx", "soap2rest"]


def facade_env(bank_url: str, rest_url: str) -> dict[str, str]:
    """The facade's settings (ADAPTER_*: the shipped mappings and contracts, the bench's API key and SOAP user) and
    the mappings' ${VAR}s: the SOAP backends at ``bank_url`` (the ERP is loaded, never called), the REST one at
    ``rest_url``."""
    key = {"name": "bench", "hash": "sha256:" + hashlib.sha256(API_KEY.encode()).hexdigest()}
    return {
        "ADAPTER_MAPPINGS_DIR": str(ROOT / "mappings"),
        "ADAPTER_WSDL_DIR": str(ROOT / "wsdl"),
        "ADAPTER_AUTH__API_KEYS": json.dumps([key]),
        "ADAPTER_SOAP_USERS": json.dumps({canned.SOAP_USER: canned.SOAP_PASSWORD}),
        "BANK_URL": bank_url,
        "BANK_USER": BANK_USER,
        "BANK_PASSWORD": BANK_PASSWORD,
        "ERP_URL": bank_url,
        "PAYMENTS_HUB_URL": rest_url,
    }


@dataclass
class Stack:
    tmp: Path
    cores: Cores
    procs: dict[str, Proc] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)  # peer → base URL; "canned" → the SOAP backend's address
    missing: dict[str, str] = field(default_factory=dict)  # peer → why it is not running
    options: dict[str, Any] = field(default_factory=dict)  # what `adapter serve` gave uvicorn.Config
    rest_url: str = ""
    facade_rss_mb: float = float("nan")  # right after start-up, with the shipped mappings

    def facade_env(self, **extra: str) -> dict[str, str]:
        """``adapter serve``'s settings (ADAPTER_*) and the mappings' ${VAR}s, all pointing at the canned backends."""
        return {**facade_env(self.urls["canned"], self.rest_url), **extra}

    def start_facade(self, name: str, *serve_args: str, env: dict[str, str] | None = None) -> Proc:
        """``adapter serve`` (through bench.peers, which records its uvicorn options), ready on /healthz."""
        port = procs.free_port()
        argv = procs.python("-m", "bench.peers", "facade", "serve", "--host", HOST, "--port", str(port), *serve_args)
        options = self.tmp / f"{name}-uvicorn.json"
        environment = self.facade_env(BENCH_OPTIONS_FILE=str(options), **(env or {}))
        proc = procs.spawn(name, argv, cores=self.cores.app, env=environment, log=self.tmp / f"{name}.log")
        proc.url = f"http://{HOST}:{port}"
        proc.extra["ready_s"] = f"{procs.wait_http(proc, proc.url + '/healthz', START_TIMEOUT):.2f}"
        if options.exists():
            self.options = json.loads(options.read_text())
        return proc

    def start_bridge(self, peer: str) -> None:
        port = procs.free_port()
        if peer == "soap2rest":
            command = soap2rest.install()
            if isinstance(command, str):
                self.missing[peer] = command
                return
            argv = soap2rest.argv(command, soap2rest.contract_for(self.urls["canned"], self.tmp), port)
            ready = "/"
        else:
            argv = procs.python("-m", "bench.peers", peer, str(port), self.urls["canned"])
            ready = "/empty" if peer == "empty" else "/openapi.json"
        env = {OPTIONS_ENV: json.dumps(self.options)} if self.options else {}
        proc = procs.spawn(peer, argv, cores=self.cores.app, env=env, log=self.tmp / f"{peer}.log")
        self.procs[peer] = proc
        url = f"http://{HOST}:{port}"
        try:
            procs.wait_http(proc, url + ready, START_TIMEOUT)
        except RuntimeError as exc:
            last = (proc.tail(1) or str(exc)).strip().splitlines()[-1][:160]
            self.missing[peer] = f"did not start; its log ends: {last}"
            proc.stop()
            return
        self.urls[peer] = url

    def stop(self) -> None:
        for proc in reversed(list(self.procs.values())):
            if proc.popen.stdin is not None:
                proc.popen.stdin.close()
            proc.stop()


def start_backends(stack: Stack) -> None:
    argv = procs.python("-m", "bench.backends")
    log = stack.tmp / "backends.log"
    proc = procs.spawn("backends", argv, cores=stack.cores.load, log=log, stdout=subprocess.PIPE, stdin=subprocess.PIPE)
    stack.procs["backends"] = proc
    assert proc.popen.stdout is not None
    line = proc.popen.stdout.readline()
    if not line:
        raise SystemExit(f"the canned backends did not start:\n{proc.tail()}")
    ports = json.loads(line)
    stack.urls["canned"] = f"http://{HOST}:{ports['soap']}/corebanking"
    stack.rest_url = f"http://{HOST}:{ports['rest']}"


@contextmanager
def running(tmp: Path, cores: Cores, bridges: list[str], skipped: dict[str, str]) -> Iterator[Stack]:
    """Every process of the run, stopped on the way out whatever happens."""
    stack = Stack(tmp, cores, missing=dict(skipped))
    try:
        start_backends(stack)
        facade = stack.start_facade("facade")
        stack.procs["facade"] = facade
        stack.urls["facade"] = facade.url
        stack.facade_rss_mb = procs.rss_mb(facade.pid)
        for peer in bridges:
            stack.start_bridge(peer)
        yield stack
    finally:
        stack.stop()


def pin_self(cores: Cores) -> None:
    """This process only waits for the load generator: it goes with it, off the apps' core."""
    if cores.load is not None:
        os.sched_setaffinity(0, cores.load)


def adapter_command() -> list[str]:
    """The installed ``adapter`` script next to this interpreter, else ``python -m adapter``."""
    script = Path(sys.executable).with_name("adapter")
    return [str(script)] if script.exists() else procs.python("-m", "adapter")

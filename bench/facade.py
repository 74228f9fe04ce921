"""Throughput and latency of the JSON facade, of the bare SOAP backend, and of a naive FastAPI+zeep bridge.

    .venv/bin/python bench/facade.py [--seconds 5] [--warmup 1] [--concurrency 16] [--rounds 3]

The servers run in child processes (spawned, each in its own process group so that Ctrl-C reaches only this one):
the two Spyne simulators together in one, the facade under uvicorn in another, the naive bridge under uvicorn in a
third. The load generator runs here: an httpx.AsyncClient with ``--concurrency`` workers looping for ``--seconds``
per scenario (cut in ``--rounds`` round-robin slices) after ``--warmup`` seconds of discarded traffic. Every number
printed is measured in this run; bench/README.md explains how to read them.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib.metadata import version
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "wsdl" / "bank" / "core_banking.wsdl"
BINDING = "{http://example.com/bank/corebanking/v1}CoreBankingSoapBinding"
HOST = "127.0.0.1"
API_KEY = "bench-key"  # the facade authenticates every call; the naive bridge, like most first attempts, does not
BANK_USER = "bench-user"
BANK_PASSWORD = "bench-pass"
BALANCE_IBAN = "DE02120300000000202051"
STATEMENT_IBAN = "DE89370400440532013000"
BALANCE_PATH = f"/v1/accounts/{BALANCE_IBAN}/balance"
STATEMENT_PATH = f"/v1/accounts/{STATEMENT_IBAN}/transactions?from=2026-01-01&to=2026-03-31&page=1&pageSize=25"
STATEMENT_ARGS: dict[str, Any] = {
    "IBAN": STATEMENT_IBAN,
    "FromDate": date(2026, 1, 1),
    "ToDate": date(2026, 3, 31),
    "PageNumber": 1,
    "PageSize": 25,
}
START_TIMEOUT = 60.0
# socketserver listens with a backlog of 5: 16 workers connecting at once (wsgiref speaks HTTP/1.0, so every call is a
# new connection) overflow it, and each dropped SYN costs a 1 s retransmit that would dominate p99 and throughput.
SIMULATOR_BACKLOG = 128

Check = Callable[[httpx.Response], str | None]


# ------------------------------------------------------------------------------------ child processes


def _child(role: str, conn: Connection, env: dict[str, str]) -> None:
    """Entry point of every child: leave the terminal's process group, then serve until the parent goes away."""
    os.setpgrp()  # Ctrl-C goes to the parent only; it stops us by closing its end of ``conn``
    {"simulators": _serve_simulators, "facade": _serve_facade, "naive": _serve_naive}[role](conn, env)


def _serve_simulators(conn: Connection, _: dict[str, str]) -> None:
    from adapter.demo.simulators import bank, erp
    from adapter.testing import make_wsgi_server

    servers = [
        make_wsgi_server(bank.create_app(username=BANK_USER, password=BANK_PASSWORD), HOST, 0),
        make_wsgi_server(erp.create_app(), HOST, 0),
    ]
    for server in servers:
        server.socket.listen(SIMULATOR_BACKLOG)  # listening again only resizes the queue
        threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send(
        {
            "BANK_URL": f"http://{HOST}:{servers[0].server_port}/corebanking",
            "BANK_USER": BANK_USER,
            "BANK_PASSWORD": BANK_PASSWORD,
            "ERP_URL": f"http://{HOST}:{servers[1].server_port}/sap/bc/srt/rfc/sap/zsalesorder",
        }
    )
    _wait_for_parent(conn)


def _serve_facade(conn: Connection, env: dict[str, str]) -> None:
    from adapter.api.auth import hash_key
    from adapter.app import create_app
    from adapter.settings import ApiKey, AuthSettings, Settings

    key = ApiKey(name="bench", hash=hash_key(API_KEY), scopes=["*"])
    settings = Settings(mappings_dir=ROOT / "mappings", wsdl_dir=ROOT / "wsdl", auth=AuthSettings(api_keys=[key]))
    _serve_asgi(create_app(settings, env=env), conn)


def _serve_naive(conn: Connection, env: dict[str, str]) -> None:
    _serve_asgi(naive_bridge(env["BANK_URL"], env["BANK_USER"], env["BANK_PASSWORD"]), conn)


def _serve_asgi(app: Any, conn: Connection) -> None:
    import uvicorn

    # proto must say TCP: asyncio sets TCP_NODELAY only on accepted sockets whose proto is IPPROTO_TCP; with proto 0,
    # Nagle meets delayed ACKs and each keep-alive request waits ~40 ms (Kludex/uvicorn#3149, `uvicorn --workers`).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    conn.send(sock.getsockname()[1])
    # No access log for either app: both would pay the same per-request logging, which is not what is compared.
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    threading.Thread(target=_stop_with_parent, args=(conn, server), daemon=True).start()
    server.run(sockets=[sock])


def _stop_with_parent(conn: Connection, server: Any) -> None:
    _wait_for_parent(conn)
    server.should_exit = True  # uvicorn finishes the requests in flight and exits its run()


def _wait_for_parent(conn: Connection) -> None:
    """Block until the parent closes its end of the pipe (or dies)."""
    try:
        conn.recv()
    except (EOFError, OSError):
        pass


def naive_bridge(address: str, username: str, password: str) -> Any:
    """The baseline: FastAPI + zeep.AsyncClient as a first attempt would write it (client built once at start-up)."""
    import zeep
    from fastapi import FastAPI
    from fastapi.encoders import jsonable_encoder
    from zeep.helpers import serialize_object
    from zeep.proxy import AsyncServiceProxy
    from zeep.wsse.username import UsernameToken

    services: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        client = zeep.AsyncClient(str(CONTRACT), wsse=UsernameToken(username, password))
        # zeep 4.3.3's AsyncClient.create_service returns a *sync* ServiceProxy; build the async one directly.
        services["bank"] = AsyncServiceProxy(client, client.wsdl.bindings[BINDING], address=address)
        yield
        await client.transport.aclose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/v1/accounts/{iban}/balance")
    async def balance(iban: str) -> Any:
        result = await services["bank"].GetBalance(IBAN=iban)
        return jsonable_encoder(serialize_object(result), custom_encoder={Decimal: str})

    return app


# ------------------------------------------------------------------------------------ process control


@dataclass
class Child:
    role: str
    process: BaseProcess
    conn: Connection

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def receive(self) -> Any:
        """The child's first message: its port, or the simulators' URLs."""
        if not self.conn.poll(START_TIMEOUT):
            raise RuntimeError(f"the {self.role} process did not start within {START_TIMEOUT:.0f} s")
        try:
            return self.conn.recv()
        except EOFError:
            self.process.join(timeout=5)
            raise RuntimeError(
                f"the {self.role} process exited (code {self.process.exitcode}) before it was ready"
            ) from None

    def stop(self) -> None:
        self.conn.close()  # the child sees EOF and shuts down
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _spawn(role: str, env: dict[str, str], children: list[Child]) -> Child:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_child, args=(role, theirs, env), name=f"bench-{role}", daemon=True)
    process.start()
    theirs.close()  # so that the child alone holds that end and sees EOF when we close ours
    child = Child(role, process, ours)
    children.append(child)
    return child


def _wait_until_answers(url: str, child: Child) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=5, trust_env=False) as client:
        while time.monotonic() < deadline:
            if not child.process.is_alive():
                raise RuntimeError(f"the {child.role} process exited with code {child.process.exitcode}")
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT:.0f} s")


@dataclass(frozen=True)
class Servers:
    simulators: Child
    facade: Child
    naive: Child
    env: dict[str, str]
    facade_url: str
    naive_url: str


@contextmanager
def servers() -> Iterator[Servers]:
    """Start the three child processes, wait until each answers; stop them all on the way out, whatever happens."""
    children: list[Child] = []
    try:
        simulators = _spawn("simulators", {}, children)
        env: dict[str, str] = simulators.receive()
        facade, naive = _spawn("facade", env, children), _spawn("naive", env, children)
        facade_url, naive_url = f"http://{HOST}:{facade.receive()}", f"http://{HOST}:{naive.receive()}"
        _wait_until_answers(f"{env['BANK_URL']}?wsdl", simulators)
        _wait_until_answers(f"{facade_url}/healthz", facade)
        _wait_until_answers(f"{naive_url}/openapi.json", naive)
        yield Servers(simulators, facade, naive, env, facade_url, naive_url)
    finally:
        for child in reversed(children):
            child.stop()


# ------------------------------------------------------------------------------------ SOAP requests


def soap_request(operation: str, **arguments: Any) -> tuple[bytes, dict[str, str]]:
    """A complete SOAP 1.1 request for ``operation`` with a PasswordText UsernameToken, built once by zeep."""
    import zeep
    from zeep.wsse.username import UsernameToken

    client = zeep.Client(str(CONTRACT), wsse=UsernameToken(BANK_USER, BANK_PASSWORD))
    envelope = client.create_message(client.service, operation, **arguments)
    action = client.wsdl.bindings[BINDING].get(operation).soapaction
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'}
    return etree.tostring(envelope, encoding="utf-8", xml_declaration=True), headers


# ------------------------------------------------------------------------------------ shape checks


def _json(reply: httpx.Response) -> Any:
    return reply.json() if reply.headers.get("content-type", "").startswith("application/") else None


def facade_balance(reply: httpx.Response) -> str | None:
    body = _json(reply)
    if not isinstance(body, dict) or body.get("iban") != BALANCE_IBAN:
        return "no JSON object with the iban"
    booked = body.get("booked")
    if not isinstance(booked, dict) or not isinstance(booked.get("amount"), str) or "available" not in body:
        return "no booked.amount string or no available balance"
    return None


def facade_statement(reply: httpx.Response) -> str | None:
    body = _json(reply)
    if not isinstance(body, dict) or not isinstance(body.get("transactions"), list) or not body["transactions"]:
        return "no non-empty transactions list"
    if not all("entryId" in entry for entry in body["transactions"]) or "totalEntries" not in body:
        return "transactions without entryId, or no totalEntries"
    return None


def naive_balance(reply: httpx.Response) -> str | None:
    body = _json(reply)
    if not isinstance(body, dict) or body.get("IBAN") != BALANCE_IBAN or not isinstance(body.get("Booked"), dict):
        return "no JSON object with IBAN and Booked"
    return None


def soap_reply(element: str) -> Check:
    def check(reply: httpx.Response) -> str | None:
        from adapter.testing import body_payloads

        payloads = body_payloads(reply.content)
        names = [etree.QName(p).localname for p in payloads]
        return None if names == [element] else f"SOAP Body holds {names}, expected [{element!r}]"

    return check


# ------------------------------------------------------------------------------------ load generation


@dataclass(frozen=True)
class Scenario:
    name: str
    url: str
    check: Check
    app: Child | None  # the process that translates, if any
    method: str = "GET"
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    errors: int = 0
    first_error: str = ""

    def record(self, seconds: float, error: str) -> None:
        self.latencies.append(seconds)
        if not error:
            self.ok += 1
            return
        self.errors += 1
        self.first_error = self.first_error or error


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    samples: Samples
    elapsed: float
    cpu: dict[str, float]  # seconds of CPU spent by each process during the measured window

    def __add__(self, other: Result) -> Result:
        """Two slices of the same scenario as one."""
        a, b = self.samples, other.samples
        samples = Samples(a.latencies + b.latencies, a.ok + b.ok, a.errors + b.errors, a.first_error or b.first_error)
        cpu = {key: self.cpu[key] + other.cpu[key] for key in self.cpu}
        return Result(self.scenario, samples, self.elapsed + other.elapsed, cpu)


async def _worker(client: httpx.AsyncClient, scenario: Scenario, deadline: float, samples: Samples) -> None:
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        try:
            reply = await client.request(
                scenario.method, scenario.url, content=scenario.content, headers=scenario.headers
            )
            error = "" if reply.is_success else f"HTTP {reply.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        samples.record(time.perf_counter() - start, error)


async def _load(client: httpx.AsyncClient, scenario: Scenario, concurrency: int, seconds: float) -> Samples:
    samples = Samples()
    deadline = time.perf_counter() + seconds
    await asyncio.gather(*(_worker(client, scenario, deadline, samples) for _ in range(concurrency)))
    return samples


def _client(concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(limits=limits, timeout=30, trust_env=False)


async def verify(scenario: Scenario) -> httpx.Response:
    """One request; fail loudly unless it is a 200 with the expected body shape."""
    async with _client(1) as client:
        reply = await client.request(scenario.method, scenario.url, content=scenario.content, headers=scenario.headers)
    problem = f"HTTP {reply.status_code}" if reply.status_code != 200 else scenario.check(reply)
    if problem:
        raise SystemExit(f"scenario {scenario.name!r} is broken ({problem}); the reply was:\n{reply.text[:600]}")
    return reply


async def measure(scenario: Scenario, run: Servers, concurrency: int, seconds: float, warmup: float) -> Result:
    async with _client(concurrency) as client:
        if warmup > 0:
            await _load(client, scenario, concurrency, warmup)
        before = _cpu_snapshot(scenario, run)
        start = time.perf_counter()
        samples = await _load(client, scenario, concurrency, seconds)
        elapsed = time.perf_counter() - start
        after = _cpu_snapshot(scenario, run)
    return Result(scenario, samples, elapsed, {k: after[k] - before[k] for k in before})


# ------------------------------------------------------------------------------------ CPU accounting


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` from /proc (Linux); NaN elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float("nan")
    fields = stat.rsplit(")", 1)[1].split()  # the command name may contain spaces and parentheses
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_snapshot(scenario: Scenario, run: Servers) -> dict[str, float]:
    app = _process_cpu(scenario.app.pid) if scenario.app else 0.0
    return {"client": time.process_time(), "app": app, "sims": _process_cpu(run.simulators.pid)}


# ------------------------------------------------------------------------------------ report


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values``; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown CPU"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown CPU")


def _loadavg() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def header(args: argparse.Namespace) -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    libs = ", ".join(f"{name} {version(name)}" for name in ("fastapi", "uvicorn", "httpx", "zeep", "spyne"))
    return "\n".join(
        [
            f"machine      {os.cpu_count()} CPUs ({usable} usable), {_cpu_model()}; {platform.platform()}",
            f"python       {platform.python_implementation()} {platform.python_version()}; {libs}",
            f"load         {args.concurrency} concurrent workers, {args.warmup:g} s warm-up + {args.seconds:g} s "
            f"per scenario in {args.rounds} round-robin slices, one httpx.AsyncClient in the parent process",
            f"loadavg      {_loadavg()} (1/5/15 min, before start: other work on this machine skews every number)",
        ]
    )


COLUMNS = f"{'scenario':<40} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}   " + (
    f"{'client':>6} {'app':>6} {'sims':>6}"
)


def row(result: Result) -> str:
    s = result.samples
    count = len(s.latencies) or 1  # only the CPU columns divide by it; an empty sample prints NaN latencies
    p50, p99 = (percentile(s.latencies, q) * 1000 for q in (0.50, 0.99))
    cpu = [result.cpu[k] / count * 1000 for k in ("client", "app", "sims")]
    app = f"{cpu[1]:>6.2f}" if result.scenario.app else f"{'-':>6}"
    return (
        f"{result.scenario.name:<40} {count:>8} {s.ok / result.elapsed:>8.0f} {p50:>7.1f} {p99:>7.1f} "
        f"{s.errors:>6}   {cpu[0]:>6.2f} {app} {cpu[2]:>6.2f}"
    )


def table(results: list[Result]) -> str:
    rule = "-" * len(COLUMNS)
    note = f"{'':<81}CPU ms per request"
    errors = [
        f"first error of {r.scenario.name.strip()!r}: {r.samples.first_error}" for r in results if r.samples.errors
    ]
    return "\n".join([note, COLUMNS, rule, *(row(r) for r in results), rule, *errors])


def comparison(results: dict[str, Result]) -> str:
    """Balance throughput against the naive bridge's, for the facade and for the bare backend (which bounds it)."""
    rate = {key: results[key].samples.ok / results[key].elapsed for key in ("facade", "soap", "naive")}
    if not rate["naive"]:
        return "balance throughput against the naive bridge: n/a (the naive bridge answered nothing)"
    facade, ceiling = rate["facade"] / rate["naive"], rate["soap"] / rate["naive"]
    return (
        f"balance throughput against the naive bridge: facade {facade:.2f}x; direct SOAP {ceiling:.2f}x, the ceiling\n"
        "for any bridge on this machine, which shares its CPUs with the backend and the load (project goal: >= 3x)"
    )


# ------------------------------------------------------------------------------------ main


def _soap_scenario(name: str, url: str, operation: str, **arguments: Any) -> Scenario:
    body, headers = soap_request(operation, **arguments)
    check = soap_reply(f"{operation}Response")
    return Scenario(name, url, check, app=None, method="POST", content=body, headers=headers)


def scenarios(run: Servers) -> dict[str, Scenario]:
    """The five scenarios, in the order they are measured and printed."""
    bank = run.env["BANK_URL"]
    balance, statement = run.facade_url + BALANCE_PATH, run.facade_url + STATEMENT_PATH
    key = {"X-API-Key": API_KEY}
    return {
        "facade": Scenario("1 facade   GET balance", balance, facade_balance, app=run.facade, headers=key),
        "facade-statement": Scenario(
            "2 facade   GET transactions (25/page)", statement, facade_statement, app=run.facade, headers=key
        ),
        "soap": _soap_scenario("3 direct   SOAP GetBalance", bank, "GetBalance", IBAN=BALANCE_IBAN),
        "soap-statement": _soap_scenario("4 direct   SOAP GetStatement", bank, "GetStatement", **STATEMENT_ARGS),
        "naive": Scenario(
            "5 naive    FastAPI+zeep GET balance", run.naive_url + BALANCE_PATH, naive_balance, app=run.naive
        ),
    }


async def bench(run: Servers, args: argparse.Namespace) -> None:
    plan = scenarios(run)
    replies = {key: await verify(scenario) for key, scenario in plan.items()}
    print(f"{header(args)}\n", flush=True)
    results: dict[str, Result] = {}
    # Round-robin slices, so that a burst of unrelated load on the machine is shared by all scenarios, not one.
    for round_ in range(args.rounds):
        for key, scenario in plan.items():
            warmup = args.warmup if round_ == 0 else 0.0
            part = await measure(scenario, run, args.concurrency, args.seconds / args.rounds, warmup)
            results[key] = results[key] + part if key in results else part
    print(table(list(results.values())))
    print(comparison(results))
    print("\nsizes of one reply (bytes):")
    for op, soap, facade in (("GetBalance", "soap", "facade"), ("GetStatement", "soap-statement", "facade-statement")):
        request = plan[soap].content or b""
        soap_size, json_size = len(replies[soap].content), len(replies[facade].content)
        print(f"  {op:<13} SOAP request {len(request):>6}   SOAP reply {soap_size:>6}   facade JSON {json_size:>6}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per scenario (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="discarded seconds before each (default 1)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent request workers (default 16)")
    parser.add_argument("--rounds", type=int, default=3, help="slices each scenario's seconds are cut in (default 3)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or args.concurrency < 1 or args.rounds < 1:
        parser.error("--seconds must be > 0, --warmup >= 0, --concurrency >= 1, --rounds >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with servers() as run:
            asyncio.run(bench(run, args))
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The sections after the main table: workers 1 vs 2, start-up on a 3 MB contract, the RSS soak, the profile."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from bench import procs
from bench.scenarios import Scenario, bridge_scenarios, fetch, verify

if TYPE_CHECKING:
    from bench.load import Generator
    from bench.report import Measured
    from bench.stack import Stack

ECONOMIC = Path("economic-erp") / "economic.wsdl"
ECONOMIC_MAPPING = """version: 1
contract:
  wsdl: economic.wsdl
  service: EconomicWebService
  port: EconomicWebServiceSoap
backend:
  url: ${ECONOMIC_URL}
routes:
  - method: GET
    path: /v1/accounts
    operation: Account_GetAll
    name: accountGetAll
    response:
      accounts: { from: Account_GetAllResult, fields: { handles: { each: AccountHandle, fields: { number: Number } } } }
"""


def cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown CPU"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown CPU")


def loadavg() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def shape_note(replies: dict[str, bytes]) -> str:
    """Whether the hand-written bridges answer exactly the facade's JSON (they are meant to); ``replies`` by
    scenario name."""
    import json

    notes = []
    for name, body in replies.items():
        peer, route = name.split(" ", 1)
        facade = replies.get(f"facade {route}")
        if peer.startswith("handwritten") and facade is not None and json.loads(body) != json.loads(facade):
            notes.append(f"  {name}: its JSON differs from the facade's (same data, another shape)")
    if not notes:
        return "every reply checked; the hand-written bridges answer exactly the facade's JSON"
    return "\n".join(["every reply checked, but:", *notes])


def errors_note(results: list[Measured]) -> str:
    """For a scenario that had errors under load, one reply fetched now, so that the table is not a mystery."""
    lines = []
    for m in results:
        if m.load.non2xx or m.load.socket_errors:
            status, body = fetch(m.scenario.request)
            lines.append(f"errors in {m.scenario.name!r}; one reply now: HTTP {status} {body[:300]!r}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- workers


def workers(stack: Stack, gen: Generator, args: object) -> str:
    """``adapter serve --workers N`` for N = 1, 2 on balance: per-request CPU of the whole tree and of each worker."""
    from bench.stack import adapter_command

    helptext = subprocess.run([*adapter_command(), "serve", "--help"], capture_output=True, text=True).stdout
    title = "\nworkers (balance, both runs pinned to the apps' core: CPU per request, not scaling, is compared)"
    if "--workers" not in helptext:
        return f"{title}\n  not available yet: `adapter serve` has no --workers option"
    lines = [title]
    seconds = max(3.0, getattr(args, "seconds", 9.0) / 2)
    for count in (1, 2):
        proc = stack.start_facade(f"facade-w{count}", "--workers", str(count))
        try:
            scenario = bridge_scenarios("facade", proc.url)[0]
            verify(scenario)
            gen.run(scenario.request, scenario.connections, 2)
            before = procs.cpu_by_pid(proc.pid)
            load = gen.run(scenario.request, scenario.connections, seconds)
            after = procs.cpu_by_pid(proc.pid)
        finally:
            proc.stop()
        spent = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
        each = ", ".join(
            f"{'supervisor' if pid == proc.pid else 'pid ' + str(pid)} {cpu / max(load.requests, 1) * 1000:.2f}"
            for pid, cpu in sorted(spent.items())
        )
        total = sum(spent.values()) / max(load.requests, 1) * 1000
        lines.append(
            f"  --workers {count}: {load.ok_per_second:>6.0f} req/s, {total:.2f} ms CPU/request in all ({each})"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- start-up


def _cache_setting() -> str | None:
    """An ``ADAPTER_*`` variable for a contract cache folder, if the settings have one (none today)."""
    from adapter.settings import Settings

    names = [n for n in Settings.model_fields if "cache" in n and n.endswith(("dir", "path", "directory"))]
    return f"ADAPTER_{names[0].upper()}" if names else None


def startup(stack: Stack, corpus: Path) -> str:
    """Time from `adapter serve` to /healthz 200 on the 3 MB e-conomic contract, cold then warm; inspect; RSS."""
    wsdl = corpus / ECONOMIC
    title = f"\nstart-up on {ECONOMIC} ({wsdl.stat().st_size / 1e6:.1f} MB)" if wsdl.exists() else ""
    if not wsdl.exists():
        return f"\nstart-up: skipped, {wsdl} is not there (../shared absent? give --corpus)"
    project = stack.tmp / "economic"
    (project / "wsdl").mkdir(parents=True)
    (project / "mappings").mkdir()
    shutil.copy(wsdl, project / "wsdl" / "economic.wsdl")
    (project / "mappings" / "economic.yaml").write_text(ECONOMIC_MAPPING)
    cache = _cache_setting()
    env = {"ADAPTER_MAPPINGS_DIR": str(project / "mappings"), "ADAPTER_WSDL_DIR": str(project / "wsdl")}
    env |= {"ECONOMIC_URL": stack.urls["canned"]} | ({cache: str(stack.tmp / "contract-cache")} if cache else {})
    lines = [title, f"  contract cache: {cache or 'no cache setting (ADAPTER_*CACHE_DIR) yet: warm = second start'}"]
    for run in ("cold", "warm"):
        proc = stack.start_facade(f"economic-{run}", env=env)
        rss = procs.rss_mb(proc.pid)
        proc.stop()
        target = "< 5 s" if run == "cold" else "< 1 s"
        ready = float(proc.extra["ready_s"])
        verdict = "met" if ready < (5.0 if run == "cold" else 1.0) else "not met"
        lines.append(f"  serve, {run}: /healthz 200 after {ready:.2f} s (goal {target}: {verdict}); RSS {rss:.0f} MiB")
    lines.append(f"  RSS with the shipped mappings only: {stack.facade_rss_mb:.0f} MiB (the main facade, at start)")
    from bench.stack import adapter_command

    for run in ("first", "second"):
        start = time.perf_counter()
        done = subprocess.run(
            [*adapter_command(), "inspect", str(project / "wsdl" / "economic.wsdl")],
            capture_output=True,
            env={**os.environ, **env},
        )
        took = time.perf_counter() - start
        verdict = "met" if took < 1.0 else "not met"
        lines.append(
            f"  inspect, {run}: {took:.2f} s, exit {done.returncode}, {len(done.stdout)} bytes printed "
            f"(goal < 1 s warm: {verdict})"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- soak


def soak(stack: Stack, gen: Generator, requests: int, max_seconds: float) -> str:
    """Balance through the facade until ``requests`` are answered (or ``max_seconds``), RSS sampled every slice."""
    facade = stack.procs["facade"]
    scenario = bridge_scenarios("facade", facade.url)[0]
    samples = [procs.rss_mb(facade.pid)]
    done, errors, start = 0, 0, time.perf_counter()
    while done < requests and time.perf_counter() - start < max_seconds:
        load = gen.run(scenario.request, scenario.connections, 10)
        done, errors = done + load.requests, errors + load.non2xx + load.socket_errors
        samples.append(procs.rss_mb(facade.pid))
    took = time.perf_counter() - start
    cut = "" if done >= requests else f" (stopped by --soak-seconds {max_seconds:g} before {requests})"
    trace = " ".join(f"{mb:.0f}" for mb in samples)
    return (
        f"\nRSS soak: {done} balance requests in {took:.0f} s{cut}, {errors} errors\n"
        f"  RSS start {samples[0]:.1f} MiB, end {samples[-1]:.1f} MiB ({samples[-1] - samples[0]:+.1f}), "
        f"max {max(samples):.1f}; every 10 s: {trace}"
    )


# ------------------------------------------------------------------------------------------- profile


def profile(stack: Stack, gen: Generator, scenario: Scenario, seconds: float = 10.0) -> str:
    """py-spy samples the scenario's app (the facade, or a peer) during one more slice (not one of the measured
    ones)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return "\nprofile: py-spy is not installed (pip install '.[bench]')"
    out = stack.tmp / "profile.txt"
    argv = [spy, "record", "-p", str(stack.procs[scenario.peer].pid), "-d", str(int(seconds)), "-r", "250"]
    argv += ["--nonblocking", "-f", "raw", "-o", str(out)]
    spy_proc = procs.spawn("py-spy", argv, cores=stack.cores.load, log=stack.tmp / "py-spy.log")
    time.sleep(1.0)
    gen.run(scenario.request, scenario.connections, seconds - 1)
    spy_proc.popen.wait(seconds + 30)
    if not out.exists():
        return f"\nprofile: py-spy recorded nothing (ptrace not allowed?):\n{spy_proc.tail(5)}"
    return summarize(out.read_text(), scenario.route, scenario.peer)


# Where a sample's time goes: the innermost frame that belongs to one of these (first match wins, in this order).
AREAS = [
    ("the hand-written bridge's own code (lxml included)", ("bench/handwritten.py",)),
    ("XML parse and limits (adapter/xml.py)", ("adapter/xml.py",)),
    ("logging", ("logging/__init__", "adapter/logs.py", "adapter/asgi/access.py")),
    ("decode + validate", ("adapter/exchange/decoder.py", "adapter/contract/values.py", "adapter/contract/lexical.py")),
    ("envelope, reply walk, encoder", ("adapter/exchange/envelope.py", "adapter/exchange/encoder.py")),
    ("WS-Security", ("zeep/wsse", "adapter/soap/wsse.py")),
    ("mapping engine", ("adapter/mapping/",)),
    ("JSON encoding", ("adapter/codec.py",)),
    ("HTTP client (aiohttp)", ("aiohttp/", "yarl/", "multidict", "adapter/outbound/")),
    ("metrics and tracing", ("adapter/observability", "prometheus_client", "opentelemetry", "adapter/asgi/telemetry")),
    ("auth, request id, operations", ("adapter/api/auth.py", "adapter/asgi/requestid.py", "adapter/ops/")),
    ("route and call code", ("adapter/api/routes.py", "adapter/exchange/route.py", "adapter/soap/call.py")),
    ("server (uvicorn, h11/httptools)", ("h11/", "uvicorn/", "httptools")),
    ("Starlette and FastAPI", ("starlette/", "fastapi/")),
    ("event loop", ("asyncio/", "selectors.py", "uvloop")),
]


def by_area(raw: str) -> str:
    """py-spy's collapsed stacks → the share of samples per area of the request's path (:data:`AREAS`)."""
    shares, samples = Counter[str](), 0
    for line in raw.splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        samples += int(count_text)
        shares[_area(stack_text.split(";"))] += int(count_text)
    lines = ["  by area (innermost frame of each sample):"]
    lines += [f"    {n / max(samples, 1):6.1%}  {area}" for area, n in shares.most_common()]
    return "\n".join(lines)


def _area(frames: list[str]) -> str:
    for frame in reversed(frames):
        for area, markers in AREAS:
            if any(marker in frame for marker in markers):
                return area
    return "other"


def summarize(raw: str, route: str = "balance", peer: str = "facade", top: int = 15) -> str:
    """py-spy's collapsed stacks → the functions with most samples on top (self) and on the stack (total), and the
    share of each area."""
    own, total, samples = Counter[str](), Counter[str](), 0
    for line in raw.splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack_text.split(";") if f]
        if not frames:
            continue
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    lines = [f"\nprofile of the {peer}, {route} ({samples} samples; % of them):", "  self:"]
    lines += [f"    {n / samples:6.1%}  {f}" for f, n in own.most_common(top)]
    stem = 0.9 * max(total.values(), default=0)  # the frames under every request (event loop, uvicorn, click)
    lines += ["  total (on the stack; the event loop's own frames left out):"]
    lines += [f"    {n / samples:6.1%}  {f}" for f, n in total.most_common() if n < stem][: top + 10]
    return "\n".join(lines) + "\n" + by_area(raw)


def _frame(frame: str) -> str:
    """``func (path/to/module.py:123)`` → ``func (module path without the line)``."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/bench/", "/adapter/"):
        if marker in path:
            path = ("adapter/" if marker == "/adapter/" else "") + path.split(marker, 1)[1]
            break
    return f"{name} ({path})"

"""``make bench``: the facade measured side by side with its peers, in one run (issue 9).

    .venv/bin/python -m bench [--quick] [--seconds 9] [--rounds 3] [--warmup 2] [--profile] ...

bench/README.md explains what runs and how to read every figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench import extras, procs, report, soap2rest
from bench.load import Generator, Slice, find_wrk
from bench.procs import Cores
from bench.report import Measured
from bench.scenarios import Scenario, plan, verify
from bench.stack import BRIDGES, Stack, pin_self, running

DEFAULT_CORPUS = procs.ROOT.parent / "shared" / "wsdl-corpus"


def measure_slice(stack: Stack, gen: Generator, scenario: Scenario, seconds: float) -> tuple[Slice, float, float]:
    """One slice of load; the CPU the app's process tree and the canned backends spent meanwhile."""
    app = stack.procs.get(scenario.peer)
    backends = stack.procs["backends"]
    before = (procs.cpu(app.pid) if app else 0.0, procs.cpu(backends.pid))
    load = gen.run(scenario.request, scenario.connections, seconds)
    after = (procs.cpu(app.pid) if app else 0.0, procs.cpu(backends.pid))
    return load, after[0] - before[0], after[1] - before[1]


def measure_all(stack: Stack, gen: Generator, scenarios: list[Scenario], args: argparse.Namespace) -> list[Measured]:
    """Round-robin slices, so that a burst of other work on the machine falls on every scenario, not on one."""
    results = [Measured(s) for s in scenarios]
    per_slice = max(1, round(args.seconds / args.rounds))
    for round_ in range(args.rounds):
        for m in results:
            if round_ == 0 and args.warmup > 0:
                gen.run(m.scenario.request, m.scenario.connections, args.warmup)
            m.add(*measure_slice(stack, gen, m.scenario, per_slice))
            print(f"  round {round_ + 1}/{args.rounds}  {m.scenario.name:<30} {m.rate:>7.0f} req/s", flush=True)
    return results


def _versions(*names: str) -> str:
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    return ", ".join(found)


def header(args: argparse.Namespace, stack: Stack, gen: Generator) -> str:
    libs = _versions("fastapi", "starlette", "uvicorn", "uvloop", "httptools", "httpx", "aiohttp", "zeep", "lxml")
    per_slice = max(1, round(args.seconds / args.rounds))
    s2r = soap2rest.versions() if "soap2rest" in stack.urls else stack.missing.get("soap2rest", "not run")
    return "\n".join(
        [
            f"machine      {os.cpu_count()} CPUs ({stack.cores.usable} usable), {extras.cpu_model()}; "
            f"{platform.platform()}",
            f"pinning      {stack.cores.describe()}",
            f"python       {platform.python_implementation()} {platform.python_version()}; {libs}",
            f"server       `adapter serve` gave uvicorn {stack.options or '(nothing recorded: defaults)'}; "
            "the other peers run with the same",
            f"soap2rest    {s2r}",
            f"load         {gen.describe()}",
            f"slices       {args.rounds} rounds x {per_slice} s per scenario, round-robin, after {args.warmup:g} s "
            "warm-up each",
            f"loadavg      {extras.loadavg()} (1/5/15 min, before start: other work on this machine skews req/s)",
        ]
    )


def bench(stack: Stack, gen: Generator, args: argparse.Namespace) -> None:
    scenarios = plan(stack.urls)
    print("checking every scenario's reply ...", flush=True)
    replies = {scenario.name: verify(scenario) for scenario in scenarios}
    print(extras.shape_note(replies), flush=True)
    for peer, why in stack.missing.items():
        print(f"not measured: {peer}: {why}", flush=True)
    print(f"\n{header(args, stack, gen)}\n", flush=True)
    results = measure_all(stack, gen, scenarios, args)
    print(f"\n{report.table(results)}")
    print(extras.errors_note(results))
    print(f"\n{report.matrix(results)}\n")
    print(report.goals(results, stack.missing))
    canned = next(m for m in results if m.scenario.peer == "canned")
    fastest = max((m for m in results if m.scenario.peer != "canned"), key=lambda m: m.rate)
    print(
        f"\nload generator ceiling: {canned.rate:.0f} req/s against the canned backend on its core, "
        f"{canned.rate / max(fastest.rate, 1):.0f}x the fastest app ({fastest.scenario.name}, {fastest.rate:.0f} req/s)"
    )
    if args.profile:  # balance: the fixed cost of a call; statement-500: the decoder and the mapping on big replies
        # The hand-written bridge's balance too: what every bridge pays, area by area, next to the facade's.
        names = ("facade balance", "facade statement-500", "handwritten-aiohttp balance")
        for scenario in (m.scenario for name in names for m in results if m.scenario.name == name):
            print(extras.profile(stack, gen, scenario))
    if not args.quick:
        print(extras.workers(stack, gen, args))
        print(extras.startup(stack, args.corpus))
        print(extras.soak(stack, gen, args.soak_requests, args.soak_seconds))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="The facade against its peers (issue 9).")
    add = parser.add_argument
    add("--quick", action="store_true", help="shorter slices, no start-up/workers/soak sections")
    add("--seconds", type=float, help="measured seconds per scenario (default 9; 4 with --quick)")
    add("--rounds", type=int, help="round-robin slices per scenario (default 3; 2 with --quick)")
    add("--warmup", type=float, help="discarded seconds before each scenario's first slice (default 2; 1 quick)")
    add("--peers", default=",".join(BRIDGES), help=f"bridges besides the facade (default {','.join(BRIDGES)})")
    add("--profile", action="store_true", help="py-spy the facade during an extra balance slice")
    add("--soak-requests", type=int, default=100_000, help="requests of the RSS soak (default 100000)")
    add("--soak-seconds", type=float, default=300.0, help="the soak stops after this long anyway (default 300)")
    add("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"the shared WSDL corpus (default {DEFAULT_CORPUS})")
    add("--python-load", action="store_true", help="use the Python load generator even if wrk is there")
    add("--no-install", action="store_true", help="install neither wrk (apt-get) nor soap2rest (pip)")
    add("--no-pin", action="store_true", help="let every process run on every CPU")
    args = parser.parse_args(argv)
    quick = args.quick
    args.seconds = args.seconds or (4.0 if quick else 9.0)
    args.rounds = args.rounds or (2 if quick else 3)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)
    args.peers = [p for p in args.peers.split(",") if p]
    if unknown := set(args.peers) - set(BRIDGES):
        parser.error(f"unknown peers {sorted(unknown)}; known: {', '.join(BRIDGES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cores = Cores.split(pin=not args.no_pin)
    pin_self(cores)
    wrk = None if args.python_load else find_wrk(install=not args.no_install)
    skipped = {}
    if args.no_install and "soap2rest" in args.peers and not soap2rest.installed():
        skipped["soap2rest"] = "not installed, and --no-install"
    bridges = [p for p in args.peers if p not in skipped]
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp, running(Path(tmp), cores, bridges, skipped) as stack:
            bench(stack, Generator(wrk, cores.load), args)
    except KeyboardInterrupt:
        print("\ninterrupted; every process of the run stopped", file=sys.stderr)
        return 130
    return 0

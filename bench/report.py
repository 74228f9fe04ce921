"""What the run prints: the measurement table, the issue's matrix, and the goal ratios marked met / not met."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bench.load import Slice
from bench.scenarios import Scenario

PEERS = ["facade", "naive", "soap2rest", "handwritten-httpx", "handwritten-aiohttp", "empty"]


@dataclass
class Measured:
    """A scenario's slices added up, with the CPU its app, the canned backends and the load generator spent."""

    scenario: Scenario
    load: Slice = field(default_factory=Slice)
    app_cpu: float = 0.0  # seconds, the app's whole process tree
    backend_cpu: float = 0.0

    def add(self, load: Slice, app_cpu: float, backend_cpu: float) -> None:
        self.load = self.load + load
        self.app_cpu += app_cpu
        self.backend_cpu += backend_cpu

    def per_request_ms(self, seconds: float) -> float:
        return seconds / self.load.requests * 1000 if self.load.requests else float("nan")

    @property
    def rate(self) -> float:
        return self.load.ok_per_second

    @property
    def app_ms(self) -> float:
        return self.per_request_ms(self.app_cpu) if self.scenario.peer != "canned" else float("nan")

    @property
    def p50(self) -> float:
        return self.load.percentile(0.50) * 1000

    @property
    def p99(self) -> float:
        return self.load.percentile(0.99) * 1000


def _num(value: float, digits: int = 1, width: int = 7) -> str:
    return f"{'-':>{width}}" if math.isnan(value) else f"{value:>{width}.{digits}f}"


COLUMNS = (
    f"{'scenario':<34} {'conns':>5} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'p99/50':>6} "
    f"{'errors':>6}   {'app':>6} {'backend':>7} {'load':>6}"
)


def table(results: list[Measured]) -> str:
    rule = "-" * len(COLUMNS)
    lines = [f"{'':<94}CPU ms per request", COLUMNS, rule]
    for m in results:
        s = m.load
        errors = s.non2xx + s.socket_errors
        lines.append(
            f"{m.scenario.name:<34} {m.scenario.connections:>5} {s.requests:>8} {m.rate:>7.0f} {_num(m.p50)} "
            f"{_num(m.p99)} {_num(m.p99 / m.p50, 1, 6)} {errors:>6}   {_num(m.app_ms, 2, 6)} "
            f"{_num(m.per_request_ms(m.backend_cpu), 3, 7)} {_num(m.per_request_ms(s.client_cpu), 3, 6)}"
        )
    return "\n".join([*lines, rule])


def matrix(results: list[Measured]) -> str:
    """The issue's table: req/s per route and peer, with the app's CPU ms per request."""
    found = {(m.scenario.peer, m.scenario.route): m for m in results}
    head = f"{'route':<15}" + "".join(f"{peer:>21}" for peer in PEERS)
    lines = [head, "-" * len(head)]
    for route in ("balance", "statement-25", "statement-500", "empty", "served"):
        cells = []
        for peer in PEERS:
            m = found.get((peer, route))
            cells.append(f"{m.rate:>8.0f} /{m.app_ms:>6.2f} ms" if m else f"{'':>21}")
        if any(cell.strip() for cell in cells):
            lines.append(f"{route:<15}" + "".join(f"{cell:>21}" for cell in cells))
    return "\n".join(lines) + "\n(req/s / app CPU ms per request; served = SOAP client → served contract → REST)"


@dataclass(frozen=True)
class Goal:
    route: str
    other: str  # a peer, or "p50" for the tail goal
    target: float

    def describe(self) -> str:
        if self.other == "p50":
            return f"{self.route:<14} facade p99 / p50"
        return f"{self.route:<14} facade / {self.other}"


_BRIDGE_TARGETS = [("handwritten-aiohttp", 0.8), ("naive", 5.0), ("soap2rest", 2.0)]
GOALS = [Goal(route, peer, target) for route in ("balance", "statement-25") for peer, target in _BRIDGE_TARGETS]
GOALS += [Goal("statement-500", "handwritten-aiohttp", 1.0), Goal("balance", "p50", 4.0)]
GOALS += [Goal("statement-25", "p50", 4.0)]


def goals(results: list[Measured], missing: dict[str, str]) -> str:
    """Each goal of the issue: the measured ratio, the target, met or not; and the same ratio from CPU per request
    (what the throughput ratio would be if both apps were CPU-bound on their core: the steadier of the two)."""
    found = {(m.scenario.peer, m.scenario.route): m for m in results}
    lines = [f"{'goal':<44} {'req/s ratio':>11} {'target':>8}  {'':<8} {'CPU ratio':>9}", "-" * 86]
    for goal in GOALS:
        facade = found.get(("facade", goal.route))
        if goal.other == "p50":
            ratio = facade.p99 / facade.p50 if facade else float("nan")
            verdict = "met" if ratio <= goal.target else "not met"
            lines.append(f"{goal.describe():<44} {_num(ratio, 2, 11)} {'<= ' + f'{goal.target:g}':>8}  {verdict:<8}")
            continue
        other = found.get((goal.other, goal.route))
        if facade is None or other is None or not other.rate:
            why = missing.get(goal.other, "not measured")
            lines.append(f"{goal.describe():<44} {'n/a':>11} {'>= ' + f'{goal.target:g}':>8}  ({why})")
            continue
        ratio, cpu = facade.rate / other.rate, other.app_ms / facade.app_ms
        verdict = "met" if ratio >= goal.target else "not met"
        lines.append(
            f"{goal.describe():<44} {ratio:>10.2f}x {'>= ' + f'{goal.target:g}':>8}  {verdict:<8} {cpu:>8.2f}x"
        )
    return "\n".join(lines)

"""Load generators: wrk with a Lua report, or a Python fallback that prints the same report.

    python -m bench.load URL --connections 32 --seconds 5 [--method POST --body-file F --header 'K: V']

Both keep ``connections`` keep-alive connections busy for ``seconds`` (each sends its next request when the last is
answered: a closed loop, like wrk) and report one line ``BENCH {json}``: requests answered, of which non-2xx, socket
errors, the duration, and 200 latency quantiles (the 0.25th, 0.75th … 99.75th percentile) that let slices of the
same scenario be merged into one distribution (:class:`Slice`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

QUANTILES = [0.0025 + i * 0.005 for i in range(200)]  # midpoints of 200 equal slices of the distribution


@dataclass(frozen=True)
class Request:
    url: str
    method: str = "GET"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Slice:
    """What one run of a load generator saw; slices of a scenario add up."""

    requests: int = 0
    non2xx: int = 0
    socket_errors: int = 0
    seconds: float = 0.0
    client_cpu: float = 0.0
    points: list[tuple[float, float]] = field(default_factory=list)  # (latency s, weight in requests)

    def __add__(self, other: Slice) -> Slice:
        return Slice(
            self.requests + other.requests,
            self.non2xx + other.non2xx,
            self.socket_errors + other.socket_errors,
            self.seconds + other.seconds,
            self.client_cpu + other.client_cpu,
            self.points + other.points,
        )

    @property
    def ok_per_second(self) -> float:
        return (self.requests - self.non2xx) / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        """From the merged quantile points of every slice; exact to about half a percentile step."""
        total = sum(weight for _, weight in self.points)
        if not total:
            return float("nan")
        seen = 0.0
        for value, weight in sorted(self.points):
            seen += weight
            if seen >= fraction * total:
                return value
        return max(value for value, _ in self.points)


def parse_report(text: str, client_cpu: float) -> Slice:
    line = next((line for line in text.splitlines() if line.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"the load generator printed no report:\n{text[-2000:]}")
    report = json.loads(line[6:])
    requests = int(report["requests"])
    weight = requests / len(report["q"]) if report["q"] else 0.0
    return Slice(
        requests=requests,
        non2xx=int(report["non2xx"]),
        socket_errors=int(report["socket_errors"]),
        seconds=report["duration_us"] / 1e6,
        client_cpu=client_cpu,
        points=[(q / 1e6, weight) for q in report["q"]],
    )


# ------------------------------------------------------------------------------------------- wrk

_LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  local q = {}
  for i = 0, 199 do q[#q + 1] = string.format("%d", latency:percentile(0.25 + i * 0.5)) end
  local line = '\\nBENCH {"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, "q": [%s]}\\n'
  local failed = e.connect + e.read + e.write + e.timeout
  io.write(string.format(line, summary.requests, summary.duration, e.status, failed, table.concat(q, ",")))
end
"""


def _lua_string(text: str) -> str:
    level = 1
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def wrk_script(request: Request) -> str:
    """wrk sends the same pre-built request on every connection; ``done`` prints the report (wrk counts a status
    above 399 as an error, so 3xx would pass as success: no scenario here answers one)."""
    lines = [f"wrk.method = {_lua_string(request.method)}"]
    if request.body:
        lines.append(f"wrk.body = {_lua_string(request.body.decode('utf-8'))}")
    lines += [f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in request.headers.items()]
    return "\n".join(lines) + _LUA_DONE


class Generator:
    """Runs one slice of load pinned to ``cores``; ``wrk`` is its path, or None for the Python fallback."""

    def __init__(self, wrk: str | None, cores: set[int] | None) -> None:
        self.wrk, self.cores = wrk, cores

    def describe(self) -> str:
        if self.wrk is None:
            return "Python fallback (bench/load.py, one asyncio process): its ceiling is the 'canned' row"
        version = subprocess.run([self.wrk, "-v"], capture_output=True, text=True).stdout.split("[")[0].strip()
        return f"{version or 'wrk'}, 1 thread (its ceiling with the backend: the 'canned' row)"

    def run(self, request: Request, connections: int, seconds: float) -> Slice:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            argv = self._argv(request, connections, seconds, Path(tmp))
            before = _children_cpu()
            done = subprocess.run(argv, capture_output=True, text=True, preexec_fn=self._pin, timeout=seconds + 60)
            client = _children_cpu() - before  # wrk's own CPU: it has been waited for, so it is counted now
        if done.returncode != 0:
            raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr[-2000:]}")
        return parse_report(done.stdout, client)

    def _pin(self) -> None:
        if self.cores is not None:
            import os

            os.sched_setaffinity(0, self.cores)

    def _argv(self, request: Request, connections: int, seconds: float, tmp: Path) -> list[str]:
        duration = max(1, round(seconds))
        if self.wrk is not None:
            script = tmp / "bench.lua"
            script.write_text(wrk_script(request), encoding="utf-8")
            return [self.wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "-s", str(script)] + [
                request.url
            ]
        body = tmp / "body"
        body.write_bytes(request.body)
        argv = [sys.executable, "-m", "bench.load", request.url, "--method", request.method]
        argv += ["--connections", str(connections), "--seconds", str(seconds), "--body-file", str(body)]
        return argv + [arg for k, v in request.headers.items() for arg in ("--header", f"{k}: {v}")]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def find_wrk(install: bool) -> str | None:
    """wrk's path, installing the Debian package when allowed, running as root, and apt-get is there."""
    import os

    found = shutil.which("wrk")
    if found or not install or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("installing wrk (apt-get install -y wrk) ...", flush=True)
    quiet = {"capture_output": True, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
    if subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet).returncode != 0:  # type: ignore[call-overload]
        subprocess.run(["apt-get", "update"], **quiet)  # type: ignore[call-overload]
        subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet)  # type: ignore[call-overload]
    return shutil.which("wrk")


# ------------------------------------------------------------------------------------------- the Python fallback


async def _connection(request: bytes, host: str, port: int, deadline: float, seen: dict[str, list[float]]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status, headers = _head(head)
            if headers.get(b"transfer-encoding") == b"chunked":
                while size := int((await reader.readline()).split(b";")[0], 16):
                    await reader.readexactly(size + 2)
                await reader.readline()
            else:
                await reader.readexactly(int(headers.get(b"content-length", b"0")))
            seen["ok" if 200 <= status < 300 else "non2xx"].append(time.perf_counter() - start)
            if headers.get(b"connection") == b"close":
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        seen["errors"].append(0.0)
    finally:
        writer.close()


def _head(head: bytes) -> tuple[int, dict[bytes, bytes]]:
    lines = head.split(b"\r\n")
    headers = {k.strip().lower(): v.strip().lower() for k, _, v in (line.partition(b":") for line in lines[1:] if line)}
    return int(lines[0].split(b" ")[1]), headers


async def generate(request: Request, connections: int, seconds: float) -> dict[str, object]:
    url = urllib.parse.urlsplit(request.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    head = [f"{request.method} {target} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(request.body)}"]
    raw = ("\r\n".join(head + [f"{k}: {v}" for k, v in request.headers.items()]) + "\r\n\r\n").encode() + request.body
    seen: dict[str, list[float]] = {"ok": [], "non2xx": [], "errors": []}
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(*(_connection(raw, host, port, deadline, seen) for _ in range(connections)))
    latencies = sorted(seen["ok"] + seen["non2xx"])
    q = [latencies[min(len(latencies) - 1, int(f * len(latencies)))] * 1e6 for f in QUANTILES] if latencies else []
    return {
        "requests": len(latencies),
        "duration_us": (time.perf_counter() - start) * 1e6,
        "non2xx": len(seen["non2xx"]),
        "socket_errors": len(seen["errors"]),
        "q": q,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The Python load generator (used when wrk is not available).")
    parser.add_argument("url")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--body-file", type=Path)
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args(argv)
    headers = dict(h.split(": ", 1) for h in args.header)
    body = args.body_file.read_bytes() if args.body_file else b""
    report = asyncio.run(generate(Request(args.url, args.method, body, headers), args.connections, args.seconds))
    print("BENCH " + json.dumps(report), flush=True)


if __name__ == "__main__":
    main()

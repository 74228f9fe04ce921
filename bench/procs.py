"""Child processes: started pinned to a core, in their own session, stopped by process group; CPU and memory
read from /proc (Linux; elsewhere the figures are NaN)."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Cores:
    """Where the apps run, and where the load generator and the canned backends run."""

    app: set[int] | None
    load: set[int] | None
    usable: int  # CPUs this run may use, before it pins itself

    @classmethod
    def split(cls, pin: bool = True) -> Cores:
        usable = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        if not pin or len(usable) < 2:
            return cls(None, None, len(usable) or os.cpu_count() or 1)
        return cls({usable[0]}, set(usable[1:2]), len(usable))

    def describe(self) -> str:
        if self.app is None:
            return "not pinned (fewer than 2 usable CPUs, or --no-pin): every process shares every CPU"
        return f"apps on CPU {min(self.app)}, load generator and canned backends on CPU {min(self.load or {0})}"


@dataclass
class Proc:
    """A child process and its process group."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path | None = None
    url: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the group, then SIGKILL; only the processes this run started are in it."""
        if self.popen.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.popen.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def tail(self, lines: int = 30) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _die_with_parent() -> None:
    try:  # PR_SET_PDEATHSIG: the kernel sends SIGTERM if this run dies without stopping us
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    cores: set[int] | None,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    stdout: int | None = None,
    stdin: int | None = subprocess.DEVNULL,
    cwd: Path = ROOT,
) -> Proc:
    """Start ``argv`` in its own session, pinned to ``cores`` (what ``taskset -c`` does, by the same syscall)."""

    def prepare() -> None:
        _die_with_parent()
        if cores is not None:
            os.sched_setaffinity(0, cores)

    out = open(log, "ab") if log is not None else subprocess.DEVNULL  # noqa: SIM115 - the child owns it
    popen = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=stdin,
        stdout=stdout if stdout is not None else out,
        stderr=out,
        start_new_session=True,  # Ctrl-C reaches this run only; we stop the group ourselves
        preexec_fn=prepare,  # noqa: PLW1509 - no threads are running yet when children are spawned
    )
    if log is not None:
        out.close()  # type: ignore[union-attr]
    return Proc(name, popen, log)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_http(proc: Proc, url: str, timeout: float, headers: Mapping[str, str] | None = None) -> float:
    """Seconds until ``url`` answers 200; raises with the child's log when it dies or takes too long."""
    start = time.perf_counter()
    request = urllib.request.Request(url, headers=dict(headers or {}))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while time.perf_counter() - start < timeout:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.tail()}")
        try:
            with opener.open(request, timeout=2) as reply:
                if reply.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{proc.name} did not answer {url} within {timeout:g} s:\n{proc.tail()}")


# ------------------------------------------------------------------------------------------ /proc


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of ``pid``."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the command name may contain spaces and parentheses
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def tree(root: int) -> list[int]:
    """``root`` and every descendant of it (uvicorn's workers, a reloader's child)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents.setdefault(stat[0], []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def cpu_by_pid(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of each process of ``root``'s tree; empty off Linux."""
    return {pid: stat[1] for pid in tree(root) if (stat := _stat(pid)) is not None}


def cpu(root: int) -> float:
    found = cpu_by_pid(root)
    return sum(found.values()) if found else float("nan")


def rss_mb(root: int) -> float:
    """Resident memory of ``root``'s whole tree, MiB."""
    total = 0
    for pid in tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total / 1024 if total else float("nan")

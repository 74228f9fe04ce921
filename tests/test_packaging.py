"""The wheel, as a user gets it: built from this tree, installed with its dependencies in a fresh virtualenv, and
``adapter demo`` run from an empty folder — its health check answers, one call works, Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapter.testing import free_port

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 120.0  # seconds for the demo to answer: generous, a loaded 2-core machine is slow, a healthy one quick

pytestmark = pytest.mark.packaging


def run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", out, ROOT)
    [built] = out.glob("soap_adapter-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel and its dependencies (from PyPI, or pip's cache)."""
    home = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", home)
    run(
        home / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile", wheel
    )
    return home


def test_the_wheel_carries_its_licence_types_and_demo_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert "adapter/py.typed" in names
    for shipped in ("wsdl/bank/core_banking.wsdl", "wsdl/erp/sales_orders.wsdl", "mappings/bank.yaml"):
        assert f"adapter/demo/project/{shipped}" in names, shipped
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in metadata


def test_the_test_helpers_do_not_need_the_demo(venv: Path, tmp_path: Path) -> None:
    probe = "import sys, adapter.testing; print(sorted(m for m in sys.modules if m.startswith('adapter.demo')))"
    assert run(venv / "bin" / "python", "-c", probe, cwd=tmp_path).strip() == "[]"


@pytest.fixture
def demo(venv: Path, tmp_path: Path) -> Iterator[str]:
    """``adapter demo`` from the installed wheel, in an empty folder, on free ports; stopped with Ctrl-C."""
    ports = [str(free_port()) for _ in range(4)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADAPTER_")}
    process = subprocess.Popen(
        [venv / "bin" / "adapter", "demo", "--port", ports[0], "--bank-port", ports[1], "--erp-port", ports[2]]
        + ["--hub-port", ports[3]],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{ports[0]}"
    try:
        wait_until_healthy(base, process)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
    assert process.returncode == 0, f"exit {process.returncode}: {err[-3000:]}"
    assert "Traceback" not in err, err
    assert f"JSON facade      {base}" in out


def wait_until_healthy(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + DEADLINE
    while True:
        if process.poll() is not None:
            raise AssertionError(f"adapter demo exited with {process.returncode}: {process.stderr.read()[-3000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(base + "/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"adapter demo did not answer /healthz within {DEADLINE:.0f}s")
        time.sleep(0.2)


def test_adapter_demo_from_the_installed_wheel_works_in_an_empty_folder(demo: str) -> None:
    reply = httpx.get(demo + "/v1/accounts/DE89370400440532013000/balance", headers={"X-API-Key": "demo-key"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["iban"] == "DE89370400440532013000"
    assert httpx.get(demo + "/docs/assets/swagger-ui-bundle.js").status_code == 200

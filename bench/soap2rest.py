"""soap2rest 0.1.0 from PyPI, in its own virtualenv (it pins ``anyio<4``, which our FastAPI cannot use).

What its source (soap2rest/api.py, cli.py) does, and so how it is run here:

- ``soap2rest --wsdl FILE`` builds a synchronous ``zeep.Client`` (requests transport) and one route per operation,
  ``POST /call/<operation>``, whose body is every input element as a JSON *string*; the zeep call runs in anyio's
  thread pool and the reply is ``{"result": serialize_object(result)}`` through FastAPI's encoder.
- It has no option for the backend address, so it is given a copy of ``core_banking.wsdl`` whose ``soap:address``
  points at the canned backend; it has no WS-Security either, which the canned backend does not check.
- Its CLI runs uvicorn with its own defaults; its venv has ``uvicorn[standard]``, so uvloop and httptools.
  ``--log-level warning`` turns off uvicorn's access log, as for every other peer.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "bench" / ".venvs" / "soap2rest"
REQUIREMENTS = ["soap2rest==0.1.0", "anyio<4"]
CONTRACT = ROOT / "wsdl" / "bank" / "core_banking.wsdl"


def installed() -> bool:
    stamp = VENV / ".installed"
    return (VENV / "bin" / "soap2rest").exists() and stamp.exists() and stamp.read_text() == " ".join(REQUIREMENTS)


def install() -> Path | str:
    """The venv's ``soap2rest`` command, installing it on first use; or why it cannot be had."""
    command, stamp = VENV / "bin" / "soap2rest", VENV / ".installed"
    if installed():
        return command
    print(f"installing {' '.join(REQUIREMENTS)} into {VENV.relative_to(ROOT)} ...", flush=True)
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(VENV)],
        [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", *REQUIREMENTS],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            return f"could not install it ({' '.join(step[-3:])}): {(done.stderr or done.stdout).strip()[-300:]}"
    stamp.write_text(" ".join(REQUIREMENTS))
    return command


def contract_for(address: str, folder: Path) -> Path:
    """A copy of the core-banking contract whose only change is the service address."""
    text = CONTRACT.read_text(encoding="utf-8")
    copy = folder / "core_banking.wsdl"
    copy.write_text(text.replace("http://localhost:8001/corebanking", address), encoding="utf-8")
    return copy


def argv(command: Path, contract: Path, port: int) -> list[str]:
    return [str(command), "--wsdl", str(contract), "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]


def versions() -> str:
    script = "import importlib.metadata as m, sys; print(', '.join(p + ' ' + m.version(p) for p in sys.argv[1:]))"
    packages = ["soap2rest", "anyio", "fastapi", "uvicorn", "uvloop", "httptools", "zeep"]
    done = subprocess.run([str(VENV / "bin" / "python"), "-c", script, *packages], capture_output=True, text=True)
    return done.stdout.strip() or "?"

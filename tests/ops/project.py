"""The shipped bank mapping with traffic keys added, and a bank simulator that counts calls and can fail."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from adapter.demo.simulators import bank
from adapter.settings import Settings
from tests.conftest import BANK_PASSWORD, BANK_USER, ROOT, project_settings

WsgiApp = Callable[..., Iterable[bytes]]
MAIN = "DE89370400440532013000"
SAVINGS = "DE02120300000000202051"


def bank_mapping(
    folder: Path,
    *,
    routes: dict[str, dict[str, Any]] | None = None,
    resilience: dict[str, Any] | None = None,
    limits: list[dict[str, Any]] | None = None,
) -> Path:
    """A folder holding the shipped bank mapping, with keys added to the named routes, the backend and the file."""
    mapping = yaml.safe_load((ROOT / "mappings" / "bank.yaml").read_text(encoding="utf-8"))
    for route in mapping["routes"]:
        route.update((routes or {}).get(route["name"], {}))
    if resilience is not None:
        mapping["backend"]["resilience"] = resilience
    if limits is not None:
        mapping["limits"] = limits
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bank.yaml").write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    return folder


def bank_settings(folder: Path, **overrides: Any) -> Settings:
    return project_settings(**overrides).model_copy(update={"mappings_dir": folder})


class Backend:
    """The bank simulator behind a switch: ``mode`` "ok", "503" (answers 503), or "hang" (holds every call until
    :meth:`release` or 10 s). ``calls`` counts the calls that arrived, by operation (the SOAPAction's last part)."""

    def __init__(self, delay: dict[str, float] | None = None) -> None:
        self.books = bank.BankState()
        self.app = bank.create_app(username=BANK_USER, password=BANK_PASSWORD, state=self.books)
        self.mode = "ok"
        self.delay = delay or {}
        self.calls: Counter[str] = Counter()
        self._released = threading.Event()
        self._lock = threading.Lock()

    def release(self) -> None:
        self._released.set()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        operation = environ.get("HTTP_SOAPACTION", "").strip('"').rpartition("/")[2]
        with self._lock:
            self.calls[operation] += 1
        if self.mode == "hang":
            self._released.wait(timeout=10)
        if self.mode == "503":
            start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", "1")])
            return [b"down for maintenance"]
        time.sleep(self.delay.get(operation, 0))
        return self.app(environ, start_response)

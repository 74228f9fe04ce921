"""Shared fixtures: real simulators on loopback ports and the real facade under uvicorn."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter.api.auth import hash_key
from adapter.app import create_app
from adapter.demo.simulators import bank, erp
from adapter.settings import ApiKey, AuthSettings, Settings
from adapter.testing import serve_asgi, serve_wsgi

ROOT = Path(__file__).resolve().parent.parent
BANK_USER, BANK_PASSWORD = "facade-user", "facade-pass"


@pytest.fixture(autouse=True)
def _no_adapter_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from arguments in tests, never from a developer's shell."""
    for name in list(os.environ):
        if name.startswith("ADAPTER_"):
            monkeypatch.delenv(name)


API_KEY = "test-key-with-every-scope"
CACHE = Path(tempfile.mkdtemp(prefix="adapter-test-cache-"))  # contract models, shared by the session's apps


def project_settings(**overrides: Any) -> Settings:
    """The shipped mappings and contracts, with one API key that grants every scope."""
    overrides.setdefault("auth", AuthSettings(api_keys=[ApiKey(name="tests", hash=hash_key(API_KEY))]))
    overrides.setdefault("mappings_dir", ROOT / "mappings")
    overrides.setdefault("cache_dir", CACHE)
    overrides.setdefault("wsdl_dir", ROOT / "wsdl")
    return Settings(**overrides)


@dataclass
class Stack:
    """A running facade with its simulators."""

    url: str
    client: httpx.Client
    bank_url: str
    erp_url: str
    app: Any = None  # the application object (its state: telemetry, readiness checks)


@contextmanager
def running_stack(
    *,
    bank_app: Callable[..., Any] | None = None,
    env: dict[str, str] | None = None,
    settings: Settings | None = None,
    **app_options: Any,
) -> Iterator[Stack]:
    """Simulators (fresh state) and the facade wired to them; ``env`` overrides the mapping environment;
    ``app_options`` go to :func:`create_app` (``tracing=``, ``metrics=``)."""
    with ExitStack() as stack:
        bank_base = stack.enter_context(
            serve_wsgi(bank_app or bank.create_app(username=BANK_USER, password=BANK_PASSWORD))
        )
        erp_base = stack.enter_context(serve_wsgi(erp.create_app()))
        mapping_env = {
            "BANK_URL": f"{bank_base}/corebanking",
            "BANK_USER": BANK_USER,
            "BANK_PASSWORD": BANK_PASSWORD,
            "ERP_URL": f"{erp_base}/sap/bc/srt/rfc/sap/zsalesorder",
            **(env or {}),
        }
        app = create_app(settings or project_settings(), env=mapping_env, **app_options)
        url = stack.enter_context(serve_asgi(app))
        client = stack.enter_context(httpx.Client(base_url=url, timeout=30, headers={"X-API-Key": API_KEY}))
        yield Stack(url=url, client=client, bank_url=mapping_env["BANK_URL"], erp_url=mapping_env["ERP_URL"], app=app)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """One facade and fresh simulators per test module."""
    with running_stack() as running:
        yield running


@pytest.fixture(scope="module")
def api(stack: Stack) -> httpx.Client:
    return stack.client

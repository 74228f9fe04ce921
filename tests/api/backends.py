"""Backends for the outbound-security tests: a bank-only mapping with a given ``backend`` section, a WSGI wrapper that
records raw requests, and the bank simulator served over TLS. All on loopback."""

from __future__ import annotations

import io
import ssl
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import yaml

from adapter.settings import Settings
from adapter.testing import serve_wsgi
from tests.conftest import ROOT, project_settings

WsgiApp = Callable[..., Iterable[bytes]]


def bank_project(folder: Path, backend: dict[str, Any], **settings: Any) -> Settings:
    """Settings for a project holding only the shipped bank mapping, its ``backend`` section replaced."""
    mapping = yaml.safe_load((ROOT / "mappings" / "bank.yaml").read_text(encoding="utf-8"))
    mapping["backend"] = backend
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bank.yaml").write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    return project_settings(**settings).model_copy(update={"mappings_dir": folder})


class Recorder:
    """WSGI middleware: keeps every request body, then lets ``app`` answer."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.bodies: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.bodies.append(body)
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def serve_wsgi_tls(app: WsgiApp, context: ssl.SSLContext) -> AbstractContextManager[str]:
    """Serve ``app`` over HTTPS on 127.0.0.1; yields ``https://127.0.0.1:PORT``."""
    return serve_wsgi(app, tls=context)

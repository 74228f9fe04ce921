"""``adapter serve --reload``: an edited mapping is served without a restart; a broken edit keeps the last good one."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from adapter.app import create_app
from adapter.settings import AuthSettings, Settings
from adapter.testing import serve_asgi
from adapter.tooling.reload import ReloadingApp, project_stamps

ROOT = Path(__file__).resolve().parents[2]
MAPPING = """\
version: 1
contract: {{wsdl: bank/core_banking.wsdl}}
backend: {{url: "http://127.0.0.1:1/corebanking"}}
routes:
  - {{method: GET, path: "{path}", operation: {operation}, request: {{IBAN: path.iban}}}}
"""


def write(file: Path, path: str, operation: str = "GetBalance") -> None:
    """Replace the file in one step, content and mtime together: a poll between writing and dating it would see
    the new content under the old stamp, and reload once more when the stamp changes."""
    draft = file.with_suffix(".draft")
    draft.write_text(MAPPING.format(path=path, operation=operation))
    later = time.time() + 2  # a new mtime even on coarse file systems
    os.utime(draft, (later, later))
    os.replace(draft, file)


def eventually(condition: Callable[[], bool], timeout: float = 60) -> None:
    """Wait for a condition: returns as soon as it holds; the generous limit only ends a test that would hang."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_edits_are_served_and_a_broken_edit_keeps_the_last_good_mappings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mapping = tmp_path / "bank.yaml"
    write(mapping, "/v1/one/{iban}")
    settings = Settings(mappings_dir=tmp_path, wsdl_dir=ROOT / "wsdl", auth=AuthSettings(required=False))
    app = ReloadingApp(lambda: create_app(settings, env={}), lambda: project_stamps(settings), interval=0.05, grace=0)

    def paths(client: httpx.Client) -> set[str]:
        return set(client.get("/openapi.json").json()["paths"])

    caplog.set_level(logging.INFO, logger="adapter.reload")
    with serve_asgi(app) as url, httpx.Client(base_url=url) as client:
        assert "/v1/one/{iban}" in paths(client)
        write(mapping, "/v1/two/{iban}")
        eventually(lambda: "/v1/two/{iban}" in paths(client))
        assert client.get("/v1/one/DE89370400440532013000").status_code == 404
        assert client.get("/v1/two/DE89370400440532013000").status_code == 502  # routed; the backend is down
        write(mapping, "/v1/three/{iban}", operation="GetBalanse")
        eventually(lambda: "mappings not reloaded" in caplog.text)
        assert f"{mapping}:5:" in caplog.text and "did you mean 'GetBalance'?" in caplog.text
        assert "/v1/two/{iban}" in paths(client)
        write(mapping, "/v1/three/{iban}")
        eventually(lambda: "/v1/three/{iban}" in paths(client))
    assert app.generation == 3

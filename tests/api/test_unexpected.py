"""An unexpected exception: one 500 problem, logged once, on a mapped route's path and on the adapter's own."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from adapter.app import create_app
from adapter.testing import serve_asgi
from tests.conftest import API_KEY, project_settings


async def broken(request: Request) -> Response:
    raise RuntimeError("a bug, with /srv/secret/path in its message")


def test_an_unexpected_error_is_one_problem_and_one_log_record(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="adapter")
    nowhere = {"BANK_URL": "http://127.0.0.1:9/x", "ERP_URL": "http://127.0.0.1:9/y"}
    nowhere |= {"BANK_USER": "u", "BANK_PASSWORD": "p"}
    app = create_app(project_settings(), env=nowhere)  # no backend is called
    app.add_route("/broken", broken, methods=["GET"])  # not a mapped route: FastAPI's router serves it
    with serve_asgi(app) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as client:
        response = client.get("/broken", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["status"], body["requestId"]) == (500, "boom-1")
    assert "secret" not in response.text and "RuntimeError" not in response.text
    logged = [r for r in caplog.records if r.getMessage() == "unexpected error"]
    assert len(logged) == 1  # handled once, though FastAPI's stack has an error middleware of its own

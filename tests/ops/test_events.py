"""What the operations layer reports for metrics: events on the application's ``state.ops.events``, breaker states
and a store check, on the real facade."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from adapter.app import create_app
from adapter.ops.events import Event
from adapter.testing import serve_asgi, serve_wsgi
from tests.conftest import API_KEY, BANK_PASSWORD, BANK_USER
from tests.ops.project import MAIN, Backend, bank_mapping, bank_settings


def test_cache_and_rate_limit_events_and_the_breaker_summary(tmp_path: Path) -> None:
    backend = Backend()
    routes = {"getAccount": {"cache": {"ttl": 60}, "limits": [{"rate": "2/minute", "name": "tiny"}]}}
    with serve_wsgi(backend) as bank_url:
        env = {"BANK_URL": bank_url + "/corebanking", "BANK_USER": BANK_USER, "BANK_PASSWORD": BANK_PASSWORD}
        app = create_app(bank_settings(bank_mapping(tmp_path, routes=routes)), env=env)
        seen: list[Event] = []
        app.state.ops.events.subscribe(seen.append)
        assert app.state.ops.breakers() == {"bank": "closed"}
        asyncio.run(app.state.ops.ping())
        with serve_asgi(app) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as client:
            assert [client.get(f"/v1/accounts/{MAIN}").status_code for _ in range(3)] == [200, 200, 429]
    assert [(e.kind, e.subject, e.outcome) for e in seen] == [
        ("cache", "bank/getAccount", "miss"),
        ("cache", "bank/getAccount", "stored"),
        ("cache", "bank/getAccount", "hit"),
        ("rate-limited", "bank/getAccount", "tiny"),
    ]

"""Metric updates made in the event loop are applied when its iteration ends (adapter.observability.metrics)."""

from __future__ import annotations

import asyncio

from adapter.observability.metrics import AfterIteration, Metrics


def test_updates_in_a_loop_wait_for_the_end_of_its_iteration_and_a_scrape_runs_them_first() -> None:
    later = AfterIteration()
    applied: list[int] = []
    seen: list[list[int]] = []

    async def serve() -> None:
        later.add(applied.append, 1)
        later.add(applied.append, 2)
        seen.append(list(applied))  # not yet
        await asyncio.sleep(0)
        seen.append(list(applied))  # the iteration ended
        later.add(applied.append, 3)
        later.run()  # what a scrape does first
        seen.append(list(applied))

    asyncio.run(serve())
    later.add(applied.append, 4)  # no loop: at once
    assert seen == [[], [1, 2], [1, 2, 3]]
    assert applied == [1, 2, 3, 4]


def test_a_scrape_counts_the_requests_answered_in_the_same_iteration() -> None:
    metrics = Metrics()

    async def serve() -> bytes:
        metrics.request_started()
        metrics.request_finished("getBalance", "GET", 200, 0.01)
        metrics.backend_call("bank", "GetBalance", "ok", 0.005)
        metrics.later.run()
        return metrics.exposition("")[0]

    text = asyncio.run(serve()).decode()
    assert 'adapter_http_requests_total{method="GET",route="getBalance",status="200"} 1.0' in text
    assert 'adapter_backend_requests_total{backend="bank",operation="GetBalance",outcome="ok"} 1.0' in text
    assert "adapter_http_requests_in_flight 0.0" in text

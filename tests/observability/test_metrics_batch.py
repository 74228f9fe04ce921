"""Work gathered in the event loop is handed over when its turn ends (adapter.deferred), as the metrics use it."""

from __future__ import annotations

import asyncio

from adapter.deferred import EndOfTurn
from adapter.observability.metrics import Metrics


def test_items_in_a_loop_wait_for_the_end_of_its_turn_and_a_scrape_hands_them_over_first() -> None:
    batches: list[list[int]] = []
    later = EndOfTurn(batches.append)
    seen: list[list[list[int]]] = []

    async def serve() -> None:
        later.add(1)
        later.add(2)
        seen.append(list(batches))  # not yet
        await asyncio.sleep(0)
        seen.append(list(batches))  # the turn ended: both together
        later.add(3)
        later.run()  # what a scrape does first
        seen.append(list(batches))

    asyncio.run(serve())
    later.add(4)  # no loop: at once
    assert seen == [[], [[1, 2]], [[1, 2], [3]]]
    assert batches == [[1, 2], [3], [4]]


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

"""Assertions on problem+json responses."""

from __future__ import annotations

from typing import Any

import httpx

LEAK_MARKERS = ("Traceback", "zeep", "spyne", "lxml", "/work/", ".py", "<soap", "Envelope", "Fault(")


def assert_problem(response: httpx.Response, status: int, problem_type: str) -> dict[str, Any]:
    """The response is RFC 9457 problem+json with ``status`` and ``type``, a request id, and no internals."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == f"urn:soap-adapter:problem:{problem_type}"
    assert body["title"]
    assert body["requestId"] == response.headers["x-request-id"]
    for marker in LEAK_MARKERS:
        assert marker not in response.text, f"{marker!r} leaked into {response.text}"
    return body

"""``/docs`` and ``/redoc`` render in a real browser with no internet: every script, style and image comes from the
adapter on 127.0.0.1 (Chromium resolves no other host), and the mapped operations are on the page."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx

from tests.browser import Page, open_page
from tests.conftest import Stack

LOCAL_SCHEMES = ("data", "blob", "about")


def assert_all_local(page: Page, base: str) -> None:
    origin = urlsplit(base).netloc
    sent = page.sent()
    outside = [url for url in sent if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).netloc != origin]
    assert not outside, f"requests that left the machine: {outside}"
    assert sent, "no request was recorded"


def test_swagger_ui_renders_every_operation_offline(stack: Stack, api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    expected = {(method, path) for path, ops in document["paths"].items() for method in ops}
    operations = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}

    async def render() -> tuple[set[tuple[str, str]], set[str], Page]:
        async with open_page(stack.url + "/docs") as page:
            count = len(expected)
            await page.wait_for(f"document.querySelectorAll('.opblock').length >= {count}")
            rows = await page.evaluate(
                "Array.from(document.querySelectorAll('.opblock')).map(b => ["
                "b.querySelector('.opblock-summary-method').textContent.toLowerCase(),"
                "b.querySelector('.opblock-summary-path').getAttribute('data-path')])"
            )
            ids = await page.evaluate(
                "Array.from(document.querySelectorAll('.opblock-summary-operation-id')).map(e => e.textContent)"
            )
            return {(method, path) for method, path in rows}, set(ids), page

    rendered, operation_ids, page = asyncio.run(render())
    assert rendered == expected
    assert operation_ids == operations and "getBalance" in operations
    assert_all_local(page, stack.url)
    assert any(url.endswith("/docs/assets/swagger-ui-bundle.js") for url in page.requests)


def test_redoc_renders_offline(stack: Stack, api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    summaries = {op["summary"] for ops in document["paths"].values() for op in ops.values() if "summary" in op}

    async def render() -> tuple[str, Page]:
        async with open_page(stack.url + "/redoc") as page:
            await page.wait_for("document.querySelectorAll('[data-section-id^=\"operation/\"]').length > 0")
            text = await page.evaluate("document.body.innerText")
            return str(text), page

    text, page = asyncio.run(render())
    assert all(summary in text for summary in summaries), [s for s in summaries if s not in text]
    assert_all_local(page, stack.url)
    # ReDoc 2 shows a logo from its CDN: the page's Content-Security-Policy refuses it before it is sent.
    assert all(urlsplit(url).netloc != urlsplit(stack.url).netloc for url in page.refused)

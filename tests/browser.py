"""Headless Chromium driven over the DevTools protocol (a websocket; aiohttp is already a dependency), offline.

Every host but 127.0.0.1 resolves to nothing (``--host-resolver-rules``), so a page that needs the internet fails to
render, and every request the page makes is recorded, so a test can show that none left the machine.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",  # run as root in CI
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-port=0",
    "--window-size=1280,1600",
)
STARTUP = 60.0  # seconds: generous, a loaded 2-core machine starts Chromium slowly


def chromium() -> str:
    """The Chromium binary; skips the test where there is none (``make test`` installs it as root), fails in CI."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "chromium is not installed (make test installs it as root: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


class Page:
    """One tab: commands in, events recorded."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, session: str) -> None:
        self.ws = ws
        self.session = session
        self.requests: list[str] = []  # every URL the page asked for
        self.refused: list[str] = []  # of those, the ones the browser refused before sending (the page's CSP)
        self._urls: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = future
        await self.ws.send_json({"id": ident, "method": method, "params": params, "sessionId": self.session})
        return await asyncio.wait_for(future, STARTUP)

    async def evaluate(self, expression: str) -> Any:
        reply = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return reply["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = STARTUP) -> Any:
        """Poll ``expression`` until it is truthy: an event of the page, not a guess at how long rendering takes."""
        async with asyncio.timeout(timeout):
            while not (value := await self.evaluate(expression)):
                await asyncio.sleep(0.2)
        return value

    async def _read(self) -> None:
        async for message in self.ws:
            data = message.json()
            if "id" in data and data["id"] in self._waiting:
                self._waiting.pop(data["id"]).set_result(data.get("result", {}))
            elif data.get("method") == "Network.requestWillBeSent":
                self._urls[data["params"]["requestId"]] = data["params"]["request"]["url"]
                self.requests.append(data["params"]["request"]["url"])
            elif data.get("method") == "Network.loadingFailed" and data["params"].get("blockedReason") == "csp":
                self.refused.append(self._urls.get(data["params"]["requestId"], "?"))

    def sent(self) -> list[str]:
        """The URLs the page really asked the network for: every request less those the browser refused."""
        left = Counter(self.refused)
        sent = []
        for url in self.requests:
            if left[url]:
                left[url] -= 1
            else:
                sent.append(url)
        return sent


@asynccontextmanager
async def open_page(url: str) -> AsyncIterator[Page]:
    """Start Chromium with an empty profile, open ``url`` in a tab that records its requests, and stop it after."""
    binary = chromium()
    # Chromium's helper processes may still write to the profile after the browser exits: a leftover temp folder is
    # no test failure.
    with tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            endpoint = await _devtools_endpoint(Path(profile), process)
            async with aiohttp.ClientSession() as http, http.ws_connect(endpoint, max_msg_size=0) as ws:
                page = await _attach(ws)
                await page.send("Network.enable")
                await page.send("Page.enable")
                await page.send("Page.navigate", url=url)
                yield page
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _devtools_endpoint(profile: Path, process: subprocess.Popen[bytes]) -> str:
    """Chromium writes its DevTools port to the profile's DevToolsActivePort file once it listens."""
    marker = profile / "DevToolsActivePort"
    async with asyncio.timeout(STARTUP):
        while not marker.exists() or len(marker.read_text().splitlines()) < 2:
            if process.poll() is not None:
                raise RuntimeError(f"chromium exited with {process.returncode}")
            await asyncio.sleep(0.1)
    port, path = marker.read_text().splitlines()[:2]
    return f"ws://127.0.0.1:{port}{path}"


async def _attach(ws: aiohttp.ClientWebSocketResponse) -> Page:
    """A new tab, attached in flat mode: its commands and events travel on the browser's socket with a sessionId."""
    await ws.send_json({"id": 1, "method": "Target.createTarget", "params": {"url": "about:blank"}})
    target = await _reply(ws, 1)
    await ws.send_json(
        {"id": 2, "method": "Target.attachToTarget", "params": {"targetId": target["targetId"], "flatten": True}}
    )
    attached = await _reply(ws, 2)
    return Page(ws, attached["sessionId"])


async def _reply(ws: aiohttp.ClientWebSocketResponse, ident: int) -> dict[str, Any]:
    async with asyncio.timeout(STARTUP):
        while True:
            data = await ws.receive_json()
            if data.get("id") == ident:
                if "error" in data:
                    raise RuntimeError(data["error"])
                result: dict[str, Any] = data["result"]
                return result

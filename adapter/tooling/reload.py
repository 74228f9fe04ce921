"""``adapter serve --reload``: the facade rebuilt whenever a mapping or contract file changes, without a restart.

The ASGI app below serves one generation of the facade at a time. A poller (every ``interval`` seconds; stat calls
only, no extra dependency) rebuilds the facade in a worker thread when a watched file changes. A build that fails
is logged problem by problem (``file:line:column: message``) and the previous generation keeps serving; a good one
replaces it in one reference swap, and the old generation is shut down once its in-flight requests had time to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from pathlib import Path
from typing import Any

from adapter.exceptions import AdapterError, MappingErrors

log = logging.getLogger("adapter.reload")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Stamps = dict[Path, tuple[int, int]]


def stamps(folders: Iterable[tuple[Path, tuple[str, ...]]]) -> Stamps:
    """Modification time and size of every file with one of the suffixes under each folder."""
    found: Stamps = {}
    for folder, suffixes in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.suffix in suffixes and path.is_file():
                stat = path.stat()
                found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


class ReloadingApp:
    """An ASGI app that serves what ``build()`` returns and builds again when ``watch()`` changes.

    ``build`` returns a Starlette/FastAPI app (its lifespan is run here); it raises :class:`AdapterError` for a
    broken project. ``grace`` is how long an old generation stays up for the requests it is still answering.
    """

    def __init__(
        self,
        build: Callable[[], Any],
        watch: Callable[[], Stamps],
        *,
        interval: float = 1.0,
        grace: float = 30.0,
    ) -> None:
        self.build = build
        self.watch = watch
        self.interval = interval
        self.grace = grace
        self.app = build()  # fail fast: the first build must succeed
        self.generation = 1
        self._seen = watch()
        self._lifespans: dict[int, contextlib.AsyncExitStack] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        else:
            await self.app(scope, receive, send)

    async def check(self) -> bool:
        """Rebuild if a watched file changed; whether the facade was replaced."""
        current = await asyncio.to_thread(self.watch)
        if current == self._seen:
            return False
        self._seen = current
        try:
            app = await asyncio.to_thread(self.build)
        except MappingErrors as exc:
            for error in exc.errors:
                log.error("%s", error.detail)
            log.error("mappings not reloaded: %d problem(s); still serving the previous ones", len(exc.errors))
            return False
        except AdapterError as exc:
            log.error("mappings not reloaded: %s; still serving the previous ones", exc.detail)
            return False
        await self._start(app)
        old, self.app = self.app, app
        self.generation += 1
        log.info("mappings reloaded (generation %d)", self.generation)
        self._spawn(self._retire(old))
        return True

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self._start(self.app)
                self._spawn(self._poll())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in list(self._tasks):
                    task.cancel()
                for stack in list(self._lifespans.values()):
                    await stack.aclose()
                self._lifespans.clear()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _start(self, app: Any) -> None:
        stack = contextlib.AsyncExitStack()
        lifespan = getattr(getattr(app, "router", None), "lifespan_context", None)
        if lifespan is not None:
            await stack.enter_async_context(lifespan(app))
        self._lifespans[id(app)] = stack

    async def _retire(self, app: Any) -> None:
        await asyncio.sleep(self.grace)
        stack = self._lifespans.pop(id(app), None)
        if stack is not None:
            await stack.aclose()

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:  # the poller must outlive any surprise; the facade keeps serving
                log.exception("reload failed; still serving the previous mappings")

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def project_stamps(settings: Any) -> Stamps:
    """What ``serve --reload`` watches: mapping files and contracts (with their imported schemas)."""
    return stamps([(settings.mappings_dir, (".yaml", ".yml")), (settings.wsdl_dir, (".wsdl", ".xsd", ".xml"))])

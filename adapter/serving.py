"""How ``adapter serve`` runs the application: in this process, or as a supervisor of ``--workers N`` processes.

With workers, this process validates the project (so that a broken mapping stops here, with its problems listed,
instead of in every worker), binds the socket, and hands it to uvicorn's supervisor, which spawns each worker with
the import string :func:`worker_app`: every worker builds its own application from the settings in the environment
(the options given on the command line are put there first). Metrics use prometheus-client's multiprocess mode in
``PROMETHEUS_MULTIPROC_DIR`` (a fresh temporary folder unless the operator names one), so any worker's ``/metrics``
and the supervisor's metrics port count every worker.

Shutdown: on SIGTERM or SIGINT uvicorn stops accepting, lets in-flight requests finish for ``shutdown_timeout``
seconds, then cancels what is left; the supervisor does the same for each worker, then exits.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from prometheus_client.multiprocess import mark_process_dead
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from adapter import logs
from adapter.app import create_app
from adapter.exceptions import AdapterError
from adapter.observability import Metrics
from adapter.observability.metrics import MULTIPROC_ENV, multiprocess_registry, serve_metrics
from adapter.settings import Settings

WORKER_APP = "adapter.serving:worker_app"


def serve(settings: Settings, *, reload: bool = False, reload_interval: float = 1.0) -> None:
    """Serve until a signal. Raises :class:`adapter.exceptions.AdapterError` (:class:`MappingErrors` for a project
    that does not load) before serving anything."""
    if settings.workers > 1:
        _serve_workers(settings)
    else:
        _serve_here(settings, reload=reload, reload_interval=reload_interval)


def _serve_here(settings: Settings, *, reload: bool, reload_interval: float) -> None:
    metrics = Metrics() if settings.metrics.enabled else None  # one registry for every --reload generation
    app: Any
    if reload:
        from adapter.tooling.reload import ReloadingApp, project_stamps

        build = lambda: create_app(settings, metrics=metrics)  # noqa: E731
        app = ReloadingApp(build, lambda: project_stamps(settings), interval=reload_interval)
    else:
        app = create_app(settings, metrics=metrics)
    if metrics is not None and settings.metrics.port is not None:
        serve_metrics(metrics.registry, settings.metrics.host or settings.host, settings.metrics.port)
    _settle()
    uvicorn.run(app, **_uvicorn_options(settings))


# The youngest generation is collected after this many allocations (CPython's default: 700). A request allocates a
# few thousand objects (the reply's tree, its decoded values, the JSON document) that reference counting frees when
# it ends; collected every 700, the ones still in flight are walked again and again. At 20,000, collections of
# the youngest generation are rarer by about 30x, and what they may hold back is a few MB of objects in cycles
# (`make bench`: 20-30 µs of CPU less per balance request; the RSS soak stays flat).
YOUNG_GENERATION_THRESHOLD = 20_000


def _settle() -> None:
    """What start-up built (contract models, compiled mappings, libraries) lives as long as the process: moved out
    of the garbage collector's generations, so that its collections walk only what requests allocate; and the
    youngest generation collected less often (:data:`YOUNG_GENERATION_THRESHOLD`)."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)


def _serve_workers(settings: Settings) -> None:
    checked = create_app(settings)  # validate here, once: every problem of every file, and the exit code
    checked.state.telemetry.tracing.shutdown()  # this one never serves
    os.environ.update({"ADAPTER_MAPPINGS_DIR": str(settings.mappings_dir), "ADAPTER_WSDL_DIR": str(settings.wsdl_dir)})
    with _multiprocess_dir() as folder:
        config = uvicorn.Config(WORKER_APP, factory=True, workers=settings.workers, **_uvicorn_options(settings))
        sock = config.bind_socket()
        if settings.metrics.enabled and settings.metrics.port is not None:
            registry = multiprocess_registry(folder)
            serve_metrics(registry, settings.metrics.host or settings.host, settings.metrics.port)
        Multiprocess(config, sockets=[sock]).run()


def worker_app() -> FastAPI:
    """The application of one worker (uvicorn's factory): settings from ``ADAPTER_*``, mappings from
    ``ADAPTER_MAPPINGS_DIR``, ``${VAR}`` from the environment."""
    settings = Settings()
    logs.configure(settings.log_level)
    try:
        app = create_app(settings)
    except AdapterError as exc:  # changed since the supervisor checked it: stop, rather than be restarted forever
        print(exc.detail, file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    serve_app = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[None]:
        async with serve_app(served):
            yield
        # This worker's live gauges (requests in flight, breaker states) leave the sums. Not at exit: uvicorn ends a
        # worker by raising SIGTERM again once it has shut down, and atexit handlers do not run then.
        mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

    app.router.lifespan_context = lifespan
    _settle()
    return app


@contextmanager
def _multiprocess_dir() -> Iterator[str]:
    """The folder of every worker's metric files: the operator's (emptied of a previous run's files), or a new
    temporary one, removed at the end."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        for stale in Path(given).glob("*.db"):  # prometheus-client: the folder must be wiped between runs
            stale.unlink()
        yield given
        return
    folder = tempfile.mkdtemp(prefix="adapter-metrics-")
    os.environ[MULTIPROC_ENV] = folder  # inherited by the spawned workers before they import prometheus-client
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(MULTIPROC_ENV, None)


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,  # the adapter writes its own (adapter.asgi.access), with masking
        "timeout_graceful_shutdown": settings.shutdown_timeout,
    }


__all__ = ["WORKER_APP", "serve", "worker_app"]

"""The processes under test, each started as ``python -m bench.peers ROLE ...`` by :mod:`bench.procs`.

    facade  ARGS...             ``adapter serve ARGS...`` itself (adapter.cli), recording the uvicorn options it uses
    empty   PORT                an empty FastAPI endpoint, ``GET /empty``
    naive   PORT BANK_URL       FastAPI + zeep.AsyncClient, as a first attempt would write it
    handwritten-aiohttp|handwritten-httpx PORT BANK_URL    :mod:`bench.handwritten`

Everything but the facade is served by :func:`serve_like_facade`: uvicorn with the options ``adapter serve`` passed
to uvicorn in this run (read from ``BENCH_UVICORN_OPTIONS``), so that a change of the facade's server stack (loop,
HTTP parser, keep-alive, logging) is applied to every peer too and the comparison stays about the bridges.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import Query  # here, not in naive_bridge: FastAPI resolves the handlers' annotations in this module

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "wsdl" / "bank" / "core_banking.wsdl"
BINDING = "{http://example.com/bank/corebanking/v1}CoreBankingSoapBinding"
BANK_USER, BANK_PASSWORD = "bench-user", "bench-pass"
OPTIONS_ENV = "BENCH_UVICORN_OPTIONS"  # JSON: the options `adapter serve` gave uvicorn.Config
_NOT_COPIED = {"host", "port", "uds", "fd", "workers", "reload", "reload_dirs", "factory", "app"}


def record_uvicorn_options(path: Path) -> None:
    """Make uvicorn.Config write the keyword options it is built with, where they are not uvicorn's defaults, to
    ``path`` (JSON values only)."""
    import inspect

    import uvicorn.config

    original = uvicorn.config.Config.__init__
    defaults = {name: p.default for name, p in inspect.signature(original).parameters.items()}

    def recording(self: Any, app: Any, *args: Any, **kwargs: Any) -> None:
        chosen = {
            k: v for k, v in kwargs.items() if k not in _NOT_COPIED and v != defaults.get(k, inspect.Parameter.empty)
        }
        plain = {k: v for k, v in chosen.items() if _is_json(v)}
        path.write_text(json.dumps(plain))
        original(self, app, *args, **kwargs)

    uvicorn.config.Config.__init__ = recording  # type: ignore[method-assign]


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def serve_like_facade(app: Any, port: int) -> None:
    import uvicorn

    options = json.loads(os.environ.get(OPTIONS_ENV) or '{"log_level": "warning", "access_log": false}')
    uvicorn.run(app, host="127.0.0.1", port=port, **options)


def empty_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/empty")
    async def empty() -> dict[str, str]:
        return {"status": "ok"}

    return app


def naive_bridge(address: str) -> Any:
    """The baseline: FastAPI + zeep.AsyncClient as a first attempt would write it (client built once at start-up)."""
    import zeep
    from fastapi import FastAPI
    from fastapi.encoders import jsonable_encoder
    from zeep.helpers import serialize_object
    from zeep.proxy import AsyncServiceProxy
    from zeep.wsse.username import UsernameToken

    services: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        client = zeep.AsyncClient(str(CONTRACT), wsse=UsernameToken(BANK_USER, BANK_PASSWORD))
        # zeep 4.3.3's AsyncClient.create_service returns a *sync* ServiceProxy; build the async one directly.
        services["bank"] = AsyncServiceProxy(client, client.wsdl.bindings[BINDING], address=address)
        yield
        await client.transport.aclose()

    app = FastAPI(lifespan=lifespan)

    def plain(result: Any) -> Any:
        return jsonable_encoder(serialize_object(result), custom_encoder={Decimal: str})

    @app.get("/v1/accounts/{iban}/balance")
    async def balance(iban: str) -> Any:
        return plain(await services["bank"].GetBalance(IBAN=iban))

    @app.get("/v1/accounts/{iban}/transactions")
    async def statement(
        iban: str,
        start: Annotated[date, Query(alias="from")],
        end: Annotated[date, Query(alias="to")],
        page: int = 1,
        pageSize: int = 25,  # noqa: N803 - the query parameter's name
    ) -> Any:
        call = services["bank"].GetStatement
        return plain(await call(IBAN=iban, FromDate=start, ToDate=end, PageNumber=page, PageSize=pageSize))

    return app


def main(argv: list[str]) -> None:
    role, rest = argv[0], argv[1:]
    if role == "facade":  # rest: the `adapter` command line, e.g. serve --port 8000
        record_uvicorn_options(Path(os.environ["BENCH_OPTIONS_FILE"]))
        from adapter.cli import main as adapter

        adapter(rest)
        return
    port = int(rest[0])
    if role == "empty":
        serve_like_facade(empty_app(), port)
    elif role == "naive":
        serve_like_facade(naive_bridge(rest[1]), port)
    elif role.startswith("handwritten-"):
        from bench.handwritten import create_app

        app = create_app(rest[1], BANK_USER, BANK_PASSWORD, client=role.removeprefix("handwritten-"))
        serve_like_facade(app, port)
    else:
        raise SystemExit(f"unknown role {role!r}")


if __name__ == "__main__":
    main(sys.argv[1:])

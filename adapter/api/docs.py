"""The documentation pages: Swagger UI at ``/docs``, ReDoc at ``/redoc``, both over ``/openapi.json``.

Their scripts and styles are served from the package, never from a CDN, so the pages work without internet (an
adapter often runs where only its backends are reachable). The files are the ones the ``fastapi-offline`` wheel keeps
current (swagger-ui-dist, Apache-2.0; ReDoc, MIT; the wheel itself MIT); only its files are used, not its code. Every
documentation path follows one setting, ``ADAPTER_DOCS``: public, protected (credentials like any route) or off.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from adapter.exceptions import ConfigError

OPENAPI = "/openapi.json"
SWAGGER = "/docs"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
REDOC = "/redoc"
ASSETS = "/docs/assets/"
_MEDIA = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
_ASSET_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
# The online validator badge would make Swagger UI send the document to validator.swagger.io.
_SWAGGER_PARAMETERS = {"validatorUrl": None, "deepLinking": True, "displayOperationId": True}
# The pages may load nothing from elsewhere, whatever a newer Swagger UI or ReDoc build would like to (ReDoc 2 shows a
# logo from cdn.redoc.ly): the browser refuses it before any request leaves. Both pages start with an inline script;
# ReDoc runs its search in a blob: worker.
_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def paths() -> list[str]:
    """Every documentation path: the pages, the document and each asset."""
    return [OPENAPI, SWAGGER, OAUTH2_REDIRECT, REDOC, *(ASSETS + name for name in _ASSET_FILES)]


def public_paths(docs: str, configured: Iterable[str]) -> list[str]:
    """The public paths: the configured ones, and the documentation paths when ``docs`` is public. A documentation
    path in ``ADAPTER_AUTH__PUBLIC_PATHS`` is refused, so that one setting decides for all of them."""
    configured = list(configured)
    listed = sorted(set(configured) & {*paths(), ASSETS.rstrip("/")})
    if listed:
        raise ConfigError(
            f"ADAPTER_AUTH__PUBLIC_PATHS lists {', '.join(listed)}: documentation paths follow ADAPTER_DOCS "
            "(public, protected or off), all together; remove them from the list"
        )
    return [*configured, *(paths() if docs == "public" else [])]


def routes(schema: dict[str, Any], title: str, docs: str) -> list[BaseRoute]:
    """The documentation routes (none when ``docs`` is off)."""
    if docs == "off":
        return []
    folder = _assets()
    found: list[BaseRoute] = [
        Route(OPENAPI, _document(schema), methods=["GET"], include_in_schema=False),
        Route(SWAGGER, _swagger(title), methods=["GET"], include_in_schema=False),
        Route(OAUTH2_REDIRECT, _oauth2_redirect, methods=["GET"], include_in_schema=False),
        Route(REDOC, _redoc(title), methods=["GET"], include_in_schema=False),
    ]
    found.extend(Route(ASSETS + name, _asset(folder / name), methods=["GET"]) for name in _ASSET_FILES)
    return found


def _assets() -> Path:
    # fastapi-offline is installed unpacked: its static folder is a real directory.
    folder = Path(str(files("fastapi_offline").joinpath("static")))
    missing = [name for name in _ASSET_FILES if not (folder / name).is_file()]
    if missing:
        raise ConfigError(f"the documentation assets {', '.join(missing)} are missing from {folder}")
    return folder


def _document(schema: dict[str, Any]) -> Any:
    async def endpoint(_: Request) -> Response:
        return JSONResponse(schema)

    return endpoint


def _swagger(title: str) -> Any:
    async def endpoint(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=root + OPENAPI,
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS}swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}favicon.png",
            oauth2_redirect_url=root + OAUTH2_REDIRECT,
            swagger_ui_parameters=_SWAGGER_PARAMETERS,
        )
        return _confined(page)

    return endpoint


async def _oauth2_redirect(_: Request) -> Response:
    return _confined(get_swagger_ui_oauth2_redirect_html())


def _confined(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = _CSP
    page.headers["X-Content-Type-Options"] = "nosniff"
    return page


def _redoc(title: str) -> Any:
    async def endpoint(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=root + OPENAPI,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS}redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}favicon.png",
            with_google_fonts=False,  # fonts.googleapis.com: the system fonts do
        )
        return _confined(page)

    return endpoint


def _asset(file: Path) -> Any:
    media = _MEDIA[file.suffix]

    async def endpoint(_: Request) -> Response:
        return FileResponse(file, media_type=media, headers={"Cache-Control": "public, max-age=86400"})

    return endpoint


__all__ = ["paths", "public_paths", "routes"]

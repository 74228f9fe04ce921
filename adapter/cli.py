"""The ``adapter`` command: serve · demo · check · schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import uvicorn

from adapter import __version__
from adapter.exceptions import MappingErrors
from adapter.settings import Settings


def _settings(**overrides: object) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]


def _fail(exc: MappingErrors) -> None:
    for error in exc.errors:
        click.echo(error.detail, err=True)
    click.echo(f"{len(exc.errors)} problem(s) found", err=True)
    sys.exit(exc.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="adapter")
def main() -> None:
    """A JSON/REST facade over legacy SOAP services, driven by mapping files.

    Settings come from ADAPTER_* environment variables (e.g. ADAPTER_MAPPINGS_DIR, ADAPTER_PORT);
    options given here win.
    """


@main.command()
@click.option("--host", help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8000).")
@click.option("--mappings", "mappings_dir", type=click.Path(path_type=Path), help="Folder of mapping files.")
@click.option("--wsdl", "wsdl_dir", type=click.Path(path_type=Path), help="Folder of contracts.")
def serve(host: str | None, port: int | None, mappings_dir: Path | None, wsdl_dir: Path | None) -> None:
    """Serve the JSON facade for every mapping file."""
    from adapter.api import create_app

    settings = _settings(host=host, port=port, mappings_dir=mappings_dir, wsdl_dir=wsdl_dir)
    try:
        app = create_app(settings)
    except MappingErrors as exc:
        _fail(exc)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level)


@main.command()
@click.option("--port", type=int, default=8000, show_default=True, help="Port of the JSON facade.")
@click.option(
    "--bank-port",
    type=int,
    default=8001,
    show_default=True,
    help="Port of the core-banking simulator.",
)
@click.option("--erp-port", type=int, default=8002, show_default=True, help="Port of the ERP simulator.")
def demo(port: int, bank_port: int, erp_port: int) -> None:
    """Run the legacy simulators and the facade wired to them."""
    from adapter.demo import DemoPorts, run

    try:
        run(_settings(), DemoPorts(facade=port, bank=bank_port, erp=erp_port))
    except MappingErrors as exc:
        _fail(exc)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--wsdl", "wsdl_dir", type=click.Path(path_type=Path), help="Folder of contracts.")
def check(files: tuple[Path, ...], wsdl_dir: Path | None) -> None:
    """Check mapping files against the schema and their contracts (all of mappings/ by default)."""
    from adapter.project import load_binding, mapping_files

    settings = _settings(wsdl_dir=wsdl_dir)
    targets = list(files) or mapping_files(settings.mappings_dir)
    problems = []
    for file in targets:
        try:
            binding = load_binding(file, settings.wsdl_dir, env=None)
            click.echo(f"{file}: ok ({len(binding.mapping.routes)} routes)")
        except MappingErrors as exc:
            problems.extend(exc.errors)
    if problems:
        _fail(MappingErrors(problems))


@main.command()
def schema() -> None:
    """Print the JSON Schema of mapping files (for editors: see the README)."""
    from adapter.mapping.model import json_schema

    click.echo(json.dumps(json_schema(), indent=2))

"""The ``adapter`` command: serve · demo · check · schema, and the integrator commands inspect · scaffold · try ·
test (:mod:`adapter.tooling.commands`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import uvicorn

from adapter import __version__
from adapter.exceptions import MappingError, MappingErrors
from adapter.logs import configure as configure_logging
from adapter.settings import Settings

if TYPE_CHECKING:  # adapter.project imports zeep: loaded by the commands that need it, so that --help stays quick
    from adapter.project import Project


def _settings(**overrides: object) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]


def _fail(exc: MappingErrors, exit_code: int | None = None) -> None:
    for error in exc.errors:
        click.echo(error.detail, err=True)
    click.echo(f"{len(exc.errors)} problem(s) found", err=True)
    sys.exit(exc.exit_code if exit_code is None else exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="adapter")
def main() -> None:
    """A JSON/REST facade over legacy SOAP services, driven by mapping files.

    Settings come from ADAPTER_* environment variables (e.g. ADAPTER_MAPPINGS_DIR, ADAPTER_PORT);
    options given here win.

    From a WSDL to a served route: inspect → scaffold → check → try → test → serve --reload.
    """


@main.command()
@click.option("--host", help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8000).")
@click.option("--mappings", "mappings_dir", type=click.Path(path_type=Path), help="Folder of mapping files.")
@click.option("--wsdl", "wsdl_dir", type=click.Path(path_type=Path), help="Folder of contracts.")
@click.option(
    "--reload",
    is_flag=True,
    help="Pick up edited mapping and contract files without a restart; a broken edit is reported and the "
    "previous mappings keep serving.",
)
@click.option("--reload-interval", type=click.FloatRange(0.1), default=1.0, show_default=True, help="Seconds.")
def serve(
    host: str | None,
    port: int | None,
    mappings_dir: Path | None,
    wsdl_dir: Path | None,
    reload: bool,
    reload_interval: float,
) -> None:
    """Serve every mapping file: the JSON facade's routes and the served SOAP contracts, on one port."""
    from adapter.app import create_app

    settings = _settings(host=host, port=port, mappings_dir=mappings_dir, wsdl_dir=wsdl_dir)
    configure_logging(settings.log_level)
    try:
        if reload:
            from adapter.tooling.reload import ReloadingApp, project_stamps

            app: Any = ReloadingApp(
                lambda: create_app(settings), lambda: project_stamps(settings), interval=reload_interval
            )
        else:
            app = create_app(settings)
    except MappingErrors as exc:
        _fail(exc)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level, access_log=False)


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
@click.option("--hub-port", type=int, default=8003, show_default=True, help="Port of the payments hub simulator.")
def demo(port: int, bank_port: int, erp_port: int, hub_port: int) -> None:
    """Run the legacy simulators and the facade wired to them, and the SOAP contract served over the hub."""
    from adapter.demo.runner import DemoPorts, run

    try:
        run(_settings(), DemoPorts(facade=port, bank=bank_port, erp=erp_port, hub=hub_port))
    except MappingErrors as exc:
        _fail(exc)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--wsdl", "wsdl_dir", type=click.Path(path_type=Path), help="Folder of contracts.")
def check(files: tuple[Path, ...], wsdl_dir: Path | None) -> None:
    """Check mapping files against the mapping schema and their contracts; exit 1 on any problem.

    FILES are mapping files or folders of them (default: mappings/). Each problem is printed as
    file:line:column: message (field), with a "did you mean" for a misspelt element, path or key.
    Everything serve refuses at start-up is a problem here too, across files as well (two files mapping
    one method and path). No secret needs to be set: ${VAR} references are checked, not resolved, and
    those this environment lacks are listed as warnings, with what else serve needs.
    """
    from adapter.project import mapping_files, survey
    from adapter.soap.contract import ContractStore
    from adapter.tooling.progress import progress

    settings = _settings(wsdl_dir=wsdl_dir)
    targets = [found for item in files for found in (mapping_files(item) if item.is_dir() else [item])]
    targets = targets or ([] if files else mapping_files(settings.mappings_dir))
    if not targets:  # serve refuses to start with nothing to serve
        where = ", ".join(map(str, files)) or str(settings.mappings_dir)
        _fail(MappingErrors([MappingError("no mapping files (*.yaml)", file=where)]), exit_code=1)
    with progress("checking mappings", total=len(targets)) as advance:
        project = survey(targets, settings.wsdl_dir, None, ContractStore(), advance)  # serve's own loading
    failed = {problem.file for problem in project.problems}
    for binding in project.bindings:
        if binding.mapping.file not in failed:
            click.echo(f"{binding.mapping.file}: ok ({len(binding.mapping.routes)} routes)")
    for served in project.served:
        if served.service.file not in failed:
            click.echo(f"{served.service.file}: ok ({len(served.service.calls)} operations)")
    warnings = _serve_needs(project, settings)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if project.problems:
        _fail(MappingErrors(project.problems), exit_code=1)  # 1: problems found (click uses 2 for usage errors)
    if warnings:
        click.echo(f"{len(warnings)} warning(s): serve needs what they name", err=True)


def _serve_needs(project: Project, settings: Settings) -> list[str]:
    """What serve will need of its environment and settings that this one lacks (checked, never resolved)."""
    import os

    from adapter.api.auth import Authenticator
    from adapter.exceptions import ConfigError
    from adapter.mapping.yamlsource import locate
    from adapter.project import unset_variables

    needs = [error.detail for error in unset_variables(project, os.environ)]
    try:
        Authenticator(settings.auth)  # what create_app builds first
    except ConfigError as exc:
        needs.append(f"serve refuses to start: {exc.detail}")
    for served in project.served:
        if served.service.model.endpoint.username_token and not settings.soap_users:
            line, column = locate(served.source.located, ("endpoint", "username_token"))
            message = f"{served.service.model.endpoint.path} requires a UsernameToken; set ADAPTER_SOAP_USERS"
            where = MappingError(message, file=served.service.file, line=line, column=column)
            needs.append(where.detail)
    return needs


@main.command("hash-key")
@click.option("--key", prompt=True, hide_input=True, help="The API key (asked for when not given).")
def hash_key_command(key: str) -> None:
    """Print the stored form of an API key, for ADAPTER_AUTH__API_KEYS."""
    from adapter.api.auth import hash_key

    click.echo(hash_key(key))


@main.command()
def schema() -> None:
    """Print the JSON Schema of mapping files (for editors: see the README)."""
    from adapter.mapping.fileschema import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


def _integrator_commands() -> None:
    from adapter.tooling.commands import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_integrator_commands()

"""The ``adapter`` command: serve · demo · check · schema, and the integrator commands inspect · scaffold · try ·
test (:mod:`adapter.tooling.commands`)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from pydantic import ValidationError
from pydantic_settings import SettingsError

from adapter import __version__
from adapter.exceptions import ConfigError, MappingError, MappingErrors, MissingVariable
from adapter.listen import ensure_free
from adapter.logs import configure as configure_logging
from adapter.settings import Settings

if TYPE_CHECKING:  # adapter.project imports zeep: loaded by the commands that need it, so that --help stays quick
    from adapter.project import Project

CONFIG_EXIT = 2  # configuration problems, as click's usage errors


def _settings(**overrides: object) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]


def _fail(exc: MappingErrors, exit_code: int | None = None) -> None:
    missing = [error for error in exc.errors if isinstance(error, MissingVariable)]
    if missing and len(missing) == len(exc.errors):
        click.echo(_missing_variables(missing), err=True)
    else:
        for error in exc.errors:
            click.echo(error.detail, err=True)
        click.echo(f"{len(exc.errors)} problem(s) found", err=True)
    sys.exit(exc.exit_code if exit_code is None else exit_code)


def _missing_variables(missing: list[MissingVariable]) -> str:
    """One line for every unset ${VAR}: the names to set, and where the mappings use them."""
    names = list(dict.fromkeys(error.variable for error in missing))
    files = list(dict.fromkeys(error.file for error in missing))
    return f"set the environment variable(s) {', '.join(names)}: named by {', '.join(files)}"


def _settings_problem(exc: ValidationError) -> str:
    """A settings value that does not validate, as the variable to fix: ``ADAPTER_AUTH__REQUIRED: ...``."""
    lines = []
    for error in exc.errors()[:2]:
        name = "ADAPTER_" + "__".join(str(part) for part in error["loc"] if not isinstance(part, int)).upper()
        lines.append(f"{name}: {error['msg']}")
    return "\n".join(lines)


def _not_json(exc: SettingsError) -> str:
    found = re.search(r'field "(\w+)"', str(exc))
    name = f"ADAPTER_{found.group(1).upper()}" if found else "an ADAPTER_* variable"
    return (
        f'{name} (or one of its __ parts) is not valid JSON; e.g. ADAPTER_AUTH__API_KEYS=\'[{{"name": "app", ...}}]\''
    )


class _Adapter(click.Group):
    """The command group; every command's configuration problem is one or two lines and exit status 2, never a
    traceback: a settings value that does not validate names its ADAPTER_* variable, a ConfigError says what to set."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MappingErrors as exc:
            _fail(exc)
        except ConfigError as exc:
            click.echo(exc.detail, err=True)
        except ValidationError as exc:
            if exc.title != Settings.__name__:
                raise  # not a settings value: a bug, to be seen whole
            click.echo(_settings_problem(exc), err=True)
        except SettingsError as exc:  # a nested ADAPTER_* value that is not JSON
            click.echo(_not_json(exc), err=True)
        sys.exit(CONFIG_EXIT)


@click.group(cls=_Adapter, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option(
    "--workers",
    type=click.IntRange(1),
    help="Worker processes sharing the port (default 1, or ADAPTER_WORKERS); not with --reload.",
)
def serve(
    host: str | None,
    port: int | None,
    mappings_dir: Path | None,
    wsdl_dir: Path | None,
    reload: bool,
    reload_interval: float,
    workers: int | None,
) -> None:
    """Serve every mapping file: the JSON facade's routes and the served SOAP contracts, on one port.

    It needs the mapping files (--mappings), their contracts (--wsdl), credentials for callers
    (ADAPTER_AUTH__API_KEYS or ADAPTER_AUTH__JWT) and every ${VAR} the mappings name; anything missing is
    one line naming what to set, with exit status 2. /healthz and /readyz answer probes without credentials;
    /metrics and tracing: docs/operations.md. SIGTERM lets in-flight requests finish (ADAPTER_SHUTDOWN_TIMEOUT
    seconds at most).
    """
    from adapter.serving import serve as run

    settings = _settings(host=host, port=port, mappings_dir=mappings_dir, wsdl_dir=wsdl_dir, workers=workers)
    if reload and settings.workers > 1:
        raise click.UsageError("--reload serves from one process: drop --workers (or ADAPTER_WORKERS) to use it")
    ensure_free(settings.host, settings.port)  # before the app's start-up logs anything
    if settings.metrics.enabled and settings.metrics.port is not None:
        metrics_host = settings.metrics.host or settings.host
        ensure_free(metrics_host, settings.metrics.port, what="the metrics", option="ADAPTER_METRICS__PORT")
    configure_logging(settings.log_level)
    run(settings, reload=reload, reload_interval=reload_interval)


@main.command()
@click.option("--port", type=int, default=8000, show_default=True, help="Port of the JSON facade.")
@click.option("--bank-port", type=int, help="Port of the core-banking simulator (default: --port + 1).")
@click.option("--erp-port", type=int, help="Port of the ERP simulator (default: --port + 2).")
@click.option("--hub-port", type=int, help="Port of the payments hub simulator (default: --port + 3).")
def demo(port: int, bank_port: int | None, erp_port: int | None, hub_port: int | None) -> None:
    """Run the legacy simulators and the facade wired to them, and the SOAP contract served over the hub.

    Works in any folder: the demo's contracts and mappings come with the package.
    """
    from adapter.demo.runner import DemoPorts, run

    ports = DemoPorts(facade=port, bank=bank_port or port + 1, erp=erp_port or port + 2, hub=hub_port or port + 3)
    run(_settings(), ports)


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
    from adapter.intake import ContractCache, ContractStore
    from adapter.project import mapping_files, no_mapping_files, survey
    from adapter.tooling.progress import progress

    settings = _settings(wsdl_dir=wsdl_dir)
    targets = [found for item in files for found in (mapping_files(item) if item.is_dir() else [item])]
    targets = targets or ([] if files else mapping_files(settings.mappings_dir))
    if not targets:  # nothing checked is not "no problem": serve refuses to start with nothing to serve
        raise MappingErrors([no_mapping_files(settings.mappings_dir if not files else files[0])])
    store = ContractStore(ContractCache(settings.cache_dir))  # a contract named by several files is read once
    with progress("checking mappings", total=len(targets)) as advance:
        project = survey(targets, settings.wsdl_dir, None, store, advance)  # serve's own loading
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

    from adapter.api import docs
    from adapter.api.auth import Authenticator, refuse_scoped_public_routes
    from adapter.exceptions import ConfigError
    from adapter.mapping.yamlsource import locate
    from adapter.project import unset_variables

    needs = [error.detail for error in unset_variables(project, os.environ)]
    try:
        Authenticator(settings.auth)  # what create_app builds first, then the public paths it refuses
        public = docs.public_paths(settings.docs, settings.auth.public_paths)
        refuse_scoped_public_routes([binding.mapping for binding in project.bindings], public)
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

"""The integrator commands of the ``adapter`` CLI: inspect · scaffold · try · test (check and serve live in
:mod:`adapter.cli`). Each works offline and exits 1 when it finds a problem."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NoReturn

import click

from adapter.exceptions import AdapterError, MappingErrors, RequestValidationError
from adapter.settings import Settings
from adapter.tooling.progress import progress

if TYPE_CHECKING:  # zeep is imported by the commands that need it, so that `adapter --help` stays quick
    from adapter.contract.port import Contract
    from adapter.contract.wsdl import Definitions
    from adapter.intake import ContractStore
    from adapter.tooling.scaffold import Limits, Scaffolder
    from adapter.tooling.trial import Request

_WSDL_DIR = click.option(
    "--wsdl",
    "wsdl_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of contracts that mappings name in contract.wsdl (default: wsdl/, or ADAPTER_WSDL_DIR).",
)


def settings(**overrides: object) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]


def fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(1)


@contextmanager
def reported() -> Iterator[None]:
    """Adapter errors end the command with their message (every problem of a mapping) and exit 1."""
    try:
        yield
    except MappingErrors as exc:
        for error in exc.errors:
            click.echo(error.detail, err=True)
        fail(f"{len(exc.errors)} problem(s) found")
    except RequestValidationError as exc:
        for problem in exc.problems:
            click.echo(f"{problem.location}: {problem.message}", err=True)
        fail("the route refuses this request (HTTP 422)")
    except AdapterError as exc:
        fail(f"error: {exc.detail}")


def _load_wsdl(store: ContractStore, path: Path) -> Definitions:
    with progress(f"loading {path.name}"):
        return store.definitions(path)


def _store(config: Settings) -> ContractStore:
    from adapter.intake import ContractCache, ContractStore

    return ContractStore(ContractCache(config.cache_dir))


# -- inspect ----------------------------------------------------------------------------------------------------


@click.command("inspect")
@click.argument("wsdl", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--service", help="Only this service's ports.")
@click.option("--port", help="Only this port's operations (default: one SOAP port per portType).")
@click.option(
    "--operations",
    "patterns",
    multiple=True,
    metavar="NAMES",
    help="Only these operations: names or patterns, comma-separated or repeated (e.g. 'Account_*,GetBalance').",
)
@click.option("--depth", type=click.IntRange(1, 50), default=4, show_default=True, help="Levels of nesting shown.")
@click.option("--summary", is_flag=True, help="Services and ports only, no operations.")
def inspect_command(
    wsdl: Path, service: str | None, port: str | None, patterns: tuple[str, ...], depth: int, summary: bool
) -> None:
    """Show what a WSDL offers: services, ports (SOAP version, binding style), and each operation's input and
    output as a tree of element names, XSD types, cardinality ([0..1], [1..*]) and enumerations, plus faults.

    Loads the contract offline; imports resolve inside its folder only.

    \b
    Example:
      adapter inspect wsdl/bank/core_banking.wsdl --operations GetBalance
    """
    from adapter.intake import load_contract
    from adapter.tooling import describe, intake

    store = _store(settings())
    with reported():
        started = time.perf_counter()
        loaded = _load_wsdl(store, wsdl)
        for line in describe.summary(loaded):
            click.echo(line)
        click.echo(f"  (loaded in {time.perf_counter() - started:.2f} s)")
        if summary:
            return
        for info in intake.ports(loaded, service, port):
            contract = load_contract(wsdl, service=info.service, port=info.name, definitions=loaded)
            names = intake.select(contract.operations, patterns)
            for line in describe.operations(contract, names, depth):
                click.echo(line)


# -- fetch ------------------------------------------------------------------------------------------------------


@click.command("fetch")
@click.argument("url")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write into (default: wsdl/<name of the WSDL>).",
)
@click.option(
    "--allow-origin",
    "origins",
    multiple=True,
    metavar="ORIGIN",
    help="Also fetch from this origin (scheme://host[:port]); repeatable. By default only the WSDL's own.",
)
@click.option("--max-documents", type=click.IntRange(1), help="At most this many documents (default 200).")
@click.option("--max-document-bytes", type=click.IntRange(1), help="Bytes of one document (default 10 MiB).")
@click.option("--max-total-bytes", type=click.IntRange(1), help="Bytes of all documents (default 50 MiB).")
@click.option("--timeout", type=click.FloatRange(0, min_open=True), help="Seconds per document (default 30).")
@click.option("--force", is_flag=True, help="Replace the files of an earlier fetch.")
def fetch_command(url: str, output: Path | None, origins: tuple[str, ...], force: bool, **limits: float | None) -> None:
    """Download a WSDL and every document it imports (wsdl:import, xsd:import, include and redefine, recursively),
    point each import at its local copy, and write fetch-manifest.json: each document's URL, path, SHA-256, size
    and time of fetching. From then on inspect, scaffold, check and serve read the local copy, offline.

    Only the WSDL's own origin is fetched from unless --allow-origin names more, and a redirect to another
    origin is refused. No DTD is read; documents are parsed with the adapter's XML limits. The limits are
    settings too: ADAPTER_FETCH__MAX_DOCUMENTS, __MAX_DOCUMENT_BYTES, __MAX_TOTAL_BYTES, __TIMEOUT.

    \b
    Example:
      adapter fetch 'https://example.com/ship/Ship?wsdl' -o wsdl/ups
      adapter inspect wsdl/ups/Ship.wsdl
    """
    import logging

    from adapter.tooling.fetch import MANIFEST, default_folder, fetch

    config = settings()
    chosen = {name: value for name, value in limits.items() if value is not None}
    fetch_limits = config.fetch.model_copy(update=chosen)
    quiet = logging.NullHandler()  # the client's log line about a failed connection: the error below says it
    logging.getLogger("adapter.backend").addHandler(quiet)
    try:
        with reported():
            folder = output or default_folder(url, config.wsdl_dir)
            copy = fetch(url, folder, fetch_limits, config.xml, allow=origins, force=force)
    finally:
        logging.getLogger("adapter.backend").removeHandler(quiet)
    documents = copy.manifest["documents"]
    total = sum(entry["size"] for entry in documents)
    click.echo(f"fetched {len(documents)} document(s), {total:,} bytes, from {copy.manifest['source']}:")
    for entry in documents:
        note = "  (imports rewritten)" if "written" in entry else ""
        click.echo(f"  {folder / entry['path']}  {entry['size']:,} bytes{note}")
    click.echo(f"wrote {folder / MANIFEST}; next: adapter inspect {copy.main}", err=True)


# -- scaffold ---------------------------------------------------------------------------------------------------


@click.command("scaffold")
@click.argument("wsdl", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Mapping file to write (default: print it). A contract with several portTypes gets one more file per "
    "portType, named after its port.",
)
@click.option("--service", help="Only this service.")
@click.option("--port", help="Only this port (default: one SOAP port per portType).")
@click.option(
    "--operations",
    "patterns",
    multiple=True,
    metavar="NAMES",
    help="Only these operations: names or patterns, comma-separated or repeated (e.g. 'Account_*').",
)
@_WSDL_DIR
@click.option(
    "--depth", type=click.IntRange(0, 20), default=3, show_default=True, help="Nesting of optional elements mapped."
)
@click.option(
    "--max-fields",
    type=click.IntRange(0),
    default=60,
    show_default=True,
    help="Optional elements mapped per message, at most.",
)
@click.option(
    "--serve",
    is_flag=True,
    help="Write a served-contract mapping instead: the WSDL served to SOAP callers, each operation answered by one "
    "REST call.",
)
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def scaffold_command(
    wsdl: Path,
    output: Path | None,
    service: str | None,
    port: str | None,
    patterns: tuple[str, ...],
    wsdl_dir: Path | None,
    depth: int,
    max_fields: int,
    serve: bool,
    force: bool,
) -> None:
    """Write a starting mapping for every operation of a WSDL, ready for `adapter check` and `adapter serve`.

    Each operation becomes a route: the HTTP method and path come from its name (Get/List/Find → GET,
    Create/Submit/Add → POST, Update/Set → PUT, Delete/Remove → DELETE, Cancel → POST …/cancel, anything
    else → POST), JSON names are the XSD names in camelCase, repeated elements are lists, and every required
    input element is mapped (path and query parameters for GET and DELETE, the JSON body otherwise).

    With --serve the direction is the other one: the contract is served to SOAP callers at /soap/<service>, and
    each operation is answered by one REST call (every input element and SOAP header block sent, every output
    element built from the JSON reply, an error rule per declared fault).

    \b
    Examples:
      adapter scaffold wsdl/calculator/calculator.wsdl -o mappings/calculator.yaml
      adapter scaffold --serve wsdl/treasury.wsdl -o mappings/treasury-served.yaml
      adapter check mappings/calculator.yaml
    """
    from adapter.tooling import intake
    from adapter.tooling.scaffold import Limits, Scaffolder

    config = settings(wsdl_dir=wsdl_dir)
    store = _store(config)
    with reported():
        loaded = _load_wsdl(store, wsdl)
        chosen = intake.ports(loaded, service, port)
        contracts = [store.contract(wsdl, service=info.service, port=info.name) for info in chosen]
        selections = intake.select_each([list(c.operations) for c in contracts], patterns)
        folder = output.parent if output is not None else config.mappings_dir
        reference = intake.wsdl_reference(wsdl, config.wsdl_dir, folder)
        scaffolder = Scaffolder(Limits(depth=depth, fields=max_fields))
        texts = []
        for contract, names, target_file in zip(contracts, selections, _outputs(output, contracts), strict=True):
            if names:
                if serve:
                    texts.append(_scaffold_served(contract, names, reference, target_file, scaffolder.limits))
                else:
                    texts.append(_scaffold_port(contract, names, reference, target_file, scaffolder))
                if target_file is not None:
                    _write(target_file, texts[-1], force, len(names), "operations" if serve else "routes")
    if output is None:
        click.echo("\n---\n".join(texts), nl=False)
    if reference.startswith(("./", "../")):
        click.echo(f"note: {wsdl} is outside {config.wsdl_dir}/: the mapping names it relative to {folder}/", err=True)


def _scaffold_port(
    contract: Contract, names: list[str], reference: str, output: Path | None, scaffolder: Scaffolder
) -> str:
    from adapter.tooling import intake
    from adapter.tooling.scaffold import Target, scaffold

    binding = contract.binding  # its WS-SecurityPolicy, read at intake (adapter.intake.policy)
    target = Target(
        wsdl=reference,
        service=contract.service,
        port=contract.port,
        soap_version=contract.soap_version,
        address=contract.address,
        source=contract.path.name,
        schema=intake.schema_reference(output, Path("docs/mapping.schema.json")),
        username_token=binding.username_token,
        password_digest=binding.password_digest,
    )
    with progress(f"scaffolding {contract.port}", total=len(names)) as advance:
        return scaffold(target, [contract.operations[n] for n in names], scaffolder=scaffolder, advance=advance)


def _scaffold_served(contract: Contract, names: list[str], reference: str, output: Path | None, limits: Limits) -> str:
    from adapter.soap.bindings import service_bindings
    from adapter.tooling import intake
    from adapter.tooling.served import ServedTarget, render

    service_bindings(contract)  # what cannot be served (rpc style, one-way operations) is refused here
    target = ServedTarget(
        wsdl=reference,
        service=contract.service,
        port=contract.port,
        soap_version=contract.soap_version,
        source=contract.path.name,
        schema=intake.schema_reference(output, Path("docs/mapping.schema.json")),
        username_token=contract.binding.username_token,
    )
    return render(target, [contract.operations[n] for n in names], limits)


def _outputs(output: Path | None, contracts: list[Contract]) -> list[Path | None]:
    """The file for each port: ``output`` for the first, ``<stem>-<port>.yaml`` next to it for the others."""
    if output is None:
        return [None] * len(contracts)
    others: list[Path | None] = [output.with_name(f"{output.stem}-{c.port}{output.suffix}") for c in contracts[1:]]
    return [output, *others]


def _write(path: Path, text: str, force: bool, count: int, what: str = "routes") -> None:
    if path.exists() and not force:
        fail(f"{path} exists; pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path} ({count} {what}); next: adapter check {path}", err=True)


# -- try --------------------------------------------------------------------------------------------------------


@click.command("try")
@click.argument("mapping", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("route")
@click.option("--json", "json_file", type=click.File("rb"), help="Request body (JSON file, '-' for stdin).")
@click.option("--xml", "xml_file", type=click.File("rb"), help="A backend reply (SOAP envelope file, '-' for stdin).")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A path or query parameter (repeatable); or give ROUTE as a request line.",
)
@click.option(
    "-H",
    "--header",
    "http_headers",
    multiple=True,
    metavar="NAME=VALUE",
    help="An HTTP request header (repeatable), e.g. one a SOAP header block is mapped from.",
)
@_WSDL_DIR
def try_command(
    mapping: Path,
    route: str,
    json_file: BinaryIO | None,
    xml_file: BinaryIO | None,
    params: tuple[str, ...],
    http_headers: tuple[str, ...],
    wsdl_dir: Path | None,
) -> None:
    """Run one route of a mapping offline: show the SOAP envelope it would send, or the JSON it would answer.

    ROUTE is the route's name, its operation, or a request line such as 'GET /v1/accounts/DE89…?page=2'.
    With --json (and/or parameters) the envelope is printed; with --xml the JSON answer to that reply is
    printed (a SOAP fault becomes the problem the route's error rules make of it). No backend is called;
    WS-Security headers are added at call time and not shown.

    \b
    Examples:
      adapter try mappings/bank.yaml createTransfer --json transfer.json
      adapter try mappings/bank.yaml 'GET /v1/accounts/DE89370400440532013000/balance'
      adapter try mappings/bank.yaml getBalance --xml reply.xml
    """
    from adapter import codec
    from adapter.project import load_binding
    from adapter.tooling import canon, trial

    config = settings(wsdl_dir=wsdl_dir)
    with reported():
        binding = load_binding(mapping, config.wsdl_dir, None, _store(config))
        compiled, request = trial.find_route(binding, route)
        _apply_params(request, compiled.route.path, params)
        for header in http_headers:
            name, sep, value = header.partition("=")
            if not sep:
                fail(f"--header takes NAME=VALUE, not {header!r}")
            request.headers[name.strip().lower()] = value  # as the facade reads them: lower-case names
        click.echo(
            f"# {compiled.route.method} {compiled.route.path} → {compiled.operation} "
            f"({binding.contract.service}/{binding.contract.port}, SOAP {binding.contract.soap_version})",
            err=True,
        )
        if json_file is not None:
            request.body = codec.parse(json_file.read(), config.json_limits)
        if xml_file is None or json_file is not None or params or http_headers:
            body, headers = trial.envelope(binding, compiled, request)
            click.echo(f"POST {binding.mapping.model.backend.url or binding.contract.address}")
            for name, value in headers.items():
                click.echo(f"{name}: {value}")
            click.echo("")
            click.echo(canon.pretty_xml(body, config.xml))
        if xml_file is not None:
            answer = trial.answer(binding, compiled, xml_file.read(), config)
            if answer.note:
                click.echo(f"# {answer.note}", err=True)
            click.echo(f"HTTP {answer.status}")
            click.echo("\n".join(canon.json_lines(answer.body, ordered=True)))  # in mapping order, as served


def _apply_params(request: Request, path: str, params: tuple[str, ...]) -> None:
    for param in params:
        name, sep, value = param.partition("=")
        if not sep:
            fail(f"--param takes NAME=VALUE, not {param!r}")
        if f"{{{name}}}" in path:
            request.path[name] = value
        else:
            request.query[name] = value


# -- test -------------------------------------------------------------------------------------------------------


@click.command("test")
@click.argument("path", required=False, type=click.Path(path_type=Path, exists=True))
@click.option("--update", is_flag=True, help="Write what the mappings produce now as the expected files.")
@_WSDL_DIR
def test_command(path: Path | None, update: bool, wsdl_dir: Path | None) -> None:
    """Run the golden examples kept next to the mappings and show every difference as a diff.

    PATH is a mappings folder (default: mappings/), a mapping file, or an example folder. Examples live in
    <mappings>/examples/<mapping name>/<route name>[.<case>]/ with request.json → request.xml (the envelope
    the route must send) and reply.xml → response.json (what it must answer). Envelopes are compared without
    regard to prefixes, whitespace or WS-Security header contents.
    """
    from adapter.project import Binding, load_binding
    from adapter.tooling import examples

    config = settings(wsdl_dir=wsdl_dir)
    found = examples.discover(path or config.mappings_dir)
    if not found:
        fail(f"no examples under {path or config.mappings_dir} (see `adapter test --help` for the layout)")
    store = _store(config)
    bindings: dict[Path, Binding] = {}
    failed = 0
    with reported():
        for example in found:
            if example.mapping not in bindings:
                bindings[example.mapping] = load_binding(example.mapping, config.wsdl_dir, None, store)
            outcome = examples.run(example, bindings[example.mapping], config, update=update)
            status = "ok" if outcome.ok else "FAILED"
            if outcome.updated:
                status += f" (wrote {', '.join(outcome.updated)})"
            click.echo(f"{example.folder}: {status}")
            for line in outcome.problems:
                click.echo(f"    {line}")
            failed += not outcome.ok
    click.echo(f"{len(found)} example(s): {len(found) - failed} passed, {failed} failed")
    if failed:
        sys.exit(1)


COMMANDS = [fetch_command, inspect_command, scaffold_command, try_command, test_command]

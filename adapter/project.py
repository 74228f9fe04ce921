"""A project: the mapping files of a folder, each bound to its loaded contract, and what is wrong between them.
Used by serve, check and demo."""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapter.contract.port import Contract
from adapter.exceptions import AdapterError, ContractError, MappingError, MappingErrors
from adapter.intake import ContractStore, load_contract
from adapter.mapping.clashes import Claim, clashes
from adapter.mapping.compiler import CompiledMapping, Compiler
from adapter.mapping.loader import (
    ParsedMapping,
    ParsedServedMapping,
    environment_references,
    is_served_mapping,
    parse_mapping,
    parse_served_mapping,
)
from adapter.mapping.model import Backend
from adapter.mapping.restcompiler import CompiledService, RestCompiler
from adapter.mapping.yamlsource import locate
from adapter.outbound.pem import pem_path
from adapter.outbound.tls import client_tls
from adapter.soap.bindings import service_bindings


@dataclass
class Binding:
    """One mapping file, compiled against its contract."""

    mapping: CompiledMapping
    contract: Contract
    source: ParsedMapping
    tls: ssl.SSLContext | bool = True  # verification towards the backend (adapter.outbound.tls)
    security: Any = None  # the backend's WS-Security plugin (adapter.soap.wsse), applied to each envelope


def mapping_files(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def contract_path(file: Path, wsdl_dir: Path, wsdl: str) -> Path:
    """Where a mapping's ``contract.wsdl`` points: relative to the mapping file's folder when it starts with ``./``
    or ``../`` (a contract kept elsewhere, e.g. fetched), otherwise under the contracts folder."""
    if wsdl.startswith(("./", "../")):
        return file.parent / wsdl
    return wsdl_dir / wsdl


def no_mapping_files(folder: Path) -> MappingError:
    where = "no such folder" if not folder.is_dir() else "no mapping files (*.yaml) there"
    return MappingError(
        f"{where}: point --mappings or ADAPTER_MAPPINGS_DIR at the folder of mapping files", file=str(folder)
    )


def load_binding(
    file: Path, wsdl_dir: Path, env: Mapping[str, str] | None, contracts: ContractStore | None = None
) -> Binding:
    """Load, validate and compile one mapping file against its contract. Raises :class:`MappingErrors`.

    ``contracts`` reuses contracts already parsed (checking many files, reloading them)."""
    name = str(file)
    text = _read(file)
    parsed = parse_mapping(text, name, env)
    ref = parsed.model.contract
    wsse, tls = _outbound_security(parsed, env)
    load = contracts.contract if contracts is not None else load_contract
    with _located_contract_errors(parsed.located, name):
        contract = load(contract_path(file, wsdl_dir, ref.wsdl), service=ref.service, port=ref.port)
    compiler = Compiler(name, parsed.located, contract.operations)
    compiled = compiler.compile(parsed.model)
    if compiler.problems:
        raise MappingErrors(compiler.problems)
    return Binding(mapping=compiled, contract=contract, source=parsed, tls=tls, security=wsse)


def _outbound_security(parsed: ParsedMapping, env: Mapping[str, str] | None) -> tuple[Any, ssl.SSLContext | bool]:
    """The backend's WS-Security plugins and TLS context. Checking a mapping without its environment builds
    neither, but the PEM files it names literally must exist all the same: serve would refuse them."""
    try:
        if env is None:
            for field_name, value in _named_files(parsed.model.backend).items():
                pem_path(value, field_name)
            return None, True
        backend = parsed.model.backend
        plugin = None
        if backend.security is not None:
            from adapter.soap.wsse import security  # zeep's WS-Security: imported only when a backend uses it

            plugin = security(backend)
        return plugin, client_tls(backend.tls, file=parsed.file)
    except MappingError as exc:
        line, column = locate(parsed.located, tuple(exc.field.split(".")))
        located = MappingError(exc.message, file=parsed.file, line=line, column=column, field=exc.field)
        raise MappingErrors([located]) from None


def _named_files(backend: Backend) -> dict[str, str]:
    """Field → path of each PEM file the backend section names without an environment reference."""
    named: dict[str, str | None] = {}
    if backend.tls is not None:
        named.update({f"backend.tls.{k}": getattr(backend.tls, k) for k in ("ca_bundle", "client_cert", "client_key")})
    if backend.security is not None and backend.security.signature is not None:
        signature = backend.security.signature
        named.update({f"backend.security.signature.{k}": getattr(signature, k) for k in ("key_file", "cert_file")})
    return {k: v for k, v in named.items() if v and "${" not in v}


@dataclass
class Project:
    """Mapping files, each loaded against its contract, and every problem found in them and between them.

    ``serve`` starts only from a project without problems; ``check`` reports them all: both read it from
    :func:`survey`, so that check accepts exactly what serve would start with.
    """

    bindings: list[Binding] = field(default_factory=list)
    served: list[ServedBinding] = field(default_factory=list)
    problems: list[MappingError] = field(default_factory=list)

    def files(self) -> list[tuple[str, Any]]:
        """Each loaded file with its model (facade files first), for what the files ask of the environment."""
        facade = [(b.source.file, b.source.located) for b in self.bindings]
        return facade + [(s.source.file, s.source.located) for s in self.served]


def survey(
    files: list[Path],
    wsdl_dir: Path,
    env: Mapping[str, str] | None,
    contracts: ContractStore | None = None,
    advance: Callable[[], None] | None = None,
) -> Project:
    """Load every file of ``files`` and look across them. ``env`` ``None`` checks without resolving secrets."""
    project = Project()
    for file in files:
        try:
            if is_served_file(file):  # a SOAP contract served over REST
                project.served.append(load_served_binding(file, wsdl_dir, env, contracts))
            else:
                project.bindings.append(load_binding(file, wsdl_dir, env, contracts))
        except MappingErrors as exc:
            project.problems.extend(exc.errors)
        except AdapterError as exc:
            project.problems.append(MappingError(exc.detail, file=str(file)))
        if advance is not None:
            advance()
    project.problems.extend(clashes(_claims(project)))
    return project


def load_project(
    mappings_dir: Path,
    wsdl_dir: Path,
    env: Mapping[str, str] | None = None,
    contracts: ContractStore | None = None,
) -> Project:
    """Every mapping file of ``mappings_dir``, ready to serve; all problems of all files are raised together."""
    env = dict(os.environ) if env is None else env
    files = mapping_files(mappings_dir)
    if not files:
        raise MappingErrors([no_mapping_files(mappings_dir)])
    project = survey(files, wsdl_dir, env, contracts)
    if project.problems:
        raise MappingErrors(project.problems)
    return project


def unset_variables(project: Project, environ: Mapping[str, str]) -> list[MappingError]:
    """Each ``${VAR}`` without a default that ``environ`` lacks, where a file names it: serve cannot start without
    it. Only names are reported, never a value."""
    unset = []
    for file, located in project.files():
        for ref in environment_references(located):
            if ref.default is None and ref.name not in environ:
                message = f"${{{ref.name}}} is not set here; serve needs it"
                unset.append(MappingError(message, file=file, line=ref.line, column=ref.column, field=ref.field))
    return unset


def _claims(project: Project) -> Iterator[Claim]:
    """The requests each file answers, in file order, each located at its path."""
    for binding in project.bindings:
        located, file = binding.source.located, binding.source.file
        for index, route in enumerate(binding.source.model.routes):
            line, column = locate(located, ("routes", index, "path"))
            yield Claim(route.method, route.path, file, line, column, f"routes.{index}.path")
    for served in project.served:
        located, file = served.source.located, served.source.file
        line, column = locate(located, ("endpoint", "path"))
        yield Claim(None, served.source.model.endpoint.path, file, line, column, "endpoint.path")


# -- served contracts (a SOAP contract answered by a REST backend) ------------------------------------------------


@dataclass
class ServedBinding:
    """One served-contract mapping file (:mod:`adapter.mapping.southbound`), compiled against its contract."""

    service: CompiledService
    contract: Contract
    source: ParsedServedMapping


def is_served_file(file: Path) -> bool:
    """Whether ``file`` is a served-contract mapping (it has ``endpoint``/``operations``, not ``routes``)."""
    try:
        return is_served_mapping(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return False


def load_served_binding(
    file: Path, wsdl_dir: Path, env: Mapping[str, str] | None, contracts: ContractStore | None = None
) -> ServedBinding:
    """Load, validate and compile one served-contract mapping file. Raises :class:`MappingErrors`."""
    name = str(file)
    text = _read(file)
    parsed = parse_served_mapping(text, name, env)
    ref = parsed.model.contract
    load = contracts.contract if contracts is not None else load_contract
    with _located_contract_errors(parsed.located, name):
        contract = load(contract_path(file, wsdl_dir, ref.wsdl), service=ref.service, port=ref.port)
        service_bindings(contract)  # what cannot be served (rpc style, one-way operations) is refused here
    compiler = RestCompiler(name, parsed.located, contract.operations)
    compiled = compiler.compile_service(parsed.model)
    if compiler.problems:
        raise MappingErrors(compiler.problems)
    return ServedBinding(service=compiled, contract=contract, source=parsed)


@contextmanager
def _located_contract_errors(located: Any, file: str) -> Iterator[None]:
    """A contract that cannot be loaded is a problem of the mapping line that names it."""
    try:
        yield
    except ContractError as exc:
        line, column = locate(located, ("contract", "wsdl"))
        error = MappingError(exc.detail, file=file, line=line, column=column, field="contract.wsdl")
        raise MappingErrors([error]) from None


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingErrors([MappingError(f"cannot read: {exc.strerror}", file=str(file))]) from None

"""A project: the mapping files of a folder, each bound to its loaded contract. Used by serve, check and demo."""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapter.exceptions import AdapterError, ContractError, MappingError, MappingErrors
from adapter.mapping.compiler import CompiledMapping, Compiler
from adapter.mapping.loader import (
    ParsedMapping,
    ParsedServedMapping,
    is_served_mapping,
    parse_mapping,
    parse_served_mapping,
)
from adapter.mapping.restcompiler import CompiledService, RestCompiler
from adapter.mapping.yamlsource import locate
from adapter.outbound.tls import client_tls
from adapter.soap.bindings import service_bindings
from adapter.soap.contract import Contract, ContractStore, load_contract
from adapter.soap.wsse import security


@dataclass
class Binding:
    """One mapping file, compiled against its contract."""

    mapping: CompiledMapping
    contract: Contract
    source: ParsedMapping
    tls: ssl.SSLContext | bool = True  # httpx's verify= towards the backend (adapter.outbound.tls)


def mapping_files(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


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
        contract = load(wsdl_dir / ref.wsdl, service=ref.service, port=ref.port, wsse=wsse)
    compiler = Compiler(name, parsed.located, contract.operations)
    compiled = compiler.compile(parsed.model)
    if compiler.problems:
        raise MappingErrors(compiler.problems)
    return Binding(mapping=compiled, contract=contract, source=parsed, tls=tls)


def _outbound_security(parsed: ParsedMapping, env: Mapping[str, str] | None) -> tuple[Any, ssl.SSLContext | bool]:
    """The backend's WS-Security plugins and TLS context; not built when checking a mapping without its environment."""
    if env is None:
        return None, True
    backend = parsed.model.backend
    try:
        return security(backend), client_tls(backend.tls, file=parsed.file)
    except MappingError as exc:
        line, column = locate(parsed.located, tuple(exc.field.split(".")))
        located = MappingError(exc.message, file=parsed.file, line=line, column=column, field=exc.field)
        raise MappingErrors([located]) from None


def load_project(
    mappings_dir: Path,
    wsdl_dir: Path,
    env: Mapping[str, str] | None = None,
    contracts: ContractStore | None = None,
) -> list[Binding]:
    """Every mapping file of ``mappings_dir``; all problems of all files are raised together."""
    env = dict(os.environ) if env is None else env
    bindings: list[Binding] = []
    problems: list[MappingError] = []
    files = mapping_files(mappings_dir)
    if not files:
        raise MappingErrors([no_mapping_files(mappings_dir)])
    for file in files:
        if is_served_file(file):
            continue  # a contract served over REST: see load_served
        try:
            bindings.append(load_binding(file, wsdl_dir, env, contracts))
        except MappingErrors as exc:
            problems.extend(exc.errors)
        except AdapterError as exc:
            problems.append(MappingError(exc.detail, file=str(file)))
    problems.extend(_route_clashes(bindings))
    if problems:
        raise MappingErrors(problems)
    return bindings


def _route_clashes(bindings: list[Binding]) -> list[MappingError]:
    seen: dict[tuple[str, str], str] = {}
    problems = []
    for binding in bindings:
        for route in binding.mapping.routes:
            key = (route.route.method, route.route.path)
            if key in seen:
                problems.append(
                    MappingError(
                        f"{key[0]} {key[1]} is already mapped in {seen[key]}",
                        file=binding.mapping.file,
                    )
                )
            seen[key] = binding.mapping.file
    return problems


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


def load_served_binding(file: Path, wsdl_dir: Path, env: Mapping[str, str] | None) -> ServedBinding:
    """Load, validate and compile one served-contract mapping file. Raises :class:`MappingErrors`."""
    name = str(file)
    text = _read(file)
    parsed = parse_served_mapping(text, name, env)
    ref = parsed.model.contract
    with _located_contract_errors(parsed.located, name):
        contract = load_contract(wsdl_dir / ref.wsdl, service=ref.service, port=ref.port)
        service_bindings(contract)  # what cannot be served (rpc style, one-way operations) is refused here
    compiler = RestCompiler(name, parsed.located, contract.operations)
    compiled = compiler.compile_service(parsed.model)
    if compiler.problems:
        raise MappingErrors(compiler.problems)
    return ServedBinding(service=compiled, contract=contract, source=parsed)


def load_served(mappings_dir: Path, wsdl_dir: Path, env: Mapping[str, str] | None = None) -> list[ServedBinding]:
    """Every served-contract mapping file of ``mappings_dir``; all problems are raised together."""
    env = dict(os.environ) if env is None else env
    served: list[ServedBinding] = []
    problems: list[MappingError] = []
    for file in mapping_files(mappings_dir):
        if not is_served_file(file):
            continue
        try:
            served.append(load_served_binding(file, wsdl_dir, env))
        except MappingErrors as exc:
            problems.extend(exc.errors)
        except AdapterError as exc:
            problems.append(MappingError(exc.detail, file=str(file)))
    seen: dict[str, str] = {}
    for binding in served:
        path = binding.service.model.endpoint.path
        if path in seen:
            clash = f"endpoint {path} is already served by {seen[path]}"
            problems.append(MappingError(clash, file=binding.service.file))
        seen[path] = binding.service.file
    if problems:
        raise MappingErrors(problems)
    return served


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

"""A project: the mapping files of a folder, each bound to its loaded contract. Used by serve, check and demo."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from adapter.exceptions import AdapterError, ContractError, MappingError, MappingErrors
from adapter.mapping.compiler import CompiledMapping, Compiler
from adapter.mapping.loader import ParsedMapping, parse_mapping
from adapter.mapping.yamlsource import locate
from adapter.soap.contract import Contract, load_contract
from adapter.soap.wsse import security


@dataclass
class Binding:
    """One mapping file, compiled against its contract."""

    mapping: CompiledMapping
    contract: Contract
    source: ParsedMapping


def mapping_files(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def load_binding(file: Path, wsdl_dir: Path, env: Mapping[str, str] | None) -> Binding:
    """Load, validate and compile one mapping file against its contract. Raises :class:`MappingErrors`."""
    name = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingErrors([MappingError(f"cannot read: {exc.strerror}", file=name)]) from None
    parsed = parse_mapping(text, name, env)
    ref = parsed.model.contract
    try:
        wsse = security(parsed.model.backend) if env is not None else None
        contract = load_contract(wsdl_dir / ref.wsdl, service=ref.service, port=ref.port, wsse=wsse)
    except ContractError as exc:
        line, column = locate(parsed.located, ("contract", "wsdl"))
        error = MappingError(exc.detail, file=name, line=line, column=column, field="contract.wsdl")
        raise MappingErrors([error]) from None
    compiler = Compiler(name, parsed.located, contract.operations)
    compiled = compiler.compile(parsed.model)
    if compiler.problems:
        raise MappingErrors(compiler.problems)
    return Binding(mapping=compiled, contract=contract, source=parsed)


def load_project(mappings_dir: Path, wsdl_dir: Path, env: Mapping[str, str] | None = None) -> list[Binding]:
    """Every mapping file of ``mappings_dir``; all problems of all files are raised together."""
    env = dict(os.environ) if env is None else env
    bindings: list[Binding] = []
    problems: list[MappingError] = []
    files = mapping_files(mappings_dir)
    if not files:
        raise MappingErrors([MappingError("no mapping files (*.yaml)", file=str(mappings_dir))])
    for file in files:
        try:
            bindings.append(load_binding(file, wsdl_dir, env))
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

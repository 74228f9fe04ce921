"""Choosing what to work on in a contract: which ports, which operations, and how a mapping names the file."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from pathlib import Path

from adapter.contract.wsdl import Definitions, Port
from adapter.exceptions import ContractError
from adapter.mapping.compiler import did_you_mean


def ports(wsdl: Definitions, service: str | None, port: str | None) -> list[Port]:
    """The named port, or one SOAP port per portType (the first one declared): together they cover every
    operation the contract offers over SOAP."""
    if port is not None or service is not None:
        chosen = wsdl.find_port(service, port)
        return [chosen]
    seen: set[str] = set()
    found = []
    for info in wsdl.soap_ports:
        if info.operations and info.port_type not in seen:
            seen.add(info.port_type)
            found.append(info)
    return found


def select(available: Iterable[str], patterns: Iterable[str]) -> list[str]:
    """The operations matching any of ``patterns`` (names or shell patterns such as ``Account_*``), in contract
    order; all of them when no pattern is given. A pattern that matches nothing is an error with a suggestion."""
    return select_each([list(available)], patterns)[0]


def select_each(groups: list[list[str]], patterns: Iterable[str]) -> list[list[str]]:
    """:func:`select` over the operations of several ports: a pattern has to match in one of them."""
    wanted = [p.strip() for text in patterns for p in text.split(",") if p.strip()]
    if not wanted:
        return [list(names) for names in groups]
    everything = [name for names in groups for name in names]
    for pattern in wanted:
        if not fnmatch.filter(everything, pattern):
            raise ContractError(f"no operation matches {pattern!r}{did_you_mean(pattern, everything)}")
    return [[name for name in names if any(fnmatch.fnmatchcase(name, p) for p in wanted)] for names in groups]


def wsdl_reference(wsdl: Path, wsdl_dir: Path, mappings: Path) -> str:
    """``contract.wsdl`` for a mapping written in the folder ``mappings``: the path below the contracts folder, or,
    for a contract outside it, ``./``/``../`` relative to that folder (never to where the command ran)."""
    try:
        return wsdl.resolve().relative_to(wsdl_dir.resolve()).as_posix()
    except ValueError:
        relative = Path(os.path.relpath(wsdl.resolve(), mappings.resolve())).as_posix()
        return relative if relative.startswith("../") else f"./{relative}"


def schema_reference(output: Path | None, schema: Path) -> str | None:
    """The ``$schema`` a yaml-language-server comment should name, relative to the mapping file; ``None`` when
    there is no schema file here or the mapping is written outside this project."""
    if output is None or not schema.is_file() or not output.resolve().is_relative_to(Path.cwd()):
        return None
    return Path(os.path.relpath(schema.resolve(), output.resolve().parent)).as_posix()

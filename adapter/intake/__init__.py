"""Contract intake: a WSDL 1.1 file and what it imports → the contract model (:mod:`adapter.contract`), offline.

    definitions = load_definitions(Path("wsdl/bank/core_banking.wsdl"), ContractCache(settings.cache_dir))
    contract = load_contract(path, port="CoreBankingPort")       # one port, its operations as plain data

The build (:mod:`.wsdl` reads the WSDL structure, :mod:`.schema` builds the types with xmlschema behind the fence of
:mod:`.documents`, :mod:`.translate` and :mod:`.assemble` make the model) runs only on a cache miss: the warm path
reads one JSON file and imports neither xmlschema nor zeep.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapter.contract.port import Contract
from adapter.contract.wsdl import Definitions
from adapter.exceptions import ContractError
from adapter.intake.cache import ContractCache

__all__ = ["ContractCache", "ContractStore", "build_definitions", "load_contract", "load_definitions"]


def load_definitions(path: Path, cache: ContractCache | None = None) -> tuple[Definitions, list[Path]]:
    """The model of the contract at ``path`` and every file it was built from; raises :class:`ContractError`
    naming the file and what is wrong."""
    if not path.is_file():
        raise ContractError(f"{path}: contract file not found")
    with _paused_gc():
        cached = cache.get(path) if cache is not None else None
        if cached is not None:
            return cached
        definitions, files = build_definitions(path)
        if cache is not None:
            cache.put(path, definitions, files)
    return definitions, list(files)


def build_definitions(path: Path) -> tuple[Definitions, dict[Path, bytes]]:
    """Build the model from the documents (no cache)."""
    from adapter.intake.build import build

    return build(path)


def load_contract(
    path: Path,
    *,
    service: str | None = None,
    port: str | None = None,
    definitions: Definitions | None = None,
    cache: ContractCache | None = None,
) -> Contract:
    """The contract at ``path`` bound to a port: the named one, or the first SOAP port (of ``service``)."""
    definitions = definitions or load_definitions(path, cache)[0]
    return Contract(path=path, definitions=definitions, port_info=definitions.find_port(service, port))


class ContractStore:
    """Loaded contracts by file, reused while the file and every document it imports are unchanged, so that checking
    many mappings, or reloading them, reads each once. Ports keep their operations' views between calls."""

    def __init__(self, cache: ContractCache | None = None) -> None:
        self.cache = cache
        self._loaded: dict[Path, tuple[dict[Path, tuple[int, int]], Definitions]] = {}
        self._contracts: dict[tuple[Path, str, str], Contract] = {}

    def definitions(self, path: Path) -> Definitions:
        key = path.resolve()
        known = self._loaded.get(key)
        if known is not None and all(_stamp(p) == stamp for p, stamp in known[0].items()):
            return known[1]
        definitions, files = load_definitions(path, self.cache)
        self._loaded[key] = ({p: _stamp(p) for p in [key, *files]}, definitions)
        self._contracts = {k: v for k, v in self._contracts.items() if k[0] != key}
        return definitions

    def contract(self, path: Path, *, service: str | None = None, port: str | None = None) -> Contract:
        definitions = self.definitions(path)
        info = definitions.find_port(service, port)
        key = (path.resolve(), info.service, info.name)
        found = self._contracts.get(key)
        if found is None or found.definitions is not definitions:
            found = self._contracts[key] = Contract(path=path, definitions=definitions, port_info=info)
        return found

    def files(self, path: Path) -> list[Path]:
        """Every file the contract at ``path`` was read from (for reloading on change)."""
        known = self._loaded.get(path.resolve())
        return list(known[0]) if known is not None else [path]


@contextmanager
def _paused_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a model is made: it allocates tens of thousands of objects that
    all stay alive, and each collection would walk them again (measured: 5x the time of reading the 3 MB
    e-conomic model from the cache)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)

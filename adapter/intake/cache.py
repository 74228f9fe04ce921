"""The on-disk cache of contract models (``ADAPTER_CACHE_DIR``): JSON, never pickle.

An entry is named after the main file's path and holds the digest of every file the build read (the main WSDL,
what it imports, the bundled W3C schemas), the adapter version and the model format. It is used only when all of
them match; anything else (an edited import, a new adapter, a corrupt or truncated file) is rebuilt silently and
logged at debug level. Entries are written atomically (a temporary file renamed into place), so concurrent
instances never read half an entry.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import orjson

from adapter import __version__
from adapter.contract import serial
from adapter.contract.wsdl import Definitions

log = logging.getLogger("adapter.intake")


def digest(files: dict[Path, bytes]) -> str:
    """sha256 over every file read (path and content), the adapter version and the model format."""
    total = hashlib.sha256(f"{__version__}\n{serial.FORMAT}\n".encode())
    for path, data in files.items():
        total.update(f"{path}\n{hashlib.sha256(data).hexdigest()}\n".encode())
    return total.hexdigest()


class ContractCache:
    """Models by main file, in ``folder`` (``None``: no cache)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _entry(self, main: Path) -> Path | None:
        if self.folder is None:
            return None
        name = hashlib.sha256(str(main.resolve()).encode()).hexdigest()[:32]
        return self.folder / f"{name}.json"

    def get(self, main: Path) -> tuple[Definitions, list[Path]] | None:
        """The cached model of ``main`` and the files it was built from, when every file is unchanged."""
        entry = self._entry(main)
        if entry is None or not entry.is_file():
            return None
        try:
            data = orjson.loads(entry.read_bytes())
            files = [Path(name) for name in data["files"]]
            if data["key"] != digest({path: path.read_bytes() for path in files}):
                log.debug("contract cache entry %s is stale: rebuilding %s", entry.name, main.name)
                return None
            return serial.load(data["model"]), files
        except (OSError, ValueError, KeyError, TypeError, AssertionError) as exc:
            log.debug("contract cache entry %s is unusable (%s): rebuilding %s", entry.name, exc, main.name)
            return None

    def put(self, main: Path, definitions: Definitions, files: dict[Path, bytes]) -> None:
        entry = self._entry(main)
        if entry is None:
            return
        data = {
            "key": digest(files),
            "files": [str(path) for path in files],
            "model": serial.dump(definitions),
        }
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(entry, orjson.dumps(data))
        except OSError as exc:
            log.debug("contract cache entry for %s not written: %s", main.name, exc)


def _write_atomically(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

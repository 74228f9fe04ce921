"""Reading the PEM files a mapping names (signing keys, certificates), with errors that name the mapping field.

Errors never quote file contents, and never quote a value that holds PEM text instead of a path (an environment
variable set to the key itself, say): keys must not reach a log.
"""

from __future__ import annotations

from pathlib import Path

from adapter.exceptions import MappingError
from adapter.mapping.secrets import looks_like_pem


def pem_path(value: str, field: str) -> Path:
    """``value`` as the path of a readable file. Raises :class:`MappingError` for ``field`` (not yet located)."""
    if looks_like_pem(value):
        raise MappingError("holds PEM text, not the path of a PEM file", field=field)
    path = Path(value)
    if not path.is_file():
        raise MappingError(f"no such file: {value}", field=field)
    return path


def read_pem(value: str, field: str) -> bytes:
    """The bytes of the PEM file ``value``. Raises :class:`MappingError` for ``field`` (not yet located)."""
    path = pem_path(value, field)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MappingError(f"cannot read {value}: {exc.strerror}", field=field) from None
    if not looks_like_pem(data.decode("ascii", errors="replace")):
        raise MappingError(f"{value} is not a PEM file", field=field)
    return data

"""Secrets stay out of mapping files: mapping files are shared, secrets are not.

Passwords (and the UsernameToken's user) must be ``${VAR}`` environment references. Keys and certificates are named by
file path (literal or ``${VAR}``); pasting the PEM text itself into a mapping file is refused.
"""

from __future__ import annotations

import re
from typing import Any

from adapter.exceptions import MappingError
from adapter.mapping.yamlsource import LocatedDict

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
PEM_MARKER = "-----BEGIN"
_SHARED = ": mapping files are shared, secrets are not"

_ENV_ONLY: dict[tuple[str, ...], tuple[str, ...]] = {
    ("backend", "security", "username_token"): ("username", "password"),
    ("backend", "security", "signature"): ("key_password",),
}
_NO_DEFAULT = ("password", "key_password")  # ${VAR:-default} would put the secret itself in the file
_FILE_PATHS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("backend", "security", "signature"): ("key_file", "cert_file"),
    ("backend", "tls"): ("ca_bundle", "client_cert", "client_key"),
}


def looks_like_pem(value: str) -> bool:
    """Whether ``value`` holds PEM text (a key or certificate) rather than the path of a file."""
    return PEM_MARKER in value


def secret_problems(located: LocatedDict, file: str) -> list[MappingError]:
    """Every literal secret and every pasted key or certificate in the ``backend`` section, located."""
    problems = []
    for section, keys in _ENV_ONLY.items():
        for key, value, where in _values(located, section, keys):
            reference = ENV_REF.fullmatch(value.strip())
            example = f"${{BANK_{key.upper()}}}"
            if not reference:
                message = f"{key} must be an environment reference such as {example}, never a literal"
                problems.append(_problem(message + _SHARED, file, where, (*section, key)))
            elif reference.group(2) and key in _NO_DEFAULT:
                message = f"{key} must be an environment reference without a default, such as {example}"
                problems.append(_problem(message + ": a default is a literal" + _SHARED, file, where, (*section, key)))
    for section, keys in _FILE_PATHS.items():
        for key, value, where in _values(located, section, keys):
            if looks_like_pem(value):
                message = f"{key} is the path of a PEM file (or a reference to one), never the PEM text itself"
                problems.append(_problem(message + _SHARED, file, where, (*section, key)))
    return problems


def _values(
    located: LocatedDict, section: tuple[str, ...], keys: tuple[str, ...]
) -> list[tuple[str, str, tuple[int, int]]]:
    node: Any = located
    for step in section:
        node = node.get(step) if isinstance(node, dict) else None
    if not isinstance(node, LocatedDict):
        return []
    return [(key, node[key], node.value_marks[key]) for key in keys if isinstance(node.get(key), str)]


def _problem(message: str, file: str, where: tuple[int, int], field: tuple[str, ...]) -> MappingError:
    line, column = where
    return MappingError(message, file=file, line=line, column=column, field=".".join(field))

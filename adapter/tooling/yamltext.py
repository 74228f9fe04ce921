"""Write mapping files as YAML that reads like the hand-written ones: block style, short rules on one line.

PyYAML's dumper would quote, reorder and wrap; this writes only what a mapping needs (strings, numbers, booleans, the
empty list, nested mappings) and quotes a string exactly when YAML would read it as something else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_PLAIN_BLOCK = re.compile(r"^[A-Za-z_/][A-Za-z0-9_.\-/{}]*$")
# YAML 1.1 (PyYAML) reads these as booleans or null; keys and values spelled so must be quoted.
_SPECIAL = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}
_ONE_LINE = 100


def scalar(value: Any, *, flow: bool = False) -> str:
    """One scalar as YAML. ``flow`` for values inside ``{ ... }``, where braces and commas are syntax."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, list) and not value:
        return "[]"  # the one list a scaffold writes: an empty SOAP-ENC array ending a recursion
    text = str(value)
    plain = (_PLAIN if flow else _PLAIN_BLOCK).match(text) and text.lower() not in _SPECIAL
    return text if plain else json.dumps(text)  # a JSON string is a valid YAML double-quoted scalar


def mapping(node: Mapping[str, Any], indent: int) -> list[str]:
    """The lines of a block mapping at ``indent`` spaces."""
    lines: list[str] = []
    pad = " " * indent
    for key, value in node.items():
        head = f"{pad}{scalar(key)}:"
        if isinstance(value, Mapping):
            inline = _inline(value)
            if inline is not None and len(head) + len(inline) < _ONE_LINE:
                lines.append(f"{head} {inline}")
            else:
                lines.append(head)
                lines.extend(mapping(value, indent + 2))
        else:
            lines.append(f"{head} {scalar(value)}")
    return lines


def _inline(node: Mapping[str, Any]) -> str | None:
    """``{ a: b, c: d }`` when every value is a scalar (or an empty mapping), else ``None``."""
    if not node:
        return "{}"
    parts = []
    for key, value in node.items():
        if isinstance(value, Mapping):
            if value:
                return None
            parts.append(f"{scalar(key, flow=True)}: {{}}")
        else:
            parts.append(f"{scalar(key, flow=True)}: {scalar(value, flow=True)}")
    return "{ " + ", ".join(parts) + " }"

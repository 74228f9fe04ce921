"""YAML that remembers where each value came from, so that every error can name file:line:column."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml


class LocatedDict(dict[str, Any]):
    """A mapping node: ``key_marks[k]`` and ``value_marks[k]`` are 1-based (line, column)."""

    mark: tuple[int, int] = (0, 0)

    def __init__(self) -> None:
        super().__init__()
        self.key_marks: dict[str, tuple[int, int]] = {}
        self.value_marks: dict[str, tuple[int, int]] = {}


class LocatedList(list[Any]):
    mark: tuple[int, int] = (0, 0)

    def __init__(self) -> None:
        super().__init__()
        self.item_marks: list[tuple[int, int]] = []


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


# libyaml's parser when PyYAML was built with it: same nodes and marks, several times faster on large mappings.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader (no arbitrary objects) that builds :class:`LocatedDict` and :class:`LocatedList`."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    result = LocatedDict()
    result.mark = _mark(node)
    own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)  # `<<: *anchor` pairs come first; the node's own keys override them
    merged = len(node.value) - own
    own_keys: set[str] = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)  # YAML 1.1 reads `on`, `404` etc. as non-strings; mapping keys are names
        if index >= merged:
            if key in own_keys:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            own_keys.add(key)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_marks[key] = _mark(key_node)
        result.value_marks[key] = _mark(value_node)
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList()
    result.mark = _mark(node)
    for item in node.value:
        result.append(loader.construct_object(item, deep=True))
        result.item_marks.append(_mark(item))
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str) -> Any:
    """Parse YAML text into located dicts and lists. Raises ``yaml.YAMLError`` with its own mark."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader


def locate(root: Any, loc: Sequence[str | int], *, key: bool = False) -> tuple[int, int]:
    """The deepest known (line, column) along ``loc``; with ``key`` the last step's key rather than its value.

    Steps that are not in the document (pydantic's union member names, say) are skipped.
    """
    node = root
    best: tuple[int, int] = getattr(root, "mark", (0, 0))
    for index, step in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, LocatedDict) and isinstance(step, str) and step in node:
            best = node.key_marks[step] if (key and last) else node.value_marks[step]
            node = node[step]
        elif isinstance(node, LocatedList) and isinstance(step, int) and 0 <= step < len(node):
            best = node.item_marks[step]
            node = node[step]
    return best

"""Golden examples kept next to the mappings, run by ``adapter test``.

Layout: ``<mappings>/examples/<mapping file stem>/<route name>[.<case>]/`` holding

- ``request.json``  the HTTP request as the route reads it: ``{"path": {...}, "query": {...}, "body": ...}``
- ``request.xml``   the envelope the facade must post for it
- ``reply.xml``     a backend reply (recorded from the real service, ideally)
- ``response.json`` what the facade must answer to that reply: ``{"status": 200, "body": ...}``

Each file is optional, but an example compares at least one pair (request → envelope, reply → response).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapter.exceptions import AdapterError, RequestValidationError
from adapter.project import Binding, mapping_files
from adapter.settings import Settings
from adapter.tooling import canon, trial

REQUEST, ENVELOPE, REPLY, RESPONSE = "request.json", "request.xml", "reply.xml", "response.json"
_FILES = (REQUEST, ENVELOPE, REPLY, RESPONSE)


@dataclass(frozen=True)
class Example:
    folder: Path
    mapping: Path

    @property
    def route(self) -> str:
        return self.folder.name.partition(".")[0]

    def file(self, name: str) -> Path:
        return self.folder / name


@dataclass
class Outcome:
    example: Example
    problems: list[str] = field(default_factory=list)  # readable lines: headings and diffs
    updated: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def discover(path: Path) -> list[Example]:
    """Examples under ``path``: a mappings folder, one mapping file, its examples folder, or one example."""
    if path.is_file():
        return _of_mapping(path)
    if any((path / name).is_file() for name in _FILES):
        return [Example(path, path.parent.parent.parent / f"{path.parent.name}.yaml")]
    mappings = mapping_files(path)
    if mappings:
        return [example for mapping in mappings for example in _of_mapping(mapping)]
    mapping = path.parent.parent / f"{path.name}.yaml"
    return _of_mapping(mapping) if path.parent.name == "examples" else []


def _of_mapping(mapping: Path) -> list[Example]:
    folder = mapping.parent / "examples" / mapping.stem
    if not folder.is_dir():
        return []
    return [Example(child, mapping) for child in sorted(folder.iterdir()) if child.is_dir()]


def run(example: Example, binding: Binding, settings: Settings, *, update: bool = False) -> Outcome:
    """Compare one example with what the mapping does now; with ``update``, rewrite the expected files instead."""
    outcome = Outcome(example)
    try:
        route, _ = trial.find_route(binding, example.route)
    except AdapterError as exc:
        outcome.problems.append(f"folder name: {exc.detail}")
        return outcome
    compared = False
    if example.file(ENVELOPE).is_file() or example.file(REQUEST).is_file():
        _compare(outcome, ENVELOPE, lambda: _envelope(example, binding, route, settings), settings, update)
        compared = True
    if example.file(REPLY).is_file():
        _compare(outcome, RESPONSE, lambda: _response(example, binding, route, settings), settings, update)
        compared = True
    if not compared:
        outcome.problems.append(f"nothing to compare: add {ENVELOPE} (with {REQUEST}) or {REPLY} and {RESPONSE}")
    return outcome


def _compare(outcome: Outcome, name: str, actual: Callable[[], str], settings: Settings, update: bool) -> None:
    try:
        text = actual()
    except AdapterError as exc:
        outcome.problems.append(f"{name}: {_error(exc)}")
        return
    target = outcome.example.file(name)
    if update:
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            outcome.updated.append(name)
        return
    if not target.is_file():
        outcome.problems.append(f"{name} is missing (run `adapter test --update` to write it)")
        return
    expected, got = _lines(name, target.read_bytes(), settings), _lines(name, text.encode(), settings)
    if expected != got:
        outcome.problems.append(f"{name} differs:")
        outcome.problems.extend(canon.diff(expected, got, name=name))


def _lines(name: str, data: bytes, settings: Settings) -> list[str]:
    if name.endswith(".xml"):
        return canon.envelope_lines(data, settings.xml)
    return canon.json_lines(json.loads(data, parse_float=Decimal))


def _envelope(example: Example, binding: Binding, route: Any, settings: Settings) -> str:
    request = _request(example)
    body, _ = trial.envelope(binding, route, request)
    return canon.pretty_xml(body, settings.xml) + "\n"


def _response(example: Example, binding: Binding, route: Any, settings: Settings) -> str:
    answer = trial.answer(binding, route, example.file(REPLY).read_bytes(), settings)
    return "\n".join(canon.json_lines(answer.as_dict())) + "\n"


def _request(example: Example) -> trial.Request:
    path = example.file(REQUEST)
    if not path.is_file():
        return trial.Request()
    data = json.loads(path.read_bytes(), parse_float=Decimal)
    return trial.Request(
        path={k: str(v) for k, v in (data.get("path") or {}).items()},
        query=data.get("query") or {},
        headers=data.get("headers") or {},
        body=data.get("body"),
    )


def _error(exc: AdapterError) -> str:
    if isinstance(exc, RequestValidationError):
        return "the request is refused (422): " + "; ".join(f"{p.location}: {p.message}" for p in exc.problems)
    return exc.detail

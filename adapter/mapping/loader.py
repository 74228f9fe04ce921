"""Mapping file text → validated :class:`MappingFile`, with every problem located in the file.

Environment references (``${VAR}``, ``${VAR:-default}``) are allowed in the ``backend`` section only, and are the
only way to give credentials: a literal password in a mapping file is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pydantic
import yaml

from adapter.exceptions import MappingError, MappingErrors, MissingVariable
from adapter.mapping import model
from adapter.mapping.compiler import did_you_mean
from adapter.mapping.model import MappingFile
from adapter.mapping.secrets import secret_problems
from adapter.mapping.southbound import ServedMappingFile, is_served, known_keys
from adapter.mapping.yamlsource import LocatedDict, load_yaml, locate

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class ParsedMapping:
    file: str
    located: Any
    model: MappingFile


def parse_mapping(text: str, file: str, env: Mapping[str, str] | None) -> ParsedMapping:
    """Parse and validate one mapping file. ``env`` resolves ``${VAR}``; ``None`` leaves references unresolved
    (for checking files where the secrets are not set). Raises :class:`MappingErrors`."""
    located = _located(text, file)
    problems = secret_problems(located, file)
    data = _interpolated(located, env, file, problems)
    try:
        model = MappingFile.model_validate(data)
    except pydantic.ValidationError as exc:
        problems.extend(_validation_problems(exc, located, file))
        raise MappingErrors(problems) from None
    if problems:
        raise MappingErrors(problems)
    return ParsedMapping(file=file, located=located, model=model)


def _interpolated(
    located: LocatedDict, env: Mapping[str, str] | None, file: str, problems: list[MappingError]
) -> dict[str, Any]:
    data = dict(located)
    backend = located.get("backend")
    if isinstance(backend, LocatedDict):
        data["backend"] = _resolve(backend, env, file, problems, ("backend",), located)
    return data


def _resolve(
    value: Any,
    env: Mapping[str, str] | None,
    file: str,
    problems: list[MappingError],
    loc: tuple[str, ...],
    root: Any,
) -> Any:
    """Substitute ``${VAR}`` from ``env``; without an environment (checking), only defaults are filled in."""
    if isinstance(value, dict):
        return {k: _resolve(v, env, file, problems, (*loc, k), root) for k, v in value.items()}
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if env is None:
            return default if default is not None else match.group(0)
        if name in env:
            return env[name]
        if default is not None:
            return default
        line, column = locate(root, loc)
        problems.append(MissingVariable(name, file=file, line=line, column=column, field=".".join(loc)))
        return ""

    return _ENV.sub(substitute, value)


@dataclass(frozen=True)
class EnvReference:
    """A ``${VAR}`` of a mapping file's ``backend`` section: what ``serve`` will read from its environment."""

    name: str
    default: str | None
    line: int
    column: int
    field: str


def environment_references(located: Any) -> list[EnvReference]:
    """Every environment reference of a parsed file, in file order, located (only ``backend`` may hold them)."""
    found: list[EnvReference] = []
    backend = located.get("backend") if isinstance(located, LocatedDict) else None
    _references(backend, ("backend",), located, found)
    return found


def _references(value: Any, loc: tuple[str, ...], root: Any, found: list[EnvReference]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _references(item, (*loc, key), root, found)
    elif isinstance(value, str):
        line, column = locate(root, loc)
        for match in _ENV.finditer(value):
            found.append(EnvReference(match.group(1), match.group(2), line, column, ".".join(loc)))


@dataclass
class ParsedServedMapping:
    file: str
    located: Any
    model: ServedMappingFile


def parse_served_mapping(text: str, file: str, env: Mapping[str, str] | None) -> ParsedServedMapping:
    """Parse and validate one served-contract mapping file (:mod:`adapter.mapping.southbound`), like
    :func:`parse_mapping`. Raises :class:`MappingErrors`."""
    located = _located(text, file)
    problems: list[MappingError] = []
    data = _interpolated(located, env, file, problems)
    try:
        served = ServedMappingFile.model_validate(data)
    except pydantic.ValidationError as exc:
        problems.extend(_validation_problems(exc, located, file, known_keys))
        raise MappingErrors(problems) from None
    if problems:
        raise MappingErrors(problems)
    return ParsedServedMapping(file=file, located=located, model=served)


def is_served_mapping(text: str) -> bool:
    """Whether ``text`` is a served-contract mapping file rather than a JSON-facade one."""
    try:
        return is_served(load_yaml(text))
    except yaml.YAMLError:
        return False  # parse_mapping reports it, with its place


def _located(text: str, file: str) -> LocatedDict:
    try:
        located = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        problem = getattr(exc, "problem", None) or str(exc)
        raise MappingErrors([MappingError(f"invalid YAML: {problem}", file=file, line=line, column=column)]) from None
    if not isinstance(located, LocatedDict):
        raise MappingErrors([MappingError("a mapping file is a YAML mapping (key: value)", file=file, line=1)])
    return located


def _validation_problems(
    exc: pydantic.ValidationError,
    located: Any,
    file: str,
    known: Callable[[tuple[Any, ...]], list[str]] | None = None,
) -> list[MappingError]:
    errors = exc.errors(include_url=False)
    by_place: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for details in errors:
        place = tuple(step for step in details["loc"] if not _is_member_name(step))
        by_place.setdefault(place, []).append({**details})
    problems = []
    for place, group in by_place.items():
        # A union (string or rule object) reports one error per member: keep the most specific ones.
        specific = [e for e in group if e["type"] != "string_type"] or group
        for error in specific:
            problems.append(_problem(place, error, located, file, known or _known_keys))
    return problems


def _is_member_name(step: Any) -> bool:
    return isinstance(step, str) and (step in ("str", "Rule", "int", "float") or "[" in step)


def _problem(
    place: tuple[Any, ...],
    error: dict[str, Any],
    located: Any,
    file: str,
    known: Callable[[tuple[Any, ...]], list[str]],
) -> MappingError:
    extra = error["type"] == "extra_forbidden"
    line, column = locate(located, place, key=extra)
    message = error["msg"]
    if extra:
        name = str(place[-1])
        message = f"unknown key {name!r}{did_you_mean(name, known(place))}"
    return MappingError(message, file=file, line=line, column=column, field=".".join(map(str, place)))


def _known_keys(place: tuple[Any, ...]) -> list[str]:
    names = [str(step) for step in place[:-1] if isinstance(step, str)]
    by_parent: dict[str, type[pydantic.BaseModel]] = {
        "": model.MappingFile,
        "contract": model.ContractRef,
        "backend": model.Backend,
        "security": model.BackendSecurity,
        "username_token": model.UsernameToken,
        "signature": model.X509Signature,
        "tls": model.BackendTls,
        "routes": model.Route,
        "errors": model.ErrorRule,
        "pagination": model.Pagination,
        "resilience": model.Resilience,
        "retries": model.Retries,
        "backoff": model.Backoff,
        "breaker": model.Breaker,
        "bulkhead": model.Bulkhead,
        "limits": model.Limit,
        "cache": model.Cache,
    }
    parent = names[-1] if names else ""
    cls = by_parent.get(parent, model.Rule)
    if len(names) >= 2 and names[-2] in ("request", "response", "fields"):
        cls = model.Rule
    return [info.alias or key for key, info in cls.model_fields.items()]

"""The README's examples are true: every YAML and shell block is extracted and checked.

YAML blocks parse, and a mapping excerpt validates against the mapping JSON Schema and is a true excerpt of the file
it names. Shell commands (``sh`` blocks, and the ``$`` lines of ``console`` blocks) are ``make`` targets that exist,
``adapter`` commands and options that exist, ``ADAPTER_*`` variables that are settings, and curl calls to routes the
shipped mappings serve."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from pydantic import BaseModel
from starlette.routing import Match

from adapter.app import create_app
from adapter.cli import main
from adapter.mapping.fileschema import json_schema
from adapter.settings import Settings
from tests.conftest import project_settings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
SHELLS = ("sh", "shell", "bash", "console")


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    line: int

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.lang})"


def blocks(*langs: str) -> list[Block]:
    text = README.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        if match["lang"] in langs:
            body = "\n".join(line.removeprefix(match["indent"]) for line in match["body"].splitlines())
            found.append(Block(match["lang"], body, text.count("\n", 0, match.start()) + 1))
    return found


def commands(block: Block) -> Iterator[list[str]]:
    """Each command of a block, split as a shell would (comments dropped, continuation lines joined)."""
    lines = block.body.replace("\\\n", " ").splitlines()
    if block.lang == "console":
        lines = [line[2:] for line in lines if line.startswith("$ ")]
    pending = ""
    for line in lines:
        pending = f"{pending}\n{line}" if pending else line
        try:
            words = shlex.split(pending, comments=True)
        except ValueError:  # a quote open over several lines
            continue
        pending = ""
        if words:
            yield words


# -- YAML ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("block", blocks("yaml", "yml"), ids=str)
def test_yaml_blocks_parse_and_mapping_excerpts_are_true(block: Block) -> None:
    document = yaml.safe_load(block.body)
    if not (isinstance(document, dict) and "routes" in document):
        return  # a comment line for editors, say: parsing is the check
    jsonschema.validate({"version": 1, **document}, json_schema())
    if block.body.lstrip().startswith("# a sketch"):
        return  # says it is no excerpt of a shipped file: valid against the mapping schema is the check
    wsdl = document["contract"]["wsdl"]
    shipped = [f for f in (ROOT / "mappings").glob("*.yaml") if f"wsdl: {wsdl}" in f.read_text(encoding="utf-8")]
    assert shipped, f"no shipped mapping binds {wsdl}"
    if any(_is_excerpt(document, yaml.safe_load(f.read_text(encoding="utf-8"))) for f in shipped):
        return
    # Not a shipped file: then what `adapter scaffold` writes for that contract (the workflow section shows it;
    # tests/tooling/test_scaffold_security.py pins it verbatim).
    scaffolded = CliRunner().invoke(main, ["scaffold", str(ROOT / "wsdl" / wsdl)], catch_exceptions=False)
    assert scaffolded.exit_code == 0, scaffolded.output
    assert_excerpt(document, yaml.safe_load(scaffolded.stdout), f"adapter scaffold {wsdl}")


def assert_excerpt(part: Any, whole: Any, where: str) -> None:
    """``part`` is ``whole`` with things left out: mappings keep only some keys, lists only some items."""
    if isinstance(part, dict):
        assert isinstance(whole, dict), where
        for key, value in part.items():
            assert key in whole, f"{where}: {key} is not in the file"
            assert_excerpt(value, whole[key], f"{where}.{key}")
    elif isinstance(part, list) and part and isinstance(part[0], dict):
        assert isinstance(whole, list), where
        for item in part:
            assert any(_is_excerpt(item, candidate) for candidate in whole), (
                f"{where}: {item} is in no item of the file"
            )
    else:
        assert part == whole, f"{where}: {part!r} in the README, {whole!r} in the file"


def _is_excerpt(part: Any, whole: Any) -> bool:
    try:
        assert_excerpt(part, whole, "")
    except AssertionError:
        return False
    return True


# -- shell -----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_routes() -> list[Any]:
    app = create_app(project_settings(), env={"BANK_USER": "u", "BANK_PASSWORD": "p"})
    return list(app.router.routes)


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*):", text, re.M))


def check_make(words: list[str]) -> None:
    targets = [word for word in words[1:] if not word.startswith("-") and "=" not in word]
    for target in targets or ["demo"]:  # `make` alone runs the first target
        assert target in make_targets(), f"no make target {target!r}"


def check_adapter(words: list[str]) -> None:
    group: click.Group = main
    name, *rest = words[1:]
    command = group.get_command(click.Context(group), name)
    assert command is not None, f"no command `adapter {name}`"
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)} | {"-h", "--help"}
    for word in rest:
        if word.startswith("-") and word != "-":
            option = word.split("=", 1)[0]
            assert option in known, f"`adapter {name}` has no option {option}"


def check_export(words: list[str]) -> None:
    for assignment in words[1:]:
        variable = assignment.split("=", 1)[0]
        if not variable.startswith("ADAPTER_"):
            continue
        model: type[BaseModel] = Settings
        parts = variable.removeprefix("ADAPTER_").lower().split("__")
        for depth, part in enumerate(parts):
            assert part in model.model_fields, f"{variable}: no setting {part!r}"
            annotation = model.model_fields[part].annotation
            nested = [t for t in (annotation, *getattr(annotation, "__args__", ())) if _is_model(t)]
            if depth < len(parts) - 1:
                assert nested, f"{variable}: {part} has no parts"
                model = nested[0]


def _is_model(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)


def check_curl(words: list[str], routes: list[Any]) -> None:
    method, url = "GET", ""
    args = iter(words[1:])
    for word in args:
        if word in ("-H", "-X", "-d", "--data"):
            value = next(args)
            method = value if word == "-X" else ("POST" if word in ("-d", "--data") and method == "GET" else method)
        elif not word.startswith("-"):
            url = word
    path = urlsplit(url).path
    scope = {"type": "http", "path": path, "method": method, "root_path": "", "query_string": b"", "headers": []}
    assert any(route.matches(scope)[0] == Match.FULL for route in routes), f"no route serves {method} {path}"


SHELL_COMMANDS = [(block, words) for block in blocks(*SHELLS) for words in commands(block)]


@pytest.mark.parametrize(
    ("block", "words"), SHELL_COMMANDS, ids=[f"{b}: {shlex.join(w)[:60]}" for b, w in SHELL_COMMANDS]
)
def test_shell_commands_exist(block: Block, words: list[str], app_routes: list[Any]) -> None:
    program = words[0]
    if program == "make":
        check_make(words)
    elif program == "adapter":
        check_adapter(words)
    elif program == "export":
        check_export(words)
    elif program == "curl":
        check_curl(words, app_routes)
    else:
        pytest.fail(f"{block}: `{program}` is a command this test does not know how to check")


def test_the_readme_has_blocks_of_each_kind() -> None:
    assert len(blocks("yaml")) >= 2 and len(SHELL_COMMANDS) >= 15

"""Configuration problems of every command: one or two lines naming what to set, exit status 2, no traceback.

The command runs as a user runs it, in a real process, from an empty folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.api.auth import hash_key

ROOT = Path(__file__).resolve().parent.parent
KEYS = f'[{{"name": "app", "hash": "{hash_key("app-key")}"}}]'
PROJECT = ["--mappings", str(ROOT / "mappings"), "--wsdl", str(ROOT / "wsdl")]


def adapter(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ADAPTER_", "BANK_", "ERP_", "PAYMENTS_"))}
    return subprocess.run(
        [sys.executable, "-m", "adapter", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def assert_config_problem(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == "", "nothing is printed before the problem"
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    return lines[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_serve_without_credentials(tmp_path: Path) -> None:
    line = assert_config_problem(adapter("serve", *PROJECT, cwd=tmp_path), "ADAPTER_AUTH__API_KEYS")
    assert line.startswith("authentication is required but no API key or JWT issuer is configured")


def test_serve_with_a_missing_backend_variable(tmp_path: Path) -> None:
    result = adapter("serve", *PROJECT, cwd=tmp_path, ADAPTER_AUTH__API_KEYS=KEYS, BANK_USER="u")
    line = assert_config_problem(result, "BANK_PASSWORD")
    assert line == f"set the environment variable(s) BANK_PASSWORD: named by {ROOT / 'mappings' / 'bank.yaml'}"


def test_serve_on_a_busy_port(tmp_path: Path, busy_port: int) -> None:
    env = {"ADAPTER_AUTH__API_KEYS": KEYS, "BANK_USER": "u", "BANK_PASSWORD": "p"}
    result = adapter("serve", *PROJECT, "--port", str(busy_port), cwd=tmp_path, **env)
    line = assert_config_problem(result, "--port or ADAPTER_PORT")
    assert line.startswith(f"cannot listen on 127.0.0.1:{busy_port} for the adapter: the port is in use")


def test_serve_without_mapping_files(tmp_path: Path) -> None:
    result = adapter("serve", cwd=tmp_path, ADAPTER_AUTH__API_KEYS=KEYS)
    assert_config_problem(result, "ADAPTER_MAPPINGS_DIR")


BAD_SETTINGS = [
    ("ADAPTER_AUTH__REQUIRED", "maybe", "ADAPTER_AUTH__REQUIRED: Input should be a valid boolean"),
    ("ADAPTER_PORT", "eighty", "ADAPTER_PORT: Input should be a valid integer"),
    ("ADAPTER_AUTH__API_KEYS", "not json", "ADAPTER_AUTH (or one of its __ parts) is not valid JSON"),
    ("ADAPTER_DOCS", "sometimes", "ADAPTER_DOCS: Input should be 'public', 'protected' or 'off'"),
]
COMMANDS = [["serve"], ["check"], ["demo"], ["test"], ["try", "m.yaml", "x"], ["scaffold", "c.wsdl"]]


@pytest.mark.parametrize(
    ("command", "setting"),
    [(command, BAD_SETTINGS[i % len(BAD_SETTINGS)]) for i, command in enumerate(COMMANDS)],
    ids=[command[0] for command in COMMANDS],
)
def test_every_command_names_a_bad_setting(tmp_path: Path, command: list[str], setting: tuple[str, str, str]) -> None:
    variable, value, named = setting
    (tmp_path / "m.yaml").write_text("version: 1\n")
    (tmp_path / "c.wsdl").write_text("<definitions/>\n")
    assert_config_problem(adapter(*command, cwd=tmp_path, **{variable: value}), named)


def test_check_with_nothing_to_check_is_not_a_success(tmp_path: Path) -> None:
    assert_config_problem(adapter("check", cwd=tmp_path), "ADAPTER_MAPPINGS_DIR")


def test_demo_on_a_busy_simulator_port(tmp_path: Path, busy_port: int) -> None:
    result = adapter("demo", "--port", "0", "--bank-port", str(busy_port), cwd=tmp_path)
    line = assert_config_problem(result, "--bank-port")
    assert line.startswith(f"cannot listen on 127.0.0.1:{busy_port} for the core-banking simulator")

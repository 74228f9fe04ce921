"""Scaffold writes what the contract asks for: the UsernameToken its WS-SecurityPolicy requires, a contract path that
works from any folder, and exactly what the README shows."""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from adapter.app import create_app
from adapter.cli import main
from tests.conftest import ROOT, project_settings
from tests.corpus import CORPUS, require


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(ROOT)
    return CliRunner()


def _backend(text: str) -> dict[str, object]:
    backend: dict[str, object] = yaml.safe_load(text.split("\n---\n")[0])["backend"]
    return backend


def test_the_bank_policy_gives_a_username_token_of_references(runner: CliRunner, tmp_path: Path) -> None:
    output = tmp_path / "bank.yaml"
    assert runner.invoke(main, ["scaffold", "wsdl/bank/core_banking.wsdl", "-o", str(output)]).exit_code == 0
    assert _backend(output.read_text())["security"] == {
        "username_token": {"username": "${CORE_BANKING_SERVICE_USER}", "password": "${CORE_BANKING_SERVICE_PASSWORD}"}
    }
    checked = runner.invoke(main, ["check", str(output)])
    assert checked.exit_code == 0, checked.output
    assert "${CORE_BANKING_SERVICE_PASSWORD} is not set here; serve needs it" in checked.stderr


def test_hash_password_asks_for_a_digest_on_the_binding_that_attaches_it(runner: CliRunner) -> None:
    secure = runner.invoke(main, ["scaffold", "tests/wsdl/hashed_password.wsdl", "--port", "SecurePort"])
    assert secure.exit_code == 0, secure.output
    assert _backend(secure.stdout)["security"] == {
        "username_token": {"username": "${RATES_SERVICE_USER}", "password": "${RATES_SERVICE_PASSWORD}", "digest": True}
    }
    internal = runner.invoke(main, ["scaffold", "tests/wsdl/hashed_password.wsdl", "--port", "InternalPort"])
    assert "security" not in _backend(internal.stdout)


def test_a_declared_but_unattached_policy_applies_to_every_port(runner: CliRunner) -> None:
    contract = CORPUS / "ws-security-usernametoken" / "UsernameToken.wsdl"
    require(contract)
    for port in ("NumberConversionSoap", "NumberConversionSoap12"):
        result = runner.invoke(main, ["scaffold", str(contract), "--port", port])
        assert result.exit_code == 0, result.output
        token = _backend(result.stdout)["security"]["username_token"]  # type: ignore[index]
        assert token == {"username": "${NUMBER_CONVERSION_USER}", "password": "${NUMBER_CONVERSION_PASSWORD}"}


def test_a_contract_outside_wsdl_is_named_relative_to_the_mapping_file(tmp_path: Path) -> None:
    """Written from one folder, checked from another and served from a third: the path holds in each."""
    project, elsewhere = tmp_path / "project", tmp_path / "contracts" / "rates"
    (project / "mappings").mkdir(parents=True)
    elsewhere.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "wsdl" / "hashed_password.wsdl", elsewhere / "rates.wsdl")
    runner = CliRunner()
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path / "contracts")
        written = runner.invoke(main, ["scaffold", "rates/rates.wsdl", "-o", str(project / "mappings" / "r.yaml")])
        assert written.exit_code == 0, written.output
        assert 'wsdl: "../../contracts/rates/rates.wsdl"' in (project / "mappings" / "r.yaml").read_text()
        os.chdir(project)
        assert runner.invoke(main, ["check", "mappings/r.yaml"]).exit_code == 0
        os.chdir(ROOT)
        assert runner.invoke(main, ["check", str(project / "mappings")]).exit_code == 0
    finally:
        os.chdir(cwd)
    env = {"RATES_SERVICE_USER": "u", "RATES_SERVICE_PASSWORD": "p"}
    app = create_app(project_settings(mappings_dir=project / "mappings", wsdl_dir=tmp_path / "none"), env=env)
    assert any(getattr(route, "path", "") == "/v1/rate" for route in app.routes)


def test_the_readme_shows_what_scaffold_writes(runner: CliRunner, tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"^adapter scaffold (\S+) -o (\S+)", readme, re.MULTILINE)
    assert command is not None, "the README's workflow no longer shows a scaffold command"
    wsdl, output = command.groups()
    excerpt = re.search(rf"The start of `{re.escape(output)}` from step 2:\n\n\s*```yaml\n(.*?)```", readme, re.S)
    assert excerpt is not None, f"the README no longer shows what {output} holds"
    written = runner.invoke(main, ["scaffold", wsdl, "-o", str(tmp_path / "my_bank.yaml")])
    assert written.exit_code == 0, written.output
    text = (tmp_path / "my_bank.yaml").read_text()
    shown = textwrap.dedent(excerpt.group(1))
    assert shown in text, f"README:\n{shown}\nscaffold:\n{text}"

"""The ``adapter`` command, run the way a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from adapter.cli import main
from adapter.project import mapping_files

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(ROOT)
    return CliRunner()


def test_help_lists_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "demo", "check", "schema", "inspect", "scaffold", "try", "test"):
        assert command in result.output


def test_schema_is_the_committed_one_and_validates_the_shipped_mappings(runner: CliRunner) -> None:
    result = runner.invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    committed = json.loads((ROOT / "docs" / "mapping.schema.json").read_text())
    assert schema == committed, "docs/mapping.schema.json is stale: run `adapter schema > docs/mapping.schema.json`"
    jsonschema.Draft202012Validator.check_schema(schema)
    for file in mapping_files(ROOT / "mappings"):
        jsonschema.validate(yaml.safe_load(file.read_text()), schema)


def test_check_accepts_every_shipped_mapping_without_secrets(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "mappings/bank.yaml: ok (5 routes)" in result.output
    assert "mappings/erp.yaml: ok (5 routes)" in result.output


def test_check_reports_problems_and_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "contract: {wsdl: bank/core_banking.wsdl}\nbackend: {url: http://x}\n"
        "routes:\n  - {method: GET, path: '/a/{iban}', operation: GetBalance, request: {IBAN: path.iban},"
        " response: {b: Bookd}}\n"
    )
    result = runner.invoke(main, ["check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:4:" in result.output
    assert "'Bookd' is not in the reply; did you mean 'Booked'?" in result.output
    assert "1 problem(s) found" in result.output


def test_check_accepts_the_served_contract_mapping(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "mappings/payment_orders.yaml"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "mappings/payment_orders.yaml: ok (4 operations)"

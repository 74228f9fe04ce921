"""`adapter check` refuses exactly what `adapter serve` refuses at start-up, across files too, and lists what serve
will need of its environment without resolving a secret."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapter.app import create_app
from adapter.cli import main
from adapter.exceptions import MappingErrors
from tests.conftest import ROOT, project_settings

BANK = (ROOT / "mappings" / "bank.yaml").read_text()
SERVED = (ROOT / "mappings" / "payment_orders.yaml").read_text()
ENV = {"BANK_USER": "u", "BANK_PASSWORD": "p"}

BALANCE = """\
version: 1
contract: {wsdl: bank/core_banking.wsdl}
backend: {url: "http://127.0.0.1:1/corebanking"}
routes:
  - method: GET
    path: %s
    operation: GetBalance
    request: {IBAN: query.iban}
"""


def _balance(path: str) -> str:
    return BALANCE % path


# Where the shipped bank mapping declares its balance route's path (line:column), as the messages name it.
BALANCE_AT = next(
    f"{number}:{line.index('path:') + 7}"
    for number, line in enumerate(BANK.splitlines(), 1)
    if line.strip() == "path: /v1/accounts/{iban}/balance"
)


# Each project is the shipped bank mapping plus the files named here (@ is their folder); `serve` refuses each one.
PROJECTS = {
    "two files, one method and path": {
        "other.yaml": _balance("/v1/accounts/{iban}/balance"),
        "expected": [
            f"@/other.yaml:6:11: GET /v1/accounts/{{iban}}/balance is already mapped in @/bank.yaml:{BALANCE_AT}"
        ],
    },
    "the same path with another parameter name": {
        "other.yaml": _balance("/v1/accounts/{accountId}/balance"),
        "expected": [
            "@/other.yaml:6:11: GET /v1/accounts/{accountId}/balance matches the same requests as "
            f"GET /v1/accounts/{{iban}}/balance, mapped in @/bank.yaml:{BALANCE_AT}"
        ],
    },
    "two served contracts on one endpoint": {
        "a.yaml": SERVED,
        "b.yaml": SERVED,
        "expected": ["@/b.yaml:12:9: the served endpoint /soap/payment-orders is already mapped in @/a.yaml:12:9"],
    },
    "a route on a served endpoint": {
        "a.yaml": SERVED,
        "z.yaml": _balance("/soap/payment-orders"),
        "expected": [  # the facade's routes come first (they are matched first): the endpoint is the later claim
            "@/a.yaml:12:9: the served endpoint /soap/payment-orders matches the same requests as "
            "GET /soap/payment-orders, mapped in @/z.yaml:6:11"
        ],
    },
    "the adapter's own path": {
        "other.yaml": _balance("/healthz"),
        "expected": ["@/other.yaml:6:11: /healthz is the adapter's own path; map another"],
    },
    "a certificate file that is not there": {
        "other.yaml": _balance("/v2/{iban}").replace("backend: {", "backend: {tls: {ca_bundle: /nonexistent/ca.pem}, "),
        "expected": ["@/other.yaml:3:28: no such file: /nonexistent/ca.pem"],
    },
}


def _project(tmp_path: Path, files: dict[str, object]) -> Path:
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "bank.yaml").write_text(BANK)
    for name, text in files.items():
        if name != "expected":
            (folder / name).write_text(str(text))
    return folder


@pytest.mark.parametrize("case", list(PROJECTS))
def test_check_refuses_what_serve_refuses(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _project(tmp_path, PROJECTS[case])
    expected = [line.replace("@", str(folder)) for line in PROJECTS[case]["expected"]]  # type: ignore[attr-defined]
    monkeypatch.chdir(ROOT)
    checked = CliRunner().invoke(main, ["check", str(folder)])
    assert checked.exit_code == 1, checked.output
    reported = [line for line in checked.stderr.splitlines() if not line.startswith("warning: ")][:-1]
    assert [line.rsplit(" (", 1)[0] for line in reported] == expected
    with pytest.raises(MappingErrors) as refused:
        create_app(project_settings(mappings_dir=folder), env=ENV)
    assert [error.detail for error in refused.value.errors] == reported


def test_the_shipped_project_passes_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", folder)
    monkeypatch.chdir(ROOT)
    assert CliRunner().invoke(main, ["check", str(folder)]).exit_code == 0
    create_app(project_settings(mappings_dir=folder), env=ENV)


def test_a_folder_without_mapping_files_is_refused_by_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    checked = CliRunner().invoke(main, ["check", str(tmp_path)])
    # A configuration problem (exit 2, as for every command): nothing checked is not "no problem".
    assert (checked.exit_code, checked.stderr.splitlines()[0]) == (
        2,
        f"{tmp_path}: no mapping files (*.yaml) there: point --mappings or ADAPTER_MAPPINGS_DIR at the folder of "
        "mapping files",
    )
    with pytest.raises(MappingErrors, match="no mapping files"):
        create_app(project_settings(mappings_dir=tmp_path), env=ENV)


def test_unset_variables_are_warnings_that_name_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("BANK_USER", raising=False)
    monkeypatch.delenv("BANK_PASSWORD", raising=False)
    monkeypatch.delenv("BANK_URL", raising=False)
    result = CliRunner().invoke(main, ["check", "mappings/bank.yaml"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "mappings/bank.yaml: ok (5 routes)\n"
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings[:2] == [
        "warning: mappings/bank.yaml:17:17: ${BANK_USER} is not set here; serve needs it "
        "(backend.security.username_token.username)",
        "warning: mappings/bank.yaml:18:17: ${BANK_PASSWORD} is not set here; serve needs it "
        "(backend.security.username_token.password)",
    ]  # ${BANK_URL:-…} has a default: serve starts without it
    assert "serve refuses to start: authentication is required" in warnings[2]
    monkeypatch.setenv("BANK_USER", "someone")
    monkeypatch.setenv("BANK_PASSWORD", "a-secret-value")
    again = CliRunner().invoke(main, ["check", "mappings/bank.yaml"])
    assert "BANK_" not in again.stderr and "a-secret-value" not in again.output


def test_served_endpoints_without_users_are_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["check", "mappings/payment_orders.yaml"])
    assert result.exit_code == 0
    assert (
        "warning: mappings/payment_orders.yaml:13:19: /soap/payment-orders requires a UsernameToken; "
        "set ADAPTER_SOAP_USERS" in result.stderr
    )
    monkeypatch.setenv("ADAPTER_SOAP_USERS", '{"demo": "demo-pass"}')
    assert "ADAPTER_SOAP_USERS" not in CliRunner().invoke(main, ["check", "mappings/payment_orders.yaml"]).stderr

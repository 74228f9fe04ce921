"""Mapping files are checked against the format and the contract, with file:line:column and a "did you mean"."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.exceptions import MappingErrors
from adapter.mapping.loader import parse_mapping
from adapter.project import load_binding

ROOT = Path(__file__).resolve().parents[2]
ENV = {"BANK_USER": "u", "BANK_PASSWORD": "p"}

HEADER = """\
version: 1
contract:
  wsdl: bank/core_banking.wsdl
backend:
  url: http://127.0.0.1:1/corebanking
"""


def problems(tmp_path: Path, text: str, env: dict[str, str] | None = ENV) -> list[str]:
    file = tmp_path / "m.yaml"
    file.write_text(text)
    with pytest.raises(MappingErrors) as caught:
        load_binding(file, ROOT / "wsdl", env)
    return [error.detail.replace(str(file), "m.yaml") for error in caught.value.errors]


def test_three_mistakes_are_all_reported_with_places_and_suggestions(tmp_path: Path) -> None:
    text = (
        HEADER
        + """\
routes:
  - method: GET
    path: /v1/accounts/{iban}
    operation: GetAcount
  - method: GET
    path: /v1/accounts/{iban}/balance
    operation: GetBalance
    request:
      IBAN: path.iban
    response:
      booked: Booked._valeu
      available: { from: Available, fields: { amount: _value, currency: Ccy } }
  - method: POST
    path: /v1/transfers
    operation: TransferFunds
    request:
      DebtorIBAN: body.debtor
      CreditorIBN: body.creditor
"""
    )
    found = problems(tmp_path, text)
    assert (
        "m.yaml:9:16: no operation 'GetAcount' in the contract; did you mean 'GetAccount'? (routes.0.operation)"
        in found
    )
    assert any(
        p.startswith("m.yaml:16:15: 'Booked._valeu' is not in the reply; did you mean 'Booked._value'?") for p in found
    )
    assert any(
        p.startswith("m.yaml:23:7: 'CreditorIBN' is not an element of TransferFunds; did you mean 'CreditorIBAN'?")
        for p in found
    )
    # The TransferFunds template also leaves required elements unmapped.
    assert any("required element 'CreditorName'" in p for p in found)


def test_format_errors_name_the_key(tmp_path: Path) -> None:
    text = (
        HEADER
        + """\
routes:
  - method: FETCH
    path: /x
    operation: GetAccount
    requets: {}
    request:
      IBAN: { frm: path.iban }
"""
    )
    found = problems(tmp_path, text)
    assert any(p.startswith("m.yaml:7:13: Input should be 'GET'") for p in found)
    assert any(p.startswith("m.yaml:10:5: unknown key 'requets'; did you mean 'request'?") for p in found)
    assert any(p.startswith("m.yaml:12:15: unknown key 'frm'; did you mean 'from'?") for p in found)


def test_unknown_transform_and_bad_path(tmp_path: Path) -> None:
    text = (
        HEADER
        + """\
routes:
  - method: GET
    path: /v1/accounts/{iban}
    operation: GetAccount
    request:
      IBAN: { from: path.ibna, transform: uper }
    response:
      x: "Account.[?"
"""
    )
    found = problems(tmp_path, text)
    assert any("{ibna} is not in the route path; did you mean 'iban'?" in p for p in found)
    assert any("unknown transform 'uper'; did you mean 'upper'?" in p for p in found)
    assert any("invalid path 'Account.[?'" in p for p in found)


def test_secrets_must_come_from_the_environment(tmp_path: Path) -> None:
    text = HEADER.replace(
        "  url: http://127.0.0.1:1/corebanking\n",
        "  url: ${BANK_URL}\n  security:\n    username_token:\n      username: ${BANK_USER}\n      password: hunter2\n",
    )
    found = problems(tmp_path, text + "routes: []\n", env={"BANK_USER": "u"})
    assert any(p.startswith("m.yaml:9:17: password must be an environment reference") for p in found)
    assert any(p.startswith("m.yaml:5:8: environment variable BANK_URL is not set") for p in found)


def test_yaml_syntax_error_has_its_place() -> None:
    with pytest.raises(MappingErrors) as caught:
        parse_mapping("version: 1\nroutes: [\n", "bad.yaml", {})
    assert caught.value.errors[0].detail.startswith("bad.yaml:3:1: invalid YAML")


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(MappingErrors) as caught:
        parse_mapping("version: 1\nversion: 1\n", "dup.yaml", {})
    assert "duplicate key 'version'" in caught.value.errors[0].detail


def test_missing_contract_names_the_file(tmp_path: Path) -> None:
    found = problems(tmp_path, HEADER.replace("bank/core_banking.wsdl", "bank/nope.wsdl") + "routes: []\n")
    assert found == [f"m.yaml:3:9: {ROOT / 'wsdl/bank/nope.wsdl'}: contract file not found (contract.wsdl)"]

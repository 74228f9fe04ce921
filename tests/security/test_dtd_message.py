"""A refused DTD reads as one sentence wherever it surfaces: the CLI, a problem detail, a SOAP fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from adapter.cli import main
from adapter.xml import DTD_REFUSED
from tests.api.problem import assert_problem
from tests.conftest import ROOT, running_stack
from tests.security.test_facade_attacks import ENV, hostile

XXE = b'<?xml version="1.0"?>\n<!DOCTYPE definitions [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(ROOT)
    return CliRunner()


def test_inspect_and_check_name_the_file_in_one_sentence(runner: CliRunner, tmp_path: Path) -> None:
    contract = tmp_path / "bank.wsdl"
    original = (ROOT / "wsdl" / "bank" / "core_banking.wsdl").read_bytes()
    contract.write_bytes(XXE + original.split(b"?>", 1)[1])
    result = runner.invoke(main, ["inspect", str(contract)])
    assert result.exit_code == 1
    assert result.output == f"error: bank.wsdl: {DTD_REFUSED}\n"
    assert "DTDForbidden" not in result.output and "system_id" not in result.output


def test_an_imported_document_with_a_dtd_is_named(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "types.xsd").write_bytes(
        b'<!DOCTYPE schema SYSTEM "http://127.0.0.1:9/x.dtd">'
        b'<schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t"/>'
    )
    main_wsdl = (
        '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        '<types><xsd:schema><xsd:import namespace="urn:t" schemaLocation="types.xsd"/></xsd:schema></types>'
        "</definitions>"
    )
    (tmp_path / "main.wsdl").write_text(main_wsdl)
    result = runner.invoke(main, ["inspect", str(tmp_path / "main.wsdl")])
    assert result.exit_code == 1
    assert f"types.xsd: {DTD_REFUSED}" in result.output


def test_try_and_the_facade_put_the_sentence_in_the_problem_detail(runner: CliRunner, tmp_path: Path) -> None:
    reply = b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + ENV % b"<x>&x;</x>"
    (tmp_path / "reply.xml").write_bytes(reply)
    tried = runner.invoke(main, ["try", "mappings/bank.yaml", "getBalance", "--xml", str(tmp_path / "reply.xml")])
    assert f'"detail": "the backend reply is not acceptable XML: {DTD_REFUSED}"' in tried.output
    with running_stack(bank_app=hostile(reply)) as stack:
        response = stack.client.get("/v1/accounts/DE89370400440532013000")
    body = assert_problem(response, 502, "backend-protocol-error")
    assert body["detail"] == f"the backend reply is not acceptable XML: {DTD_REFUSED}"

"""The integrator commands, run the way an integrator runs them: inspect → scaffold → check → try → test."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from adapter.cli import main

ROOT = Path(__file__).resolve().parents[2]
BANK = "wsdl/bank/core_banking.wsdl"
EXAMPLES = ROOT / "mappings" / "examples"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(ROOT)
    return CliRunner()


def test_every_command_explains_itself(runner: CliRunner) -> None:
    for command, words in {
        "inspect": ["services, ports", "cardinality", "--operations"],
        "scaffold": ["Get/List/Find → GET", "camelCase", "--operations", "-o, --output"],
        "check": ["file:line:column", "did you mean", "exit 1"],
        "try": ["envelope", "--json", "--xml", "request line"],
        "test": ["request.json", "reply.xml", "--update"],
        "serve": ["--reload"],
    }.items():
        result = runner.invoke(main, [command, "--help"])
        assert result.exit_code == 0
        for word in words:
            assert word in result.output, (command, word)


def test_inspect_shows_ports_and_a_typed_tree(runner: CliRunner) -> None:
    result = runner.invoke(main, ["inspect", BANK, "--operations", "GetBalance,GetAcc*"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "core_banking.wsdl: 5 operation(s) in 1 portType(s)" in out
    assert "port CoreBankingPort: SOAP 1.1, binding CoreBankingSoapBinding, portType CoreBankingPortType" in out
    assert "GetBalance  (document/literal wrapped, SOAPAction " in out
    assert "      @Ccy  CurrencyCode (string)  [1]" in out
    assert "Type  AccountType (string) one of: CURRENT, SAVINGS, LOAN" in out
    assert "  fault  AccountNotFound" in out
    assert "TransferFunds" not in out


def test_inspect_refuses_a_broken_contract_by_name(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "v2.wsdl"
    broken.write_text('<description xmlns="http://www.w3.org/ns/wsdl"/>')
    result = runner.invoke(main, ["inspect", str(broken)])
    assert result.exit_code == 1
    assert "error: v2.wsdl is a WSDL 2.0 document" in result.output


def test_scaffold_writes_a_mapping_that_check_accepts(runner: CliRunner, tmp_path: Path) -> None:
    output = tmp_path / "bank.yaml"
    result = runner.invoke(main, ["scaffold", BANK, "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert f"wrote {output} (5 routes); next: adapter check {output}" in result.output
    assert "wsdl: bank/core_banking.wsdl" in output.read_text()
    checked = runner.invoke(main, ["check", str(output)])
    assert checked.exit_code == 0, checked.output
    assert f"{output}: ok (5 routes)" in checked.output
    again = runner.invoke(main, ["scaffold", BANK, "-o", str(output)])
    assert again.exit_code == 1 and "exists; pass --force" in again.output


def test_scaffold_filters_operations_and_suggests_names(runner: CliRunner) -> None:
    result = runner.invoke(main, ["scaffold", BANK, "--operations", "Get*"])
    assert result.exit_code == 0
    assert result.output.count("operation: Get") == 4 and "TransferFunds" not in result.output.split("version: 1")[1]
    wrong = runner.invoke(main, ["scaffold", BANK, "--operations", "GetBalanse"])
    assert wrong.exit_code == 1
    assert "no operation matches 'GetBalanse'; did you mean 'GetBalance'?" in wrong.output


THREE_MISTAKES = """\
version: 1
contract: {wsdl: bank/core_banking.wsdl}
backend: {url: "http://127.0.0.1:1/corebanking"}
routes:
  - method: GET
    path: /v1/accounts/{iban}/balance
    operation: GetBalanse
  - method: GET
    path: /v1/accounts/{iban}/transactions
    operation: GetStatement
    request:
      IBAN: { from: path.iban, transform: uper }
      FromDate: query.from
      ToDate: query.to
      PageNumber: query.page
      PageSize: query.size
  - method: GET
    path: /v1/accounts/{iban}
    operation: GetAccount
    request: {IBAN: path.iban}
    response: {name: Account.Nmae}
"""


def test_check_reports_three_mistakes_with_places_and_suggestions(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(THREE_MISTAKES)
    result = runner.invoke(main, ["check", str(bad), str(ROOT / "mappings" / "bank.yaml")])
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if not line.startswith("warning: ")] == [
        "mappings/bank.yaml: ok (5 routes)".replace("mappings/", f"{ROOT}/mappings/"),
        f"{bad}:7:16: no operation 'GetBalanse' in the contract; did you mean 'GetBalance'? (routes.0.operation)",
        f"{bad}:12:43: unknown transform 'uper'; did you mean 'upper'? (known: alpha, compact, lower, map, number, "
        "string, trim, upper) (routes.1.request.IBAN.transform)",
        f"{bad}:21:22: 'Account.Nmae' is not in the reply; did you mean 'Account.Name'? (routes.2.response.name)",
        "3 problem(s) found",
    ]


def test_check_takes_folders(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "mappings"])
    assert result.exit_code == 0, result.output
    assert "mappings/erp.yaml: ok (5 routes)" in result.output


def test_try_shows_the_envelope_for_a_json_request(runner: CliRunner, tmp_path: Path) -> None:
    body = tmp_path / "transfer.json"
    body.write_text((EXAMPLES / "bank/createTransfer/request.json").read_text().split('"body": ')[1].rsplit("}", 1)[0])
    result = runner.invoke(main, ["try", "mappings/bank.yaml", "createTransfer", "--json", str(body)])
    assert result.exit_code == 0, result.output
    assert "# POST /v1/transfers → TransferFunds (CoreBankingService/CoreBankingPort, SOAP 1.1)" in result.output
    assert 'SOAPAction: "http://example.com/bank/corebanking/v1/TransferFunds"' in result.output
    assert '<ns0:Amount Ccy="EUR">1250.50</ns0:Amount>' in result.output
    assert "<ns0:CreditorIBAN>FR7630006000011234567890189</ns0:CreditorIBAN>" in result.output


def test_try_takes_a_request_line_or_parameters(runner: CliRunner) -> None:
    line = runner.invoke(main, ["try", "mappings/bank.yaml", "GET /v1/accounts/de89%203704%200044%200532%200130%2000"])
    assert line.exit_code == 0, line.output
    assert "<ns0:IBAN>DE89370400440532013000</ns0:IBAN>" in line.output
    params = runner.invoke(
        main, ["try", "mappings/erp.yaml", "listSalesOrders", "-p", "customerId=42", "-p", "status=open"]
    )
    assert params.exit_code == 0, params.output
    assert "<KUNNR>0000000042</KUNNR>" in params.output and "<STATUS>A</STATUS>" in params.output


def test_try_shows_the_json_for_a_reply_and_the_problem_for_a_fault(runner: CliRunner) -> None:
    ok = runner.invoke(
        main, ["try", "mappings/bank.yaml", "getBalance", "--xml", str(EXAMPLES / "bank/getBalance/reply.xml")]
    )
    assert ok.exit_code == 0, ok.output
    assert "HTTP 200" in ok.output and '"amount": "98765432109876.54"' in ok.output
    fault = EXAMPLES / "bank/createTransfer.insufficient-funds/reply.xml"
    refused = runner.invoke(main, ["try", "mappings/bank.yaml", "createTransfer", "--xml", str(fault)])
    assert refused.exit_code == 0
    assert "# backend fault Client: Insufficient funds" in refused.output
    assert "HTTP 422" in refused.output and '"title": "Insufficient funds"' in refused.output


def _members(value: object) -> object:
    """The member names of a JSON value, in order, all the way down."""
    if isinstance(value, dict):
        return [(key, _members(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_members(item) for item in value[:1]]
    return None


def test_try_prints_members_in_mapping_order_as_serve_answers(runner: CliRunner, api: httpx.Client) -> None:
    reply = EXAMPLES / "bank/getTransactions/reply.xml"
    tried = runner.invoke(main, ["try", "mappings/bank.yaml", "getTransactions", "--xml", str(reply)])
    assert tried.exit_code == 0, tried.output
    printed = json.loads(tried.output.split("HTTP 200\n", 1)[1])
    served = api.get("/v1/accounts/DE89370400440532013000/transactions?from=2026-01-01&to=2026-12-31").json()
    assert _members(printed) == _members(served)
    assert [key for key, _ in _members(printed)][:2] == ["transactions", "totalEntries"]  # not sorted: mapping order


def test_try_explains_what_it_cannot_do(runner: CliRunner, tmp_path: Path) -> None:
    unknown = runner.invoke(main, ["try", "mappings/bank.yaml", "getBalanse"])
    assert unknown.exit_code == 1
    assert "has no route 'getBalanse'; did you mean 'getBalance'?" in unknown.output
    body = tmp_path / "b.json"
    body.write_text('{"debtorAccount": "DE89370400440532013000"}')
    refused = runner.invoke(main, ["try", "mappings/bank.yaml", "createTransfer", "--json", str(body)])
    assert refused.exit_code == 1
    assert "body.creditorAccount: is required" in refused.output
    assert "the route refuses this request (HTTP 422)" in refused.output


def test_the_shipped_golden_examples_pass(runner: CliRunner) -> None:
    result = runner.invoke(main, ["test"])
    assert result.exit_code == 0, result.output
    assert "mappings/examples/bank/createTransfer: ok" in result.output
    assert "10 example(s): 10 passed, 0 failed" in result.output


def test_a_golden_difference_is_shown_as_a_diff_and_update_rewrites_it(runner: CliRunner, tmp_path: Path) -> None:
    project = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", project)
    example = project / "examples" / "bank" / "getBalance"
    expected = example / "response.json"
    expected.write_text(expected.read_text().replace("98765432109876.54", "98765432109876.5"))
    request = example / "request.xml"
    request.write_text(request.read_text().replace("<ns0:IBAN>", "<ns0:Iban>").replace("</ns0:IBAN>", "</ns0:Iban>"))
    result = runner.invoke(main, ["test", str(example)])
    assert result.exit_code == 1
    lines = [line.strip() for line in result.output.splitlines()]
    assert "request.xml differs:" in lines and "response.json differs:" in lines
    assert any(line.startswith("-") and line.endswith('"amount": "98765432109876.5",') for line in lines)
    assert any(line.startswith("+") and line.endswith('"amount": "98765432109876.54",') for line in lines)
    assert any(line.startswith("-") and line.endswith("<ns0:Iban>DE02120300000000202051</ns0:Iban>") for line in lines)
    assert "1 example(s): 0 passed, 1 failed" in lines
    updated = runner.invoke(main, ["test", str(project), "--update"])
    assert updated.exit_code == 0 and "getBalance: ok (wrote request.xml, response.json)" in updated.output
    assert runner.invoke(main, ["test", str(project / "bank.yaml")]).exit_code == 0


def test_envelope_comparison_ignores_prefixes_whitespace_and_security_contents(tmp_path: Path) -> None:
    from adapter.settings import XmlLimits
    from adapter.tooling.canon import envelope_lines

    wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    one = (
        f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><w:Security xmlns:w="{wsse}">'
        '<w:Nonce>abc</w:Nonce></w:Security></s:Header><s:Body><a:X xmlns:a="urn:a" b="1" c="2"> 1 </a:X></s:Body>'
        "</s:Envelope>"
    )
    two = (
        '<?xml version="1.0"?>\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">\n'
        f'  <soap:Header><Security xmlns="{wsse}"><Nonce>xyz</Nonce></Security></soap:Header>\n'
        '  <soap:Body>\n    <X xmlns="urn:a" c="2" b="1">1</X>\n  </soap:Body>\n</soap:Envelope>'
    )
    assert envelope_lines(one.encode(), XmlLimits()) == envelope_lines(two.encode(), XmlLimits())


def test_inspect_shows_headers_choices_derivations_lists_and_facets() -> None:
    wsdl = ROOT / "tests" / "wsdl"
    treasury = CliRunner().invoke(main, ["inspect", str(wsdl / "treasury.wsdl"), "--depth", "6"]).output
    assert "header AuditHeader  AuditHeader  (soap:header, input, as _header.AuditHeader)" in treasury
    assert "(abstract; _type / xsi:type: Person, Organisation)" in treasury
    assert "as Person (extension of Party):" in treasury
    assert "min 1 items, max 8 items" in treasury
    assert "Rate  RateOrCode (union of decimal, RateCode)  [1..*]" in treasury
    assert "EntryId  long (integer) (a JSON string)  [1]" in treasury
    assert "@Ccy  Currency (string)  [1]  pattern [A-Z]{3}" in treasury
    orders = CliRunner().invoke(main, ["inspect", str(wsdl / "orders.wsdl")]).output
    assert "Delivery  Address  [0..1]  choice 1: Delivery | PickupPoint" in orders
    assert "_sequence  _sequence  [1..*]  (repeated sequence group: a list of objects)" in orders
    assert "Channel  string  [1]  fixed API" in orders
    assert "Discount  Percentage (decimal)  [0..1]  > 0, <= 100, 2 decimals" in orders


def test_try_takes_http_headers_for_soap_header_blocks(tmp_path: Path) -> None:
    runner = CliRunner()
    (tmp_path / "wsdl").mkdir()
    shutil.copy(ROOT / "tests/wsdl/treasury.wsdl", tmp_path / "wsdl")
    mapping = tmp_path / "treasury.yaml"
    wsdl = str(tmp_path / "wsdl" / "treasury.wsdl")
    assert runner.invoke(main, ["scaffold", wsdl, "--wsdl", str(tmp_path / "wsdl"), "-o", str(mapping)]).exit_code == 0
    body = tmp_path / "body.json"
    body.write_text('{"accountId": "ACC-000042", "from": "2024-01-01+01:00", "to": "2024-01-31"}')
    args = ["try", str(mapping), "getStatement", "--json", str(body), "--wsdl", str(tmp_path / "wsdl")]
    refused = runner.invoke(main, args)
    assert refused.exit_code == 1 and "headers.x-audit-header-user-id: is required" in refused.output
    sent = runner.invoke(main, [*args, "-H", "X-Audit-Header-User-Id=u-17"])
    assert sent.exit_code == 0, sent.output
    assert "<ns0:UserId>u-17</ns0:UserId>" in sent.output and "<ns0:From>2024-01-01+01:00</ns0:From>" in sent.output

"""The shared corpus of real-world contracts (``../shared/wsdl-corpus``), read in place.

Positive entries load offline with the operation count corpus.json gives (operations over all portTypes), scaffold
one mapping per portType that `adapter check` accepts as is, and yield an OpenAPI document whose schemas are valid
JSON Schema. Negative entries are refused with a message that names the file and the missing thing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from adapter.api import openapi
from adapter.exceptions import ContractError
from adapter.intake import ContractStore
from adapter.mapping.compiler import CompiledRoute
from adapter.project import load_binding
from adapter.tooling import intake
from adapter.tooling.scaffold import Scaffolder, Target, scaffold
from tests.corpus import CORPUS, entries, require

# What each refusal must say: the file, then the missing or wrong thing.
REFUSALS = {
    "netsuite-nodesoap-platform": [
        "Netsuite.wsdl:",
        "../../platform/platform.core.xsd",
        "outside the contract's folder",
    ],
    "workday-hr-extract": ["hrextract.wsdl:", "message 'Workday_Common_HeaderMsg'", "not defined"],
    "workday-time-min": ["workday-time-min.wsdl:", "type 'WorkerReferenceEnumeration'", "not defined"],
    "wsdl20-w3c-example": ["W3Example_wsdl_20.wsdl", "WSDL 2.0", "WSDL 1.1"],
}


@pytest.fixture(scope="session")
def contracts() -> ContractStore:
    """Parsed once per session: the corpus holds 3 MB contracts."""
    require()
    return ContractStore()


@pytest.mark.parametrize("entry", entries("ok"))
def test_contract_loads_scaffolds_checks_and_documents_itself(
    entry: dict[str, Any], contracts: ContractStore, tmp_path: Path
) -> None:
    wsdl_path = CORPUS / entry["main"]
    wsdl = contracts.definitions(wsdl_path)
    assert wsdl.operation_count == entry["operations"]
    scaffolder = Scaffolder()
    routes: list[CompiledRoute] = []
    for info in intake.ports(wsdl, None, None):
        contract = contracts.contract(wsdl_path, service=info.service, port=info.name)
        target = Target(entry["main"], info.service, info.name, contract.soap_version, info.address, wsdl_path.name)
        mapping = tmp_path / f"{info.name}.yaml"
        mapping.write_text(scaffold(target, contract.operations.values(), scaffolder=scaffolder))
        binding = load_binding(mapping, CORPUS, None, contracts)  # what `adapter check` runs; raises on a problem
        assert [route.operation for route in binding.mapping.routes] == list(contract.operations)
        routes.extend(binding.mapping.routes)
    soap_port_types = {info.port_type: len(info.operations) for info in wsdl.soap_ports}
    assert len(routes) == sum(soap_port_types.values()) > 0
    _assert_openapi(openapi.document(routes, title=entry["name"], version="1"), len(routes))


def _assert_openapi(document: dict[str, Any], operations: int) -> None:
    text = json.dumps(document)  # serialisable as is
    assert json.loads(text)["openapi"] == "3.1.0"
    found = [op for path in document["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in found]
    assert len(ids) == len(set(ids)) == operations + 1  # every route, and /healthz
    schemas = {json.dumps(schema, sort_keys=True): schema for op in found for schema in _schemas(op)}
    # OpenAPI 3.1 schemas are JSON Schema 2020-12. Checking every distinct one would take most of a minute on the
    # 1,500-operation contracts; an even sample of 150 finds the same mistakes, which are per kind, not per route.
    distinct = list(schemas.values())
    sample = distinct[:: max(1, len(distinct) // 150)]
    jsonschema.Draft202012Validator.check_schema({"$defs": {str(i): s for i, s in enumerate(sample)}})


def _schemas(op: dict[str, Any]) -> list[Any]:
    found = [media["schema"] for r in op["responses"].values() for media in r.get("content", {}).values()]
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    found += [body["schema"]] if body else []
    return found + [param["schema"] for param in op.get("parameters", [])]


@pytest.mark.parametrize("entry", entries("error"))
def test_broken_contract_is_refused_with_a_clear_message(entry: dict[str, Any], contracts: ContractStore) -> None:
    with pytest.raises(ContractError) as refused:
        contracts.definitions(CORPUS / entry["main"])
    message = refused.value.detail
    for expected in REFUSALS[entry["name"]]:
        assert expected in message, message
    assert message.startswith(Path(entry["main"]).name)


def test_rpc_encoded_contracts_carry_what_soap_encoding_needs(contracts: ContractStore) -> None:
    """For SOAP 1.1 §5 (the served and encoded direction builds on it): use, encodingStyle, type= parts and the item
    type of SOAP-ENC arrays (wsdl:arrayType)."""
    definitions = contracts.definitions(CORPUS / "tradetracker-rpc-encoded" / "tradetracker.wsdl")
    operation = next(iter(definitions.bindings.values())).operations["authenticate"]
    assert (operation.style, operation.use) == ("rpc", "encoded")
    assert operation.input is not None
    assert operation.input.body.encoding_style == "http://schemas.xmlsoap.org/soap/encoding/"
    assert [(p.name, p.type.type_name if p.type else None) for p in operation.input.body.parts][:2] == [
        ("customerID", "nonNegativeInteger"),
        ("passphrase", "normalizedString"),
    ]
    sites = definitions.types["{https://ws.tradetracker.com/soap/affiliate}AffiliateSites"]
    assert sites.array_type == "tns:AffiliateSite[]"  # type: ignore[union-attr]
    assert sites.array_item is not None and sites.array_item.type_name == "AffiliateSite"  # type: ignore[union-attr]

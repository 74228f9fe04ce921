"""Scaffolded mappings: every operation mapped, methods and paths guessed, and accepted by the checker as is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from adapter.intake import load_contract
from adapter.project import load_binding
from adapter.tooling.scaffold import Limits, Scaffolder, Target, scaffold
from tests.shapes import Complex, Field, Kind, Simple

ROOT = Path(__file__).resolve().parents[2]
TEXT = Simple(Kind.STRING, "string")


def scaffolded(tmp_path: Path, wsdl: str, name: str = "m.yaml") -> tuple[Path, dict[str, Any]]:
    contract = load_contract(ROOT / "wsdl" / wsdl)
    target = Target(wsdl, contract.service, contract.port, contract.soap_version, contract.address, "x.wsdl")
    file = tmp_path / name
    file.write_text(scaffold(target, contract.operations.values()))
    return file, yaml.safe_load(file.read_text())


def routes_by_operation(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {route["operation"]: route for route in data["routes"]}


def test_the_bank_contract_scaffolds_into_a_mapping_the_checker_accepts(tmp_path: Path) -> None:
    file, data = scaffolded(tmp_path, "bank/core_banking.wsdl")
    binding = load_binding(file, ROOT / "wsdl", None)
    assert len(binding.mapping.routes) == 5
    routes = routes_by_operation(data)
    assert (routes["GetAccount"]["method"], routes["GetAccount"]["path"]) == ("GET", "/v1/account/{iban}")
    assert routes["GetAccount"]["request"] == {"IBAN": "path.iban"}
    statement = routes["GetStatement"]
    assert statement["request"]["FromDate"] == "query.fromDate"
    assert statement["response"]["entry"]["each"] == "Entry"  # repeated → a list
    transfer = routes["TransferFunds"]
    assert (transfer["method"], transfer["path"]) == ("POST", "/v1/transfer-funds")
    assert transfer["request"]["Amount"] == {"from": "body.amount", "fields": {"_value": "value", "Ccy": "ccy"}}
    assert data["backend"]["url"] == "${CORE_BANKING_SERVICE_URL:-http://localhost:8001/corebanking}"


def test_the_erp_contract_maps_nested_and_repeated_input(tmp_path: Path) -> None:
    file, data = scaffolded(tmp_path, "erp/sales_orders.wsdl")
    load_binding(file, ROOT / "wsdl", None)
    routes = routes_by_operation(data)
    create = routes["Z_SALESORDER_CREATE"]
    assert (create["method"], create["path"], create["status"]) == ("POST", "/v1/salesorder", 201)
    items = create["request"]["ORDER_ITEMS_IN"]["fields"]["item"]
    assert items["each"] == "item" and "MATNR" in items["fields"]
    cancel = routes["Z_SALESORDER_CANCEL"]
    assert cancel["method"] == "POST" and cancel["path"].endswith("/cancel")


class _Operation:
    def __init__(self, name: str, shape: Complex, output: Complex | None = None) -> None:
        self.name, self.input_shape, self.output_shape, self.faults = name, shape, output, {}


def _plan(operation: _Operation, scaffolder: Scaffolder | None = None) -> dict[str, Any]:
    return (scaffolder or Scaffolder()).route(operation).as_dict()


def test_a_read_with_structured_input_is_posted() -> None:
    nested = Complex("Filter", {"Name": Field("Name", TEXT)})
    route = _plan(_Operation("FindCustomers", Complex(fields={"Filter": Field("Filter", nested)})))
    assert (route["method"], route["path"]) == ("POST", "/v1/customers/find")
    assert route["request"] == {"Filter": {"from": "body.filter", "fields": {"Name": "name"}}}


def test_a_delete_takes_its_id_from_the_path_and_clashing_guesses_stay_unique() -> None:
    shape = Complex(fields={"OrderId": Field("OrderId", TEXT), "Reason": Field("Reason", TEXT, min_occurs=0)})
    scaffolder = Scaffolder()
    first = _plan(_Operation("DeleteOrder", shape), scaffolder)
    assert (first["method"], first["path"]) == ("DELETE", "/v1/order/{orderId}")
    assert first["request"] == {"OrderId": "path.orderId", "Reason": "query.reason"}
    second = _plan(_Operation("RemoveOrder", shape), scaffolder)
    assert (second["method"], second["path"]) == ("POST", "/v1/remove-order")


def test_recursive_and_large_types_are_bounded() -> None:
    node = Complex("Node")
    node.fields["Child"] = Field("Child", node, min_occurs=0)
    node.fields["Label"] = Field("Label", TEXT)
    route = Scaffolder(Limits(depth=2, fields=10)).route(
        _Operation("CreateTree", Complex(fields={"Root": Field("Root", node)}), node)
    )
    text = repr(route.as_dict())
    assert text.count("Child") <= 4
    assert route.notes and "left out" in route.notes[0]


def test_openapi_shows_xsd_enumerations_unless_a_transform_changes_the_values() -> None:
    from adapter.mapping.functions import build
    from adapter.mapping.jsonschema import Schemas

    leaf_schema = Schemas().leaf

    status = Field("Status", Simple(Kind.STRING, "AccountStatus", ("ACTIVE", "BLOCKED")))
    assert leaf_schema(status, (), inbound=False)["enum"] == ["ACTIVE", "BLOCKED"]
    assert "enum" not in leaf_schema(status, (build("lower"),), inbound=False)
    mapped = leaf_schema(status, (build({"map": {"ACTIVE": "enabled", "BLOCKED": "blocked"}}),), inbound=False)
    assert mapped["enum"] == ["blocked", "enabled"]


def test_soap_enc_arrays_are_scaffolded_as_lists(tmp_path: Path) -> None:
    """An rpc/encoded contract as Axis 1.4 writes it: SOAP-ENC arrays are JSON lists (``each`` for arrays of beans),
    not their encoding attributes, and the fault declared with type= gets its rule."""
    wsdl = ROOT / "tests" / "wsdl" / "axis-customers.wsdl"
    contract = load_contract(wsdl)
    target = Target("axis-customers.wsdl", contract.service, contract.port, "1.1", contract.address, "x.wsdl")
    file = tmp_path / "axis.yaml"
    file.write_text(scaffold(target, contract.operations.values()))
    text = file.read_text()
    assert not any(word in text for word in ("arrayType", "offset", "href"))
    data = yaml.safe_load(text)
    routes = routes_by_operation(data)
    assert routes["listTags"]["response"] == {"listTagsReturn": "listTagsReturn"}
    assert routes["twins"]["response"]["twinsReturn"]["each"] == "twinsReturn"
    assert routes["getCustomer"]["response"]["getCustomerReturn"]["fields"]["tags"] == "tags"
    assert [rule["fault"] for rule in data["errors"]] == ["UnknownCustomerFault"]
    binding = load_binding(file, wsdl.parent, None)
    assert len(binding.mapping.routes) == 5


def test_a_recursion_through_soap_enc_arrays_ends_with_an_empty_array() -> None:
    """A group holding an array of groups (omniture's segments): past the budget the required array is ``[]``, which
    the encoding allows (SOAP 1.1 §5.4.2), rather than a required element left unmapped."""
    from adapter.contract.xsd import ComplexType, Element, ModelGroup, SimpleType
    from adapter.tooling import templates, yamltext

    array = ComplexType(id="enc", name="{http://schemas.xmlsoap.org/soap/encoding/}Array")
    group = ComplexType(id="{urn:x}Group", name="{urn:x}Group")
    groups = ComplexType(
        id="{urn:x}ArrayOfGroup", name="{urn:x}ArrayOfGroup", base=array, array_item=group, array_type="x:Group[]"
    )
    text = SimpleType(id="s", builtin="string")
    group.content = ModelGroup("sequence", [Element("name", text), Element("groups", groups)])
    root = ComplexType(id="in", content=ModelGroup("sequence", [Element("group", group)]))
    rule: Any = templates.request(root, "body", None, templates.Budget(3, 100))["group"]
    depth = 0
    while "each" in rule.get("fields", {}).get("groups", {}) or "from" in rule:
        rule = rule["fields"]["groups"]
        depth += 1
    assert depth >= 1 and rule["fields"]["groups"] == {"value": []}
    assert "groups: { value: [] }" in "\n".join(yamltext.mapping({"groups": {"value": []}}, 0))

"""Every answer the facade gives validates against its own published /openapi.json: each demo route called against
the simulators (successes and problems), and each golden example's response in ``mappings/examples``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from tests.conftest import ROOT, Stack

EXAMPLES = ROOT / "mappings" / "examples"
MAIN = "DE89370400440532013000"
# One call per demo route, and the problems they answer when a value or a record is wrong.
CALLS: list[tuple[str, str, dict[str, Any] | None, int]] = [
    ("GET", f"/v1/accounts/{MAIN}", None, 200),
    ("GET", "/v1/accounts/DE00000000000000000000", None, 404),
    ("GET", f"/v1/accounts/{MAIN}/balance", None, 200),
    ("GET", f"/v1/accounts/{MAIN}/transactions?from=2026-01-01&to=2026-03-31&pageSize=100", None, 200),
    ("GET", f"/v1/accounts/{MAIN}/transactions?from=tomorrow&to=2026-03-31", None, 422),
    ("GET", "/v1/transfers/TRF-UNKNOWN", None, 404),
    ("GET", "/v1/customers/100042", None, 200),
    ("GET", "/v1/customers/999999", None, 404),
    ("GET", "/v1/sales-orders?customerId=100042", None, 200),
]
TRANSFER = {
    "debtorAccount": MAIN,
    "creditorAccount": "FR7630006000011234567890189",
    "creditorName": "Conformance",
    "amount": {"amount": "1.00", "currency": "EUR"},
    "clientReference": "openapi-conformance",
}


def _pointer(*steps: str) -> str:
    return "#/" + "/".join(step.replace("~", "~0").replace("/", "~1") for step in steps)


def validate(document: dict[str, Any], instance: Any, *steps: str) -> None:
    """Validate ``instance`` against the schema at ``steps`` of the OpenAPI document (its $refs resolve in it)."""
    schema = {**document, "$ref": _pointer(*steps)}
    jsonschema.Draft202012Validator(schema).validate(instance)


def validate_answer(document: dict[str, Any], method: str, template: str, status: int, body: Any) -> None:
    operation = document["paths"][template][method.lower()]
    response = operation["responses"][str(status)]
    media = "application/json" if status < 400 else "application/problem+json"
    validate(document, body, "paths", template, method.lower(), "responses", str(status), "content", media, "schema")
    assert response["content"][media]["schema"]  # the status is documented with a schema


def _template(document: dict[str, Any], method: str, path: str) -> str:
    bare = path.split("?")[0].strip("/").split("/")
    for template, operations in document["paths"].items():
        parts = template.strip("/").split("/")
        same = len(parts) == len(bare) and all(p.startswith("{") or p == b for p, b in zip(parts, bare, strict=True))
        if same and method.lower() in operations:
            return template
    raise AssertionError(f"no documented route for {method} {path}")


@pytest.fixture(scope="module")
def document(api: httpx.Client) -> dict[str, Any]:
    found: dict[str, Any] = api.get("/openapi.json").json()
    jsonschema.Draft202012Validator.check_schema({"$defs": found["components"]["schemas"]})
    return found


@pytest.mark.parametrize(("method", "path", "body", "status"), CALLS, ids=[f"{m} {p}" for m, p, _, _ in CALLS])
def test_demo_answers_validate(
    api: httpx.Client, document: dict[str, Any], method: str, path: str, body: Any, status: int
) -> None:
    response = api.request(method, path, json=body)
    assert response.status_code == status, response.text
    validate_answer(document, method, _template(document, method, path), status, response.json())


def test_created_and_read_transfers_validate(stack: Stack, document: dict[str, Any]) -> None:
    created = stack.client.post("/v1/transfers", json=TRANSFER)
    assert created.status_code == 201, created.text
    validate_answer(document, "POST", "/v1/transfers", 201, created.json())
    read = stack.client.get(created.headers["location"])
    validate_answer(document, "GET", "/v1/transfers/{transferId}", 200, read.json())
    duplicate = stack.client.post("/v1/transfers", json=TRANSFER)
    validate_answer(document, "POST", "/v1/transfers", 409, duplicate.json())
    invalid = stack.client.post("/v1/transfers", json={**TRANSFER, "amount": {"amount": "ten", "currency": "EURO"}})
    validate_answer(document, "POST", "/v1/transfers", 422, invalid.json())


def test_nil_counterparties_are_documented_as_null(api: httpx.Client, document: dict[str, Any]) -> None:
    path = f"/v1/accounts/{MAIN}/transactions?from=2026-01-01&to=2026-03-31&pageSize=100"
    entries = api.get(path).json()["transactions"]
    assert any(entry.get("counterparty") is None for entry in entries)  # the demo has some: the schema must allow them


EXAMPLE_FOLDERS = sorted(folder for folder in EXAMPLES.glob("*/*") if (folder / "response.json").is_file())


@pytest.mark.parametrize("folder", EXAMPLE_FOLDERS, ids=[f"{f.parent.name}/{f.name}" for f in EXAMPLE_FOLDERS])
def test_golden_example_responses_validate(document: dict[str, Any], folder: Path) -> None:
    import yaml

    mapping = yaml.safe_load((ROOT / "mappings" / f"{folder.parent.name}.yaml").read_text())
    route = next(r for r in mapping["routes"] if r.get("name") == folder.name.partition(".")[0])
    answer = json.loads((folder / "response.json").read_text(), parse_float=Decimal)
    body = json.loads(json.dumps(answer["body"], default=str))  # as a client reads it
    if answer["status"] >= 400:  # adapter test compares without the per-call members
        body = {**body, "instance": route["path"], "requestId": "0" * 32}
    validate_answer(document, route["method"], route["path"], answer["status"], body)

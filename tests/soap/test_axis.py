"""The JSON facade in front of a real Apache Axis 1.4 rpc/encoded service, the archetype of legacy Java SOAP.

The Java service of ``tests/soap/axis`` is compiled at test time, run by Axis's ``SimpleAxisServer`` on an
ephemeral port and deployed with ``AdminClient``; its ``?wsdl`` is the contract. ``adapter scaffold`` writes the
mapping, ``adapter check`` accepts it, and the facade (on its own ephemeral port) is called over HTTP: Axis answers
with its defaults, multiRef/href references, SOAP-ENC arrays and ``soapenc:*`` typed values, and a Java exception as
a fault declared with ``type=``. Debian's ``libaxis-java`` and a JDK are needed (``make test`` installs them as root);
without them the test skips, saying why, and fails under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from adapter.app import create_app
from adapter.cli import main
from adapter.testing import free_port, serve_asgi
from tests.conftest import API_KEY, project_settings

SOURCES = Path(__file__).resolve().parent / "axis"
JARS = Path(os.environ.get("AXIS_JARS", "/usr/share/java"))
CLASSPATH = ["axis.jar", "jaxrpc.jar", "saaj.jar", "wsdl4j.jar", "commons-discovery.jar", "commons-logging.jar"]
STARTUP = 90.0  # seconds a loaded 2-core machine may take to start the JVM: a wait, not a speed check
VARIABLE = "CUSTOMER_SERVICE_SERVICE_URL"  # the backend URL variable scaffold names after the service


def _requirements() -> list[str]:
    """The class path, or skip (fail under CI=true) naming what is missing."""
    missing = [tool for tool in ("java", "javac") if shutil.which(tool) is None]
    missing += [str(JARS / jar) for jar in CLASSPATH if not (JARS / jar).is_file()]
    if missing:
        reason = "Apache Axis 1.4 needs " + ", ".join(missing) + " (make test installs libaxis-java and a JDK as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return [str(JARS / jar) for jar in CLASSPATH]


def _java(classpath: list[str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["java", "-cp", os.pathsep.join(classpath), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"SimpleAxisServer exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"SimpleAxisServer did not listen on {port} within {STARTUP} s")


@pytest.fixture(scope="module")
def axis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of the deployed CustomerService."""
    jars = _requirements()
    work = tmp_path_factory.mktemp("axis")
    classes = work / "classes"
    compiled = subprocess.run(
        ["javac", "--release", "8", "-cp", os.pathsep.join(jars), "-d", str(classes)]
        + [str(p) for p in sorted(SOURCES.glob("*.java"))],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert compiled.returncode == 0, compiled.stderr
    classpath = [str(classes), *jars]
    port = free_port()
    server = subprocess.Popen(
        ["java", "-cp", os.pathsep.join(classpath), "org.apache.axis.transport.http.SimpleAxisServer", "-p", str(port)],
        cwd=work,  # it writes server-config.wsdd here
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, server)
        admin = f"-lhttp://127.0.0.1:{port}/axis/services/AdminService"
        deployed = _java(classpath, "org.apache.axis.client.AdminClient", admin, str(SOURCES / "deploy.wsdd"), cwd=work)
        assert "Done processing" in deployed.stdout, deployed.stdout + deployed.stderr
        yield f"http://127.0.0.1:{port}/axis/services/CustomerService"
    finally:
        server.terminate()
        server.wait(timeout=30)


@dataclass
class Facade:
    api: httpx.Client
    mapping: Path


@pytest.fixture(scope="module")
def facade(axis: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Facade]:
    """The contract fetched from Axis's ?wsdl, a scaffolded and checked mapping, the facade serving it."""
    tmp = tmp_path_factory.mktemp("facade")
    wsdl_dir, mappings = tmp / "wsdl", tmp / "mappings"
    wsdl_dir.mkdir()
    mappings.mkdir()
    contract = wsdl_dir / "customers.wsdl"
    contract.write_bytes(httpx.get(f"{axis}?wsdl", timeout=30).raise_for_status().content)
    mapping = mappings / "customers.yaml"
    runner = CliRunner()
    scaffolded = runner.invoke(main, ["scaffold", str(contract), "--wsdl", str(wsdl_dir), "-o", str(mapping)])
    assert scaffolded.exit_code == 0, scaffolded.output
    text = mapping.read_text()
    assert "arrayType" not in text and "href" not in text  # arrays are lists, not {arrayType, offset, id, href}
    rule = '  - fault: UnknownCustomerFault\n    status: 404\n    title: "Unknown customer"\n'
    assert rule in text  # a rule per declared fault, the type= one included
    mapping.write_text(text.replace(rule, rule + "    extensions: { customerId: detail.customerId }\n"))
    checked = runner.invoke(main, ["check", str(mapping), "--wsdl", str(wsdl_dir)])
    assert checked.exit_code == 0, checked.output
    settings = project_settings(mappings_dir=mappings, wsdl_dir=wsdl_dir, cache_dir=tmp / "cache")
    with ExitStack() as stack:
        base = stack.enter_context(serve_asgi(create_app(settings, env={VARIABLE: axis})))
        api = stack.enter_context(httpx.Client(base_url=base, headers={"X-API-Key": API_KEY}, timeout=60))
        yield Facade(api, mapping)


CUSTOMER = {  # an xsd:decimal is a JSON string with every digit (docs/contract-model.md)
    "address": {"city": "London", "zip": "N1"},
    "balance": "12345678901234567.10",
    "id": "C42",
    "name": "Ada Lovelace",
    "tags": ["gold", "emea"],
    "visits": 7,
}


def _json(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def test_a_bean_answered_with_multirefs_is_the_whole_value(facade: Facade) -> None:
    assert _json(facade.api.get("/v1/customer", params={"in0": "C42"})) == {"getCustomerReturn": CUSTOMER}


def test_shared_references_decode_to_equal_values(facade: Facade) -> None:
    """Axis writes one multiRef for the customer returned twice: both items carry the whole value."""
    twins = _json(facade.api.post("/v1/twins", json={"in0": "C7"}))["twinsReturn"]
    assert twins == [{**CUSTOMER, "id": "C7"}] * 2


@pytest.mark.parametrize("count", [0, 3])
def test_soap_enc_arrays_are_json_lists(facade: Facade, count: int) -> None:
    tags = _json(facade.api.get("/v1/tags", params={"in0": str(count)}))
    assert tags == {"listTagsReturn": [f"t{n}" for n in range(count)]}


def test_decimals_travel_exactly_both_ways(facade: Facade) -> None:
    """JSON numbers sent as a SOAP-ENC array of xsd:decimal (never through float: Java's BigDecimal sums them); the
    sum comes back as a soapenc:decimal multiRef."""
    body = '{"in0": [0.10, 12345678901234567.20, "0.000000000000000001"]}'
    answer = facade.api.post("/v1/total", content=body, headers={"Content-Type": "application/json"})
    assert _json(answer) == {"totalReturn": "12345678901234567.300000000000000001"}


def test_a_bean_with_arrays_round_trips(facade: Facade) -> None:
    sent = {**CUSTOMER, "tags": [], "address": None}
    assert _json(facade.api.put("/v1/save", json={"in0": sent})) == {"saveReturn": sent}
    sent = {**CUSTOMER, "tags": ["a", "b", "c"], "name": None}
    assert _json(facade.api.put("/v1/save", json={"in0": sent})) == {"saveReturn": sent}


def test_openapi_shows_soap_enc_arrays_as_arrays(facade: Facade) -> None:
    spec = facade.api.get("/openapi.json").json()
    ok = spec["paths"]["/v1/tags"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"type": "array", "items": {"type": "string"}} in ok["properties"]["listTagsReturn"]["anyOf"]


def test_the_declared_fault_is_the_mapped_problem(facade: Facade) -> None:
    """A Java exception (UnknownCustomerFault), declared with type=: the rule's problem, its detail as an object;
    nothing of Axis's stack trace or host name reaches the caller."""
    answer = facade.api.get("/v1/customer", params={"in0": "X1"})
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["title"] == "Unknown customer" and problem["customerId"] == "X1"
    assert "at CustomerService" not in answer.text and "stackTrace" not in answer.text

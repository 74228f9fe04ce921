"""The contract cache: a warm start reads one JSON file and imports neither xmlschema nor zeep; an edited import,
a corrupt or truncated entry are rebuilt silently; an empty ADAPTER_CACHE_DIR turns it off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapter.contract import serial
from adapter.intake import ContractCache, load_contract, load_definitions
from adapter.settings import Settings
from tests.intake.test_intake import write

ROOT = Path(__file__).resolve().parents[2]


def _contract(tmp_path: Path) -> Path:
    folder = tmp_path / "contract"
    folder.mkdir()
    (folder / "treasury.wsdl").write_text((ROOT / "tests/wsdl/treasury.wsdl").read_text())
    return folder / "treasury.wsdl"


def test_a_warm_load_is_the_same_model_and_skips_the_build(tmp_path: Path) -> None:
    path = _contract(tmp_path)
    cache = ContractCache(tmp_path / "cache")
    cold, files = load_definitions(path, cache)
    assert files and len(list((tmp_path / "cache").glob("*.json"))) == 1
    warm, _ = load_definitions(path, cache)
    assert warm is not cold
    assert serial.dump(warm) == serial.dump(cold)
    operation = load_contract(path, definitions=warm).operations["RegisterParty"]
    assert list(operation.input_shape.fields["Party"].shape.variants) == ["Person", "Organisation"]


def test_the_warm_path_imports_neither_xmlschema_nor_zeep(tmp_path: Path) -> None:
    path = _contract(tmp_path)
    load_definitions(path, ContractCache(tmp_path / "cache"))
    code = (
        "import sys; from pathlib import Path; from adapter.intake import ContractCache, load_contract; "
        f"c = load_contract(Path({str(path)!r}), cache=ContractCache(Path({str(tmp_path / 'cache')!r}))); "
        "from adapter.exchange.route import exchange_of; exchange_of(c.operations['QuoteRate']); "
        "print(sorted(m for m in ('xmlschema', 'zeep', 'spyne') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert found.stdout.strip() == "[]"


def test_an_edited_contract_is_rebuilt(tmp_path: Path) -> None:
    path = _contract(tmp_path)
    cache = ContractCache(tmp_path / "cache")
    load_definitions(path, cache)
    path.write_text(path.read_text().replace('<xsd:maxLength value="70"/>', '<xsd:maxLength value="35"/>'))
    later = time.time() + 5
    os.utime(path, (later, later))
    definitions, _ = load_definitions(path, cache)
    party = definitions.types["{urn:example:treasury}Party"]
    assert party.fields["Name"].shape.facets.max_length == 35  # type: ignore[union-attr]


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"key": "0", "files": [], "model": {}}'])
def test_a_corrupt_entry_is_rebuilt_silently(tmp_path: Path, damage: bytes) -> None:
    path = _contract(tmp_path)
    cache = ContractCache(tmp_path / "cache")
    load_definitions(path, cache)
    (entry,) = (tmp_path / "cache").glob("*.json")
    entry.write_bytes(damage)
    definitions, _ = load_definitions(path, cache)
    assert definitions.operation_count == 3
    assert json.loads(entry.read_bytes())["model"]["name"] == "treasury.wsdl"  # written again, whole


def test_an_empty_cache_dir_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADAPTER_CACHE_DIR", "")
    assert Settings().cache_dir is None
    monkeypatch.delenv("ADAPTER_CACHE_DIR")
    assert Settings().cache_dir == Path.home() / ".cache" / "soap-adapter"


def test_an_edited_import_is_rebuilt(tmp_path: Path) -> None:
    (tmp_path / "x.xsd").write_text(X_SCHEMA.format(length=4))
    path = write(tmp_path, imports='<xsd:import namespace="urn:x" schemaLocation="x.xsd"/>')
    cache = ContractCache(tmp_path / "cache")
    _, files = load_definitions(path, cache)
    assert tmp_path / "x.xsd" in files
    (entry,) = (tmp_path / "cache").glob("*.json")
    before = json.loads(entry.read_bytes())["key"]
    (tmp_path / "x.xsd").write_text(X_SCHEMA.format(length=8))
    load_definitions(path, cache)
    assert json.loads(entry.read_bytes())["key"] != before


X_SCHEMA = (
    '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x">'
    '<xsd:simpleType name="Code"><xsd:restriction base="xsd:string"><xsd:maxLength value="{length}"/>'
    "</xsd:restriction></xsd:simpleType></xsd:schema>"
)

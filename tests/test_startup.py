"""What ``adapter serve`` loads at start-up: the libraries of features a project does not use stay unimported."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from adapter.api.auth import hash_key
from tests.conftest import ROOT

PROBE = (
    "import sys; from adapter.app import create_app; from adapter.settings import Settings; "
    "app = create_app(Settings()); "
    "print(sorted(m for m in ('spyne', 'adapter.server', 'redis', 'jwt') if m in sys.modules))"
)


def _imported(mappings: Path, **extra: str) -> str:
    env = {
        "PATH": "/usr/bin:/bin",
        "ADAPTER_MAPPINGS_DIR": str(mappings),
        "ADAPTER_WSDL_DIR": str(ROOT / "wsdl"),
        "ADAPTER_CACHE_DIR": str(mappings.parent / "cache"),
        "ADAPTER_AUTH__API_KEYS": json.dumps([{"name": "k", "hash": hash_key("a-key")}]),
        "BANK_URL": "http://127.0.0.1:9/corebanking",
        "BANK_USER": "u",
        "BANK_PASSWORD": "p",
        **extra,
    }
    found = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=ROOT)
    assert found.returncode == 0, found.stderr[-2000:]
    return found.stdout.strip()


def test_json_routes_alone_start_without_spyne_redis_or_pyjwt(tmp_path: Path) -> None:
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    shutil.copy(ROOT / "mappings" / "bank.yaml", mappings)
    assert _imported(mappings) == "[]"


def test_a_served_contract_brings_spyne_in(tmp_path: Path) -> None:
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    shutil.copy(ROOT / "mappings" / "payment_orders.yaml", mappings)
    assert _imported(mappings, PAYMENTS_HUB_URL="http://127.0.0.1:9") == "['adapter.server', 'spyne']"

"""The mapping core stays pure: importing it loads no zeep, spyne, FastAPI or Starlette."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import adapter.mapping

FORBIDDEN = ("zeep", "spyne", "fastapi", "starlette", "httpx", "lxml")


def test_mapping_core_imports_no_framework() -> None:
    modules = [f"adapter.mapping.{m.name}" for m in pkgutil.iter_modules(adapter.mapping.__path__)]
    assert len(modules) >= 8
    code = "import importlib, json, sys\n"
    code += "".join(f"importlib.import_module({name!r})\n" for name in modules)
    code += "print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True).stdout)
    leaked = sorted({name.split(".")[0] for name in loaded} & set(FORBIDDEN))
    assert leaked == [], f"adapter.mapping pulled in {leaked}"

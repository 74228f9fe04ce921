"""Where the shared corpus of real-world contracts is: ``../shared/wsdl-corpus`` next to the repository, or the
folder ``WSDL_CORPUS`` names (a git worktree sits deeper than the repository), and what its index lists."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("WSDL_CORPUS") or ROOT.parent / "shared" / "wsdl-corpus")
INDEX = CORPUS / "corpus.json"
ENTRIES: list[dict[str, Any]] = json.loads(INDEX.read_text()) if INDEX.is_file() else []


def entries(expect: str) -> list[Any]:
    """The index's entries with this expected outcome, as test parameters (one ``corpus-missing`` without it)."""
    found = [pytest.param(entry, id=entry["name"]) for entry in ENTRIES if entry["expect"] == expect]
    return found or [pytest.param(None, id="corpus-missing")]


def require(path: Path = INDEX) -> Path:
    """``path`` in the corpus; skips the test saying why when it is not there, and fails it under ``CI=true``."""
    if not path.exists():
        reason = f"the WSDL corpus is not at {CORPUS} (it sits in the shared folder next to the repository)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path

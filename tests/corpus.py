"""Where the shared corpus of real-world contracts is: ``../shared/wsdl-corpus`` next to the repository, or the
folder ``WSDL_CORPUS`` names (a git worktree sits deeper than the repository)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("WSDL_CORPUS") or ROOT.parent / "shared" / "wsdl-corpus")

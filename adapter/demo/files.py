"""Where the demo's contracts (``wsdl/``) and mappings (``mappings/``) are.

The wheel carries them as package data in ``adapter/demo/project/`` (``force-include`` in pyproject.toml), so that
``pip install`` + ``adapter demo`` works in any folder. An editable install has no copy: there they are the
repository's own top-level folders, which the product card fixes.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from adapter.exceptions import ConfigError

_PACKAGED = "project"


def project_dir() -> Path:
    """The folder holding the demo's ``wsdl/`` and ``mappings/``."""
    # A wheel is installed unpacked (never imported from a zip here), so the package's resources are real files.
    packaged = Path(str(files(__package__ or "adapter.demo").joinpath(_PACKAGED)))
    repository = Path(__file__).resolve().parents[2]
    for folder in (packaged, repository):
        if (folder / "wsdl").is_dir() and (folder / "mappings").is_dir():
            return folder
    raise ConfigError(f"the demo's contracts and mappings are missing: neither {packaged} nor {repository} has them")


def wsdl_dir() -> Path:
    return project_dir() / "wsdl"


def mappings_dir() -> Path:
    return project_dir() / "mappings"


def contract(relative: str) -> Path:
    """One of the demo's contracts, e.g. ``bank/core_banking.wsdl``."""
    return wsdl_dir() / relative

"""Every positive contract of the shared corpus (``../shared/wsdl-corpus``) that can be served: ``adapter scaffold
--serve`` writes a mapping per portType that ``adapter check`` accepts as it is, mapping every operation, and the
served messages of every operation are built as ``adapter serve`` builds them. A contract that cannot be served (rpc
style, a one-way operation) is refused by the scaffold with a message naming the file and the operation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapter.exceptions import ContractError
from adapter.intake import ContractStore
from adapter.intake.cache import ContractCache
from adapter.project import load_served_binding
from adapter.server.messages import ServedMessages
from adapter.soap.bindings import service_bindings
from adapter.tooling import intake
from adapter.tooling.scaffold import Limits
from adapter.tooling.served import ServedTarget, render
from tests.conftest import CACHE
from tests.corpus import CORPUS, entries, require


@pytest.fixture(scope="module")
def contracts() -> ContractStore:
    require()
    return ContractStore(ContractCache(CACHE))  # the session's cache: models the other corpus tests built


@pytest.mark.parametrize("entry", entries("ok"))
def test_a_served_scaffold_checks_and_serves(entry: dict[str, Any], contracts: ContractStore, tmp_path: Path) -> None:
    wsdl_path = CORPUS / entry["main"]
    for info in intake.ports(contracts.definitions(wsdl_path), None, None):
        contract = contracts.contract(wsdl_path, service=info.service, port=info.name)
        try:
            bindings = service_bindings(contract)
        except ContractError as refused:
            assert refused.detail.startswith(f"{wsdl_path.name}: "), refused.detail  # the file, then the operation
            continue
        target = ServedTarget(entry["main"], info.service, info.name, contract.soap_version, wsdl_path.name)
        mapping = tmp_path / f"{info.name}.yaml"
        mapping.write_text(render(target, contract.operations.values(), Limits()))
        binding = load_served_binding(mapping, CORPUS, {}, contracts)  # what `adapter check` runs; raises
        assert list(binding.service.calls) == list(contract.operations)
        for name in bindings.operations:  # what `adapter serve` builds
            ServedMessages.of(contract.operations[name], bindings.namespace)

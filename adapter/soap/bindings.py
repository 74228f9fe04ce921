"""What serving a contract needs to know of its bindings: every SOAP port of the service that shares the selected
port's port type, and for each operation its Body element names and SOAPAction per SOAP version.

Read from zeep's parse of the WSDL (the same one :mod:`adapter.soap.contract` loads) and returned as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapter.exceptions import ContractError
from adapter.soap.contract import SOAP12_ENV, Contract


@dataclass(frozen=True)
class BoundOperation:
    """One operation: its input and output Body element ``{namespace}name``, its declared fault elements by local
    name, and the SOAPAction each SOAP version's binding declares for it."""

    name: str
    input: str
    output: str
    faults: dict[str, str] = field(default_factory=dict)
    actions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceBindings:
    """The served side of a contract: target namespace, service, SOAP versions, ports and operations."""

    namespace: str
    service: str
    versions: tuple[str, ...]  # "1.1", "1.2", in the order the ports are declared
    ports: tuple[str, ...]  # the ports whose address the served WSDL rewrites
    operations: dict[str, BoundOperation]

    def by_element(self) -> dict[str, BoundOperation]:
        """Operations by their input Body element, which is how a request names its operation."""
        return {operation.input: operation for operation in self.operations.values()}


def service_bindings(contract: Contract) -> ServiceBindings:
    """The bindings of ``contract``'s service that serve its port type; raises :class:`ContractError` for what
    cannot be served (rpc style, operations without input or output, two operations on one Body element)."""
    wsdl = contract.client.wsdl
    port_type = contract.binding.port_type
    ports: list[str] = []
    versions: list[str] = []
    operations: dict[str, BoundOperation] = {}
    for port in wsdl.services[contract.service].ports.values():
        binding = port.binding
        if getattr(binding, "port_type", None) is not port_type:
            continue
        version = "1.2" if getattr(binding, "nsmap", {}).get("soap-env") == SOAP12_ENV else "1.1"
        ports.append(port.name)
        if version not in versions:
            versions.append(version)
        for name, operation in binding._operations.items():
            _add(operations, name, operation, version, contract)
    _check_unique(operations, contract)
    return ServiceBindings(
        namespace=str(contract.binding.port_name.namespace or ""),  # the WSDL's target namespace
        service=contract.service,
        versions=tuple(versions),
        ports=tuple(ports),
        operations=operations,
    )


def _add(operations: dict[str, BoundOperation], name: str, operation: Any, version: str, contract: Contract) -> None:
    if (operation.style or "document") != "document":
        raise ContractError(f"{contract.path.name}: {name} is {operation.style} style; only document/literal is served")
    if operation.output is None or operation.input.body is None or operation.output.body is None:
        raise ContractError(f"{contract.path.name}: {name} needs one input and one output Body element to be served")
    known = operations.get(name)
    if known is not None:
        known.actions[version] = operation.soapaction or ""
        return
    faults = {}
    for fault in operation.faults.values():
        for part in fault.abstract.parts.values():
            if part.element is not None:
                faults[part.element.qname.localname] = part.element.qname.text
    operations[name] = BoundOperation(
        name=name,
        input=operation.input.body.qname.text,
        output=operation.output.body.qname.text,
        faults=faults,
        actions={version: operation.soapaction or ""},
    )


def _check_unique(operations: dict[str, BoundOperation], contract: Contract) -> None:
    seen: dict[str, str] = {}
    for operation in operations.values():
        if operation.input in seen:
            raise ContractError(
                f"{contract.path.name}: {seen[operation.input]} and {operation.name} share the Body element "
                f"{operation.input}; a request could not say which one it calls"
            )
        seen[operation.input] = operation.name

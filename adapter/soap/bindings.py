"""What serving a contract needs to know of its bindings: every SOAP port of the service that shares the selected
port's port type, and for each operation its Body element names and SOAPAction per SOAP version.

Read from the contract model (:mod:`adapter.contract`) and returned as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapter.contract.port import Contract
from adapter.contract.wsdl import Operation
from adapter.exceptions import ContractError


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
    definitions = contract.definitions
    ports: list[str] = []
    versions: list[str] = []
    operations: dict[str, BoundOperation] = {}
    for port in definitions.ports:
        binding = port.binding
        if port.service != contract.service or binding.port_type != contract.binding.port_type:
            continue
        version = binding.soap_version
        if version is None:
            continue
        ports.append(port.name)
        if version not in versions:
            versions.append(version)
        for name, operation in binding.operations.items():
            _add(operations, name, operation, version, contract)
    _check_unique(operations, contract)
    return ServiceBindings(
        namespace=definitions.target_namespace,
        service=contract.service,
        versions=tuple(versions),
        ports=tuple(ports),
        operations=operations,
    )


def _body_element(operation: Operation, output: bool) -> str | None:
    message = operation.output if output else operation.input
    if message is None or len(message.body.parts) != 1 or message.body.parts[0].element is None:
        return None
    return message.body.parts[0].element.clark


def _add(
    operations: dict[str, BoundOperation], name: str, operation: Operation, version: str, contract: Contract
) -> None:
    if operation.style != "document":
        raise ContractError(f"{contract.path.name}: {name} is {operation.style} style; only document/literal is served")
    input_element, output_element = _body_element(operation, False), _body_element(operation, True)
    if input_element is None or output_element is None:
        raise ContractError(f"{contract.path.name}: {name} needs one input and one output Body element to be served")
    known = operations.get(name)
    if known is not None:
        known.actions[version] = operation.soap_action
        return
    faults = {}
    for fault in operation.faults:
        if fault.part is not None and fault.part.element is not None:
            faults[fault.part.element.name] = fault.part.element.clark
    operations[name] = BoundOperation(
        name=name,
        input=input_element,
        output=output_element,
        faults=faults,
        actions={version: operation.soap_action},
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

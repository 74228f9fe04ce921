"""Raw WSDL records + built schemas → :class:`adapter.contract.wsdl.Definitions`.

Here names meet components: a message part's ``element=``/``type=`` becomes the model's element or type, a binding
its portType's operations, a port its binding. A name that leads nowhere is an error naming the thing; a binding
operation its portType does not declare is dropped with a note (WSDL 1.1 §2.5 ties them by name).
"""

from __future__ import annotations

from typing import Any

from adapter.contract.wsdl import Binding, Body, Definitions, Fault, Header, Message, Operation, Part, Port
from adapter.contract.xsd import local_name, namespace_of
from adapter.exceptions import ContractError
from adapter.intake.translate import Translator
from adapter.intake.wsdl import RawAbstractOperation, RawBody, RawDefinitions, RawOperation, RawPart


def assemble(name: str, raw: RawDefinitions, maps: Any) -> Definitions:
    """The contract model of ``raw``, whose schemas ``maps`` holds; ``name`` is the main file's, for messages."""
    builder = _Assembler(name, raw, Translator(maps))
    definitions = Definitions(name=name, target_namespace=raw.target_namespace)
    for clark, operations in raw.port_types.items():
        definitions.port_types.setdefault(local_name(clark), tuple(operations))
    for clark, raw_binding in raw.bindings.items():
        definitions.bindings[local_name(clark)] = builder.binding(raw_binding)
    for port in raw.ports:
        binding = definitions.bindings.get(local_name(port.binding))
        if binding is None or port.binding not in raw.bindings:
            raise ContractError(f"{name}: {_undefined('binding', port.binding)}")
        definitions.ports.append(Port(port.service, port.name, binding, port.address))
    builder.translator.finish()
    definitions.types = builder.translator.types
    definitions.elements = builder.translator.elements
    definitions.notes = builder.notes
    return definitions


def _undefined(kind: str, clark: str) -> str:
    namespace = namespace_of(clark)
    where = f" (namespace {namespace})" if namespace else ""
    return f"{kind} {local_name(clark)!r}{where} is referenced but not defined in the contract"


class _Assembler:
    def __init__(self, name: str, raw: RawDefinitions, translator: Translator) -> None:
        self.name = name
        self.raw = raw
        self.translator = translator
        self.notes: list[str] = []

    def fail(self, kind: str, clark: str) -> ContractError:
        return ContractError(f"{self.name}: {_undefined(kind, clark)}")

    def binding(self, raw_binding: Any) -> Binding:
        port_type = self.raw.port_types.get(raw_binding.port_type)
        if port_type is None:
            raise self.fail("portType", raw_binding.port_type)
        binding = Binding(
            name=local_name(raw_binding.name),
            port_type=local_name(raw_binding.port_type),
            protocol=raw_binding.protocol,
            style=raw_binding.style,
            transport=raw_binding.transport,
        )
        if binding.soap_version is None:
            binding.operations = {op.name: Operation(op.name) for op in raw_binding.operations if op.name in port_type}
            return binding
        for raw_operation in raw_binding.operations:
            abstract = port_type.get(raw_operation.name)
            if abstract is None:
                self.notes.append(
                    f"wsdl:operation {raw_operation.name!r} of binding {binding.name!r} is not in portType "
                    f"{binding.port_type!r}: left out"
                )
                continue
            binding.operations[raw_operation.name] = self.operation(raw_operation, abstract)
        return binding

    def operation(self, raw: RawOperation, abstract: RawAbstractOperation) -> Operation:
        operation = Operation(raw.name, style=raw.style, soap_action=raw.soap_action)
        if abstract.input is not None:
            operation.input = self.message(abstract.input, raw.input or RawBody())
        if abstract.output is not None:
            operation.output = self.message(abstract.output, raw.output or RawBody())
        for fault_name, message_name in abstract.faults.items():
            parts = self.parts(message_name)
            spec = raw.faults.get(fault_name)
            operation.faults.append(
                Fault(
                    name=fault_name,
                    message=message_name,
                    part=parts[0] if parts else None,
                    use=spec.use if spec is not None else "literal",
                    namespace=spec.namespace if spec is not None else "",
                )
            )
        return operation

    def message(self, message_name: str, raw_body: RawBody) -> Message:
        parts = self.parts(message_name)
        headed = {(h.message, h.part) for h in raw_body.headers}
        if raw_body.parts is not None:
            chosen = [part for part in parts if part.name in raw_body.parts]
        else:  # WSDL 1.1 §3.5: all parts; those bound to headers are not in the body (WS-I BP R2208 usage)
            chosen = [part for part in parts if (message_name, part.name) not in headed]
        body = Body(chosen, raw_body.use, raw_body.namespace, raw_body.encoding_style)
        return Message(message_name, body, [self.header(h) for h in raw_body.headers])

    def header(self, raw: Any) -> Header:
        parts = {part.name: part for part in self.parts(raw.message)}
        part = parts.get(raw.part)
        if part is None:
            raise ContractError(
                f"{self.name}: soap:header names part {raw.part!r} of message {local_name(raw.message)!r}, "
                "which has no such part"
            )
        return Header(raw.message, part, raw.use, raw.namespace, raw.encoding_style, raw.required)

    def parts(self, message_name: str) -> list[Part]:
        raw_parts = self.raw.messages.get(message_name)
        if raw_parts is None:
            raise self.fail("message", message_name)
        return [self.part(raw) for raw in raw_parts]

    def part(self, raw: RawPart) -> Part:
        maps = self.translator.maps
        if raw.element is not None:
            component = maps.elements.get(raw.element)
            if component is None:
                raise self.fail("element", raw.element)
            return Part(raw.name, element=self.translator.global_element(component))
        if raw.type is not None:
            component = maps.types.get(raw.type)
            if component is None:
                raise self.fail("type", raw.type)
            return Part(raw.name, type=self.translator.type(component, raw.name))
        raise ContractError(f"{self.name}: part {raw.name!r} has neither element= nor type=")

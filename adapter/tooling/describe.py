"""``adapter inspect``: a contract as an integrator reads it — services, ports, and each operation's messages as a
tree of names, XSD types, cardinality and enumerations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from adapter.contract.members import Field
from adapter.contract.port import BoundOperation as Operation
from adapter.contract.port import Contract
from adapter.contract.wsdl import Definitions as Wsdl
from adapter.contract.xsd import VALUE_KEY
from adapter.contract.xsd import ComplexType as Complex
from adapter.contract.xsd import SimpleType as Simple
from adapter.contract.xsd import XsdType as Shape

_ENUM_SHOWN = 8


def summary(wsdl: Wsdl) -> Iterator[str]:
    """The contract's services and ports."""
    port_types = len(wsdl.port_types)
    yield f"{wsdl.name}: {wsdl.operation_count} operation(s) in {port_types} portType(s)"
    for service in wsdl.services:
        yield ""
        yield f"service {service}"
        for port in (p for p in wsdl.ports if p.service == service):
            yield (
                f"  port {port.name}: {port.kind}, binding {port.binding.name}, portType {port.port_type}, "
                f"{len(port.operations)} operation(s)"
            )
            yield f"    address {port.address or '(none)'}"


def operations(contract: Contract, names: Iterable[str], depth: int) -> Iterator[str]:
    """Each operation of ``contract`` named in ``names``, with its input, output and faults."""
    yield ""
    yield f"operations of {contract.service}/{contract.port} (SOAP {contract.soap_version}):"
    for name in names:
        yield ""
        yield from operation(contract.operations[name], depth)


def operation(op: Operation, depth: int) -> Iterator[str]:
    action = f", SOAPAction {op.soap_action}" if op.soap_action else ""
    yield f"{op.name}  ({op.binding_style}{action})"
    yield f"  input  {op.input.element or '(empty)'}"
    yield from tree(op.input_shape, 2, depth)
    if op.output is None:
        yield "  output none (one-way)"
    else:
        yield f"  output {op.output.element or '(empty)'}"
        yield from tree(op.output.shape, 2, depth)
    for fault, declared in op.faults.items():
        yield f"  fault  {fault}"
        if isinstance(declared.shape, Complex):
            yield from tree(declared.shape, 2, depth)


def tree(shape: Complex, indent: int, depth: int, ancestors: tuple[int, ...] = ()) -> Iterator[str]:
    """One line per attribute, value and child element; recursive types are named, not expanded again."""
    pad = "  " * indent
    for name, attribute in shape.attributes.items():
        needed = "1" if name in shape.required_attributes else "0..1"
        yield f"{pad}@{name}  {_simple(attribute)}  [{needed}]"
    if shape.value is not None:
        yield f"{pad}{VALUE_KEY}  {_simple(shape.value)}"
    if shape.open:
        yield f"{pad}(any other element)"
    for child in shape.fields.values():
        nillable = "  nillable" if child.nillable else ""
        yield f"{pad}{child.name}  {_type(child.shape)}  [{_cardinality(child)}]{nillable}"
        nested = child.shape
        if isinstance(nested, Complex):
            if id(nested) in (*ancestors, id(shape)):
                yield f"{pad}  (recursive: {nested.type_name or child.name} again)"
            elif depth <= 1:
                if nested.fields or nested.attributes:
                    yield f"{pad}  … (deeper than --depth)"
            else:
                yield from tree(nested, indent + 1, depth - 1, (*ancestors, id(shape)))


def _type(shape: Shape) -> str:
    if isinstance(shape, Simple):
        return _simple(shape)
    return shape.type_name or "(anonymous)"


def _simple(simple: Simple) -> str:
    name = simple.type_name or simple.kind.value
    text = name if name == simple.kind.value else f"{name} ({simple.kind.value})"
    if simple.enumeration:
        shown = ", ".join(simple.enumeration[:_ENUM_SHOWN])
        more = len(simple.enumeration) - _ENUM_SHOWN
        text += f" one of: {shown}{f' … (+{more})' if more > 0 else ''}"
    return text


def _cardinality(field: Field) -> str:
    upper = "*" if field.max_occurs is None else str(field.max_occurs)
    return upper if field.min_occurs == field.max_occurs else f"{field.min_occurs}..{upper}"

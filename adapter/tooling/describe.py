"""``adapter inspect``: a contract as an integrator reads it — services, ports, and each operation's messages as a
tree of names, XSD types, cardinality and enumerations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from adapter.contract.members import Field
from adapter.contract.port import HEADER_KEY, Contract, MessageShape
from adapter.contract.port import BoundOperation as Operation
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
    yield from _message("input ", op.input, depth)
    if op.output is None:
        yield "  output none (one-way)"
    else:
        yield from _message("output", op.output, depth)
    for fault, declared in op.faults.items():
        yield f"  fault  {fault}  (detail {_type(declared.shape)})"
        if isinstance(declared.shape, Complex):
            yield from tree(declared.shape, 2, depth)


def _message(label: str, message: MessageShape, depth: int) -> Iterator[str]:
    if message.headers is not None:
        for name, block in message.headers.fields.items():
            yield f"  header {name}  {_type(block.shape)}  (soap:header, {label.strip()}, as {HEADER_KEY}.{name})"
            if isinstance(block.shape, Complex):
                yield from tree(block.shape, 2, depth)
    yield f"  {label} {message.element or '(empty)'}"
    yield from tree(message.body, 2, depth)


def tree(shape: Complex, indent: int, depth: int, ancestors: tuple[int, ...] = ()) -> Iterator[str]:
    """One line per attribute, value and child element; recursive types are named, not expanded again. Choices,
    derived types, lists, unions and facets are shown where they apply."""
    pad = "  " * indent
    if shape.is_polymorphic:
        names = ", ".join(shape.variants) or "(none)"
        abstract = "abstract; " if shape.abstract else ""
        yield f"{pad}({abstract}_type / xsi:type: {names})"
    for use in shape.attribute_uses:
        needed = "1" if use.required else "0..1"
        facets = _facets(use.type)
        notes = _value_constraint(use.default, use.fixed) + (f"  {facets}" if facets else "")
        yield f"{pad}@{use.name}  {_simple(use.type)}  [{needed}]{notes}"
    if shape.value is not None:
        yield f"{pad}{VALUE_KEY}  {_simple(shape.value)}"
    if shape.open:
        yield f"{pad}(any other element)"
    choices = {id(choice): index for index, choice in enumerate(shape.choices, 1)}
    for child in shape.fields.values():
        yield f"{pad}{child.name}  {_type(child.shape)}  [{_cardinality(child)}]{_notes(child, choices)}"
        yield from _nested(child, shape, indent, depth, ancestors)
    if shape.is_polymorphic and depth > 1:
        yield from _variants(shape, indent, depth, ancestors)


def _nested(child: Field, shape: Complex, indent: int, depth: int, ancestors: tuple[int, ...]) -> Iterator[str]:
    nested = child.shape
    pad = "  " * indent
    if not isinstance(nested, Complex):
        return
    if id(nested) in (*ancestors, id(shape)):
        yield f"{pad}  (recursive: {nested.type_name or child.name} again)"
    elif depth <= 1:
        if nested.fields or nested.attributes:
            yield f"{pad}  … (deeper than --depth)"
    else:
        yield from tree(nested, indent + 1, depth - 1, (*ancestors, id(shape)))


def _variants(shape: Complex, indent: int, depth: int, ancestors: tuple[int, ...]) -> Iterator[str]:
    """The members a derived type adds to its base (complexContent extension, XML Schema Part 1 §3.4.2)."""
    pad = "  " * indent
    for name, variant in shape.variants.items():
        if variant is shape:
            continue
        extra = [field for key, field in variant.fields.items() if key not in shape.fields]
        if not extra:
            continue
        yield f"{pad}as {name} ({variant.derivation or 'derived'} of {shape.type_name}):"
        for child in extra:
            yield f"{pad}  {child.name}  {_type(child.shape)}  [{_cardinality(child)}]{_notes(child, {})}"
            yield from _nested(child, variant, indent + 1, depth - 1, (*ancestors, id(shape)))


def _notes(child: Field, choices: dict[int, int]) -> str:
    notes = "  nillable" if child.nillable else ""
    if child.choice is not None and id(child.choice) in choices:
        branches = " | ".join("+".join(branch) for branch in child.choice.branches if branch)
        notes += f"  choice {choices[id(child.choice)]}: {branches}"
    if child.group is not None:
        notes += f"  (repeated {child.group.compositor} group: a list of objects)"
    element = child.element
    if element is not None:
        notes += _value_constraint(element.default, element.fixed)
    if isinstance(child.shape, Simple):
        facets = _facets(child.shape)
        notes += f"  {facets}" if facets else ""
    return notes


def _value_constraint(default: str | None, fixed: str | None) -> str:
    if fixed is not None:
        return f"  fixed {fixed}"
    return f"  default {default}" if default is not None else ""


def _type(shape: Shape) -> str:
    if isinstance(shape, Simple):
        return _simple(shape)
    return shape.type_name or "(anonymous)"


def _simple(simple: Simple) -> str:
    name = simple.type_name or simple.builtin
    if simple.variety == "list":
        item = simple.item.type_name or simple.item.builtin if simple.item is not None else "?"
        return f"{name} (list of {item})" if simple.type_name else f"list of {item}"
    if simple.variety == "union":
        members = ", ".join(m.type_name or m.builtin for m in simple.members)
        return f"{name} (union of {members})"
    kind = simple.kind.value
    text = name if name == kind else f"{name} ({kind})"
    if simple.is_wide_integer:
        text += " (a JSON string)"
    if simple.enumeration:
        shown = ", ".join(simple.enumeration[:_ENUM_SHOWN])
        more = len(simple.enumeration) - _ENUM_SHOWN
        text += f" one of: {shown}{f' … (+{more})' if more > 0 else ''}"
    return text


def _facets(simple: Simple) -> str:
    """The constraining facets other than the enumeration (XML Schema Part 2 §4.3)."""
    facets = simple.facets
    found = [f"pattern {' & '.join(' | '.join(step) for step in facets.patterns)}"] if facets.patterns else []
    unit = "items" if simple.variety == "list" else "chars"
    for label, value in (
        (f"length {facets.length} {unit}", facets.length),
        (f"min {facets.min_length} {unit}", facets.min_length),
        (f"max {facets.max_length} {unit}", facets.max_length),
        (f">= {facets.min_inclusive}", facets.min_inclusive),
        (f"> {facets.min_exclusive}", facets.min_exclusive),
        (f"<= {facets.max_inclusive}", facets.max_inclusive),
        (f"< {facets.max_exclusive}", facets.max_exclusive),
        (f"{facets.total_digits} digits", facets.total_digits),
        (f"{facets.fraction_digits} decimals", facets.fraction_digits),
    ):
        if value is not None:
            found.append(label)
    return ", ".join(found)


def _cardinality(field: Field) -> str:
    upper = "*" if field.max_occurs is None else str(field.max_occurs)
    return upper if field.min_occurs == field.max_occurs else f"{field.min_occurs}..{upper}"

"""The plain-data view of a complex type's content: what mapping, encoder and decoder read.

A content model (XML Schema Part 1 §3.8, §3.9) becomes members by local name:

- an element particle is a :class:`Field` with its effective occurrence range: a field is a list in plain data when
  it may occur more than once, and optional when its particle or any group around it may be absent;
- a sequence or ``all`` that occurs once is flattened into its parent;
- a choice that occurs once is flattened too, its branches becoming optional fields recorded in a :class:`Choice`
  (at most one branch present; exactly one when the choice is required);
- a substitution group head is a choice between the head (unless abstract) and its members (§3.3.6);
- an element of a SOAP-ENC array type (SOAP 1.1 §5.4.2) is a list of the array's item type (``wsdl:arrayType``),
  its items wrapped in the one element (:attr:`Field.array`);
- a model group that may repeat is one field of its own, named after its named group definition (``xsd:group``)
  or ``_sequence``/``_choice``/``_all``, whose items are objects: order and grouping survive the round trip. A
  repeated group around a single element is that element, repeated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from adapter.contract.builtins import XSD
from adapter.contract.xsd import (
    TYPE_KEY,
    VALUE_KEY,
    ComplexType,
    Element,
    Facets,
    ModelGroup,
    Particle,
    SimpleType,
    Wildcard,
    XsdType,
)

__all__ = ["Choice", "Field", "Members", "member", "members", "names", "type_names", "walk"]


@dataclass(eq=False)
class Choice:
    """Mutually exclusive branches of a content model: the field names of each branch."""

    branches: list[list[str]] = field(default_factory=list)
    required: bool = True

    def branch_of(self, name: str) -> int | None:
        for index, names in enumerate(self.branches):
            if name in names:
                return index
        return None


@dataclass(eq=False)
class Field:
    """A member of plain data: a child element (or a repeated model group), with its effective cardinality."""

    name: str
    shape: XsdType
    namespace: str | None = None
    min_occurs: int = 1
    max_occurs: int | None = 1
    nillable: bool = False
    element: Element | None = None  # the declaration, for value constraints and substitution
    group: ModelGroup | None = None  # set for a repeated model group: its items are written inline
    choice: Choice | None = None
    array: ComplexType | None = None  # set for a SOAP-ENC array: the items are wrapped in one element of this type

    @property
    def is_list(self) -> bool:
        """A repeated element is always a list in plain data, whatever number of occurrences arrived."""
        return self.max_occurs is None or self.max_occurs > 1

    @property
    def required(self) -> bool:
        return self.min_occurs > 0 and not self.nillable

    @property
    def clark(self) -> str:
        return f"{{{self.namespace}}}{self.name}" if self.namespace else self.name


@dataclass(eq=False)
class Members:
    fields: dict[str, Field] = field(default_factory=dict)
    choices: list[Choice] = field(default_factory=list)
    open: bool = False


def members(owner: ComplexType) -> Members:
    """The members of ``owner``'s content (empty for simple content)."""
    flat = _Flattener(owner)
    if owner.content is not None:
        flat.particle(owner.content, optional=owner.content.min_occurs == 0, choice=None)
    return flat.result


class _Flattener:
    def __init__(self, owner: ComplexType) -> None:
        self.owner = owner
        self.result = Members()

    def particle(self, particle: Particle, *, optional: bool, choice: Choice | None) -> None:
        if isinstance(particle, Wildcard):
            self.result.open = True
        elif isinstance(particle, Element):
            self.element(particle, optional=optional, choice=choice)
        elif particle.is_repeated:
            single = _single_element(particle)
            if single is not None:
                self.element(single, optional=optional or single.min_occurs == 0, choice=choice)
            else:
                self.repeated_group(particle, optional=optional, choice=choice)
        elif particle.compositor == "choice":
            self.choice(particle, optional=optional or particle.min_occurs == 0)
        else:
            for child in particle.particles:
                self.particle(child, optional=optional or particle.min_occurs == 0, choice=choice)

    def element(self, element: Element, *, optional: bool, choice: Choice | None) -> None:
        if element.substitutes:
            self.substitution_group(element, optional=optional)
            return
        if isinstance(element.type, ComplexType) and element.type.is_soap_array:
            self.add(array_field(element, choice, optional))
            return
        self.add(
            Field(
                name=element.name,
                shape=element.type,
                namespace=element.namespace,
                min_occurs=0 if optional else element.min_occurs,
                max_occurs=element.max_occurs,
                nillable=element.nillable,
                element=element,
                choice=choice,
            )
        )

    def choice(self, group: ModelGroup, *, optional: bool) -> None:
        choice = Choice(required=not optional)
        self.result.choices.append(choice)
        for child in group.particles:
            before = set(self.result.fields)
            self.particle(child, optional=True, choice=choice)
            choice.branches.append([name for name in self.result.fields if name not in before])

    def substitution_group(self, head: Element, *, optional: bool) -> None:
        """Part 1 §3.3.6: any member of the head's substitution group may stand where the head is declared."""
        choice = Choice(required=not optional and head.min_occurs > 0)
        self.result.choices.append(choice)
        for member in ([] if head.abstract else [head]) + list(head.substitutes):
            if member.abstract:
                continue
            stand_in = Element(
                name=member.name,
                type=member.type,
                namespace=member.namespace,
                min_occurs=head.min_occurs,
                max_occurs=head.max_occurs,
                nillable=member.nillable,
                default=member.default,
                fixed=member.fixed,
                ref=member.ref,
            )
            before = set(self.result.fields)
            self.element(stand_in, optional=True, choice=choice)
            choice.branches.append([name for name in self.result.fields if name not in before])

    def repeated_group(self, group: ModelGroup, *, optional: bool, choice: Choice | None) -> None:
        name = self._group_name(group)
        item = ComplexType(
            id=f"{self.owner.id}/{name}",
            hint=name,
            content=ModelGroup(group.compositor, group.particles, 1, 1, group.name),
            group=group,
        )
        self.add(
            Field(
                name=name,
                shape=item,
                min_occurs=0 if optional else group.min_occurs,
                max_occurs=group.max_occurs,
                group=group,
                choice=choice,
            )
        )

    def _group_name(self, group: ModelGroup) -> str:
        base = group.name or f"_{group.compositor}"
        name, number = base, 1
        while name in self.result.fields:
            number += 1
            name = f"{base}{number}"
        return name

    def add(self, new: Field) -> None:
        known = self.result.fields.get(new.name)
        if known is None:
            self.result.fields[new.name] = new
            return
        # The same name twice in one content model (Part 1 §3.8.6 "Element Declarations Consistent"): one list.
        known.min_occurs += new.min_occurs
        known.max_occurs = (
            None if known.max_occurs is None or new.max_occurs is None else known.max_occurs + new.max_occurs
        )


def array_field(element: Element, choice: Choice | None = None, optional: bool = False) -> Field:
    """A SOAP-ENC array element as a list of its items: any number of them. ``min_occurs`` says whether the element
    must be there (an empty array is ``[]``); it may always be nil (SOAP 1.1 §5.1: any accessor may be NULL)."""
    array = element.type
    assert isinstance(array, ComplexType)
    return Field(
        name=element.name,
        shape=array_item(array),
        namespace=element.namespace,
        min_occurs=0 if optional else min(element.min_occurs, 1),
        max_occurs=None,
        nillable=True,
        element=element,
        choice=choice,
        array=array,
    )


def array_item(array: ComplexType) -> XsdType:
    """The item type of a SOAP-ENC array: its ``wsdl:arrayType`` (WSDL 1.1 §2.2), else the one element its content
    declares, else ``xsd:anyType`` (items then say their type with ``xsi:type``). An array of arrays (``T[][]``) has
    arrays as items, which the model does not name: its items are read as found."""
    shape: XsdType | None = array
    while isinstance(shape, ComplexType):
        if shape.array_type and "][" not in shape.array_type.replace(" ", "") and shape.array_item is not None:
            return shape.array_item
        declared = [f for f in shape.fields.values() if f.array is None]
        if len(declared) == 1 and not shape.array_type:
            return declared[0].shape
        if shape.array_type:
            break
        shape = shape.base
    return _any_type()


@cache
def _any_type() -> ComplexType:
    return ComplexType(
        id=f"{{{XSD}}}anyType",
        name=f"{{{XSD}}}anyType",
        mixed=True,
        content=ModelGroup("sequence", [Wildcard(("##any",), "lax", 0, None)]),
        any_attribute=Wildcard(("##any",), "lax"),
    )


def _single_element(group: ModelGroup) -> Element | None:
    """The element of a repeated group holding just one element particle, with the occurrences multiplied."""
    if len(group.particles) != 1:
        return None
    only = group.particles[0]
    if isinstance(only, ModelGroup):
        inner = _single_element(only)
        if inner is None:
            return None
        only = inner
    if not isinstance(only, Element):
        return None
    maximum = None if group.max_occurs is None or only.max_occurs is None else group.max_occurs * only.max_occurs
    return Element(
        name=only.name,
        type=only.type,
        namespace=only.namespace,
        min_occurs=group.min_occurs * only.min_occurs,
        max_occurs=maximum,
        nillable=only.nillable,
        default=only.default,
        fixed=only.fixed,
        abstract=only.abstract,
        ref=only.ref,
        substitutes=only.substitutes,
    )


# -- looking members up by name (the mapping checker and engine) ---------------------------------------------


def member(shape: ComplexType, name: str) -> Field | None:
    """The member ``name`` of plain data of ``shape``: a child element, an attribute, ``_value`` (simple content),
    ``_type`` (the type of a value whose type may be derived), or a member of a derived type."""
    found = shape.fields.get(name)
    if found is not None:
        return found
    attribute = next((use for use in shape.attribute_uses if use.name == name and use.use != "prohibited"), None)
    if attribute is not None:
        return Field(name=name, shape=attribute.type, min_occurs=1 if attribute.required else 0)
    if name == VALUE_KEY and shape.simple is not None:
        return Field(name=name, shape=shape.simple)
    if name == TYPE_KEY and shape.is_polymorphic:
        return Field(name=name, shape=type_names(shape), min_occurs=1 if shape.abstract else 0)
    for variant in shape.variants.values():
        if variant is not shape:
            found = member(variant, name)
            if found is not None:
                return Field(
                    found.name,
                    found.shape,
                    found.namespace,
                    0,
                    found.max_occurs,
                    found.nillable,
                    found.element,
                    array=found.array,
                )
    return None


def names(shape: ComplexType) -> list[str]:
    """Every member name of ``shape``, for "did you mean" hints."""
    found = [*shape.fields, *shape.attributes] + ([VALUE_KEY] if shape.simple is not None else [])
    if shape.is_polymorphic:
        found.append(TYPE_KEY)
        for variant in shape.variants.values():
            found += [name for name in names(variant) if name not in found] if variant is not shape else []
    return found


def type_names(shape: ComplexType) -> SimpleType:
    """The simple type of ``_type``: the names of the concrete types a value may have."""
    found: SimpleType | None = shape.__dict__.get("_type_names")
    if found is None:
        enumeration = tuple(shape.variants)
        found = SimpleType(id=f"{shape.id}#{TYPE_KEY}", hint=TYPE_KEY, facets=Facets(enumeration=enumeration))
        shape.__dict__["_type_names"] = found
    return found


def walk(shape: XsdType, path: tuple[str, ...]) -> Field | None:
    """The member at ``path`` below ``shape`` (list items are transparent), or ``None``."""
    found: Field | None = None
    current: XsdType = shape
    for name in path:
        if not isinstance(current, ComplexType):
            return None
        found = member(current, name)
        if found is None:
            return None
        current = found.shape
    return found


def fault_document(detail: Field) -> ComplexType:
    """The type of what a fault's error rule reads: ``{code, message, detail}``, ``detail`` of the declared type."""
    found: ComplexType | None = detail.__dict__.get("_document")
    if found is None:
        text = SimpleType(id="#fault-text", builtin="string")
        particles: list[Particle] = [
            Element(name="code", type=text),
            Element(name="message", type=text),
            Element(name="detail", type=detail.shape, min_occurs=0),
        ]
        found = ComplexType(id=f"#fault:{detail.name}", hint="fault", content=ModelGroup("sequence", particles))
        detail.__dict__["_document"] = found
    return found

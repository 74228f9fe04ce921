"""Encode plain data as XML elements of the contract's types: the request side of the exchange.

One :class:`ContentWriter` per complex type, compiled on first use and kept on the type. It writes attributes,
simple content and child elements in the order of the content model, a list as repeated elements, ``None`` as
``xsi:nil`` (only where nillable), a repeated model group's items inline, and a derived type named by ``_type`` with
``xsi:type`` (XML Schema Part 1 §2.6.1). Every value goes through its simple type's codec
(:mod:`adapter.contract.values`), so what leaves conforms to the facets. A problem is an :class:`EncodeProblem`
naming the plain-data path (``Amount.Ccy``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from adapter.contract.members import Field
from adapter.contract.values import ValueProblem, codec
from adapter.contract.xsd import TYPE_KEY, VALUE_KEY, ComplexType, SimpleType, XsdType
from adapter.exchange.soapenc import ARRAY, ARRAY_TYPE, qname_text, type_name, typed_child

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_NIL = f"{{{XSI}}}nil"
XSI_TYPE = f"{{{XSI}}}type"

__all__ = ["ContentWriter", "EncodeProblem", "write_value", "writer"]

Writer = Callable[[Any, Any, str], None]  # (parent element, value, path)


class EncodeProblem(ValueError):
    """A value the contract does not accept, at a plain-data path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def writer(shape: ComplexType, encoded: bool = False) -> ContentWriter:
    """The writer of ``shape``'s content; ``encoded`` (SOAP 1.1 §5) types every element with ``xsi:type``."""
    key = "_encoded_writer" if encoded else "_writer"
    found: ContentWriter | None = shape.__dict__.get(key)
    if found is None:
        found = shape.__dict__[key] = ContentWriter(shape, encoded)
    return found


def _at(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class ContentWriter:
    """Writes the content of elements of one complex type."""

    def __init__(self, shape: ComplexType, encoded: bool = False) -> None:
        self.shape = shape
        self.attributes = [
            (use.name, f"{{{use.namespace}}}{use.name}" if use.namespace else use.name, codec(use.type), use)
            for use in shape.attribute_uses
            if use.use != "prohibited"
        ]
        self.value = codec(shape.simple) if shape.simple is not None else None
        self.fields: list[tuple[str, Field, Writer]] = [
            (name, member, _field_writer(member, encoded)) for name, member in shape.fields.items()
        ]
        self.known = {name for name, _, _ in self.fields} | {name for name, _, _, _ in self.attributes}
        self.known |= {VALUE_KEY, TYPE_KEY}

    def content(self, element: Any, data: Any, path: str) -> None:
        """Write ``data`` (a dict) as the attributes and content of ``element``."""
        if not isinstance(data, dict):
            raise EncodeProblem(path or self.shape.type_name, "must be an object")
        for name, key, simple, use in self.attributes:
            value = data.get(name)
            if value is None:
                if use.required:
                    raise EncodeProblem(_at(path, name), "is required")
                continue
            try:
                element.set(key, simple.write(value))
            except ValueProblem as exc:
                raise EncodeProblem(_at(path, name), str(exc)) from None
        if self.value is not None or (self.shape.mixed and VALUE_KEY in data):
            self._text(element, data.get(VALUE_KEY), path)
        for name, member, write in self.fields:
            if name in data:
                write(element, data[name], _at(path, name))
            elif member.min_occurs > 0 and (member.choice is None or not member.choice.required):
                raise EncodeProblem(_at(path, name), "is required")
        self._choices(data, path)
        extra = [key for key in data if key not in self.known]
        for key in extra:
            if not self.shape.open:
                what = self.shape.type_name or "this element"
                raise EncodeProblem(_at(path, key), f"is not an element of {what}")
            write_generic(element, key, data[key])

    def _text(self, element: Any, value: Any, path: str) -> None:
        if value is None:
            if self.value is not None:
                raise EncodeProblem(_at(path, VALUE_KEY), "is required")
            return
        try:
            element.text = self.value.write(value) if self.value is not None else str(value)
        except ValueProblem as exc:
            raise EncodeProblem(_at(path, VALUE_KEY), str(exc)) from None

    def _choices(self, data: dict[str, Any], path: str) -> None:
        for choice in self.shape.choices:
            present = [names for names in choice.branches if any(n in data and data[n] != [] for n in names)]
            if len(present) > 1:
                shown = " and ".join(_at(path, names[0]) for names in present)
                raise EncodeProblem(
                    _at(path, present[1][0]),
                    f"cannot be given with {shown.split(' and ')[0]}: the contract makes them alternatives ({shown})",
                )
            if not present and choice.required and all(choice.branches):
                names = ", ".join(b[0] for b in choice.branches)
                raise EncodeProblem(path or self.shape.type_name, f"needs one of: {names}")


def _field_writer(member: Field, encoded: bool) -> Writer:
    tag = member.clark
    nillable = member.nillable
    shape = member.shape
    if member.group is not None:
        assert isinstance(shape, ComplexType)
        return _group_writer(shape, encoded)
    if member.array is not None:
        return _array_writer(tag, shape)
    single = _element_writer(tag, shape, nillable, encoded)
    if not member.is_list:
        return single

    def write_list(parent: Any, value: Any, path: str) -> None:
        items = value if isinstance(value, list) else [value]
        if member.max_occurs is not None and len(items) > member.max_occurs:
            raise EncodeProblem(path, f"has {len(items)} items; the contract allows at most {member.max_occurs}")
        if len(items) < member.min_occurs and (member.choice is None or items):
            raise EncodeProblem(path, f"needs at least {member.min_occurs} items")
        for index, item in enumerate(items):
            single(parent, item, f"{path}[{index}]")

    return write_list


def _group_writer(item: ComplexType, encoded: bool) -> Writer:
    """A repeated model group: each item's members are written inline, in the parent element."""

    def write_group(parent: Any, value: Any, path: str) -> None:
        items = value if isinstance(value, list) else [value]
        content = writer(item, encoded)
        for index, entry in enumerate(items):
            content.content(parent, entry, f"{path}[{index}]")

    return write_group


def _element_writer(tag: str, shape: XsdType, nillable: bool, encoded: bool = False) -> Writer:
    if isinstance(shape, SimpleType):
        simple = codec(shape)
        named = type_name(shape) if encoded else None

        def write_simple(parent: Any, value: Any, path: str) -> None:
            child = typed_child(parent, tag, named) if named else etree.SubElement(parent, tag)
            if value is None:
                _nil(child, nillable, path)
                return
            try:
                child.text = simple.write(value)
            except ValueProblem as exc:
                raise EncodeProblem(path, str(exc)) from None

        return write_simple

    def write_complex(parent: Any, value: Any, path: str) -> None:
        if value is None:
            # Part 1 §3.3.4 (Element Locally Valid (Type) 2): an abstract type governs no element, nil ones
            # included, so a nil element of an abstract type names a concrete one (the first) with xsi:type.
            concrete = next(iter(shape.variants.values()), shape) if shape.abstract else shape
            _nil(_typed(parent, tag, shape, concrete, encoded), nillable, path)
            return
        chosen = _variant(shape, value, path)
        writer(chosen, encoded).content(_typed(parent, tag, shape, chosen, encoded), value, path)

    return write_complex


def _typed(parent: Any, tag: str, declared: ComplexType, chosen: ComplexType, encoded: bool) -> Any:
    """The element for a value of ``chosen``: typed with ``xsi:type`` when that is not the declared type, and every
    named type when ``encoded`` (SOAP 1.1 §5.1)."""
    named = chosen.name if chosen is not declared or encoded else ""
    return typed_child(parent, tag, named) if named else etree.SubElement(parent, tag)


def _nil(child: Any, nillable: bool, path: str) -> None:
    if not nillable:
        raise EncodeProblem(path, "must not be null")
    child.set(XSI_NIL, "true")


def _variant(declared: ComplexType, value: Any, path: str) -> ComplexType:
    """The type a value has: the declared one, or the derived type its ``_type`` names."""
    if not declared.is_polymorphic:
        return declared
    name = value.get(TYPE_KEY) if isinstance(value, dict) else None
    if name is None:
        if declared.abstract:
            names = ", ".join(declared.variants)
            raise EncodeProblem(_at(path, TYPE_KEY), f"is required: {declared.type_name} is abstract; one of: {names}")
        return declared
    chosen = declared.variants.get(str(name))
    if chosen is None:
        names = ", ".join(declared.variants)
        raise EncodeProblem(_at(path, TYPE_KEY), f"must be one of: {names}")
    return chosen


def _array_writer(tag: str, item: XsdType) -> Writer:
    """A list as a SOAP-ENC array (SOAP 1.1 §5.4.2): one element typed ``soapenc:Array`` whose ``soapenc:arrayType``
    names the item type and the size, the items as ``item`` elements (their names are not significant), each typed
    with ``xsi:type``."""
    single = _element_writer("item", item, True, encoded=True)
    item_name = type_name(item)

    def write_array(parent: Any, value: Any, path: str) -> None:
        if value is None:
            etree.SubElement(parent, tag).set(XSI_NIL, "true")
            return
        if not isinstance(value, list):
            raise EncodeProblem(path, "must be a list")
        child = typed_child(parent, tag, ARRAY, item_name)
        child.set(ARRAY_TYPE, f"{qname_text(child, item_name)}[{len(value)}]")
        for index, entry in enumerate(value):
            single(child, entry, f"{path}[{index}]")

    return write_array


def write_value(
    parent: Any, tag: str, shape: XsdType, value: Any, path: str, nillable: bool = True, encoded: bool = False
) -> None:
    """Write one element ``tag`` of type ``shape`` holding ``value`` under ``parent`` (typed when ``encoded``)."""
    _element_writer(tag, shape, nillable, encoded)(parent, value, path)


def write_generic(parent: Any, name: str, value: Any) -> None:
    """Content the contract leaves open (``xsd:any``), written as given: in the parent's namespace unless the
    name is a Clark name ``{namespace}local``."""
    tag = (
        name
        if name.startswith("{")
        else etree.QName(parent.tag).namespace and f"{{{etree.QName(parent.tag).namespace}}}{name}" or name
    )
    for item in value if isinstance(value, list) else [value]:
        child = etree.SubElement(parent, tag)
        if isinstance(item, dict):
            for key, inner in item.items():
                if key == VALUE_KEY:
                    child.text = str(inner)
                else:
                    write_generic(child, key, inner)
        elif item is None:
            child.set(XSI_NIL, "true")
        else:
            child.text = str(item)

"""Decode a reply into plain data and validate it against the contract, in one walk over the tree.

One :class:`ContentReader` per complex type, compiled on first use and kept on the type: tables from element tag
to member, attribute name to codec, and the checks of the content model. Validation covers what the contract says
of each value and element: simple values against their type and facets (:mod:`adapter.contract.values`), required
elements and attributes, cardinality (minOccurs/maxOccurs), ``xsi:nil`` only where nillable (XML Schema Part 1
§2.6.2), choices (one branch), abstract types named by ``xsi:type`` (§2.6.1), fixed values, unexpected elements
and elements in the wrong namespace. Sequence order is not checked.

Plain data: a dict per complex element; a repeated element is always a list; ``xsi:nil`` is ``None`` and an absent
element is left out; simple content is ``_value``; a derived type says its name in ``_type``; a repeated model
group is a list of objects (see :mod:`adapter.contract.members`); a SOAP-ENC array is a list of its items (SOAP 1.1
§5.4.2), whose references :mod:`.soapenc` has resolved before.

A problem is reported to a :class:`Report`: raised at once (strict), or collected and logged while decoding goes on
(``validate_replies: warn``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lxml import etree

from adapter.contract import builtins
from adapter.contract.builtins import XSD
from adapter.contract.members import Field
from adapter.contract.values import SimpleCodec, ValueProblem, codec
from adapter.contract.xsd import SOAP_ENC, TYPE_KEY, VALUE_KEY, ComplexType, SimpleType, XsdType
from adapter.exchange.soapenc import array_problem

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_NIL = f"{{{XSI}}}nil"
XSI_TYPE = f"{{{XSI}}}type"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ANY_TYPE = f"{{{XSD}}}anyType"

__all__ = ["ContentReader", "Problem", "Report", "decode", "generic", "path_of"]


@dataclass(frozen=True)
class Problem:
    """One violation of the contract: where (a path of local names from the Body) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ContractViolation(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Report:
    """Where violations go: ``strict`` raises the first, otherwise they are collected (``problems``)."""

    strict: bool = True
    problems: list[Problem] = field(default_factory=list)

    def __call__(self, element: Any, message: str, attribute: str | None = None) -> None:
        problem = Problem(path_of(element, attribute), message)
        if self.strict:
            raise ContractViolation(problem)
        self.problems.append(problem)


def path_of(element: Any, attribute: str | None = None) -> str:
    """``GetStatementResponse/Entry[3]/Amount/@Ccy``: local names from below the Body, 1-based positions."""
    steps: list[str] = []
    node = element
    while node is not None:
        parent = node.getparent()
        name = etree.QName(node).localname
        if name in ("Body", "Header", "Detail", "detail") and (
            parent is None or etree.QName(parent).localname in ("Envelope", "Fault")
        ):
            break
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    path = "/".join(reversed(steps)) or "Body"
    return f"{path}/@{attribute}" if attribute else path


def decode(element: Any, shape: XsdType, report: Report, nillable: bool = True) -> Any:
    """The plain value of ``element`` read as ``shape``."""
    if element.get(XSI_NIL) in ("true", "1"):
        if not nillable:
            report(element, "is nil (xsi:nil), which the contract does not allow here")
        return None
    if isinstance(shape, SimpleType):
        return _simple(element, codec(shape), report)
    return reader(shape).element(element, report)


def _simple(element: Any, simple: SimpleCodec, report: Report) -> Any:
    if len(element):
        report(element, "must be a simple value, not hold elements")
    text = element.text or ""
    try:
        return simple.read(text)
    except ValueProblem as exc:
        report(element, str(exc))
        return text


def reader(shape: ComplexType) -> ContentReader:
    found: ContentReader | None = shape.__dict__.get("_reader")
    if found is None:
        found = shape.__dict__["_reader"] = ContentReader(shape)
        found.compile()  # after it is registered: a recursive type finds itself
    return found


@dataclass(frozen=True)
class _Member:
    """How a child element is read: its field, whether it goes into a repeated group, and its reader."""

    field: Field
    read: Callable[[Any, Report], Any]
    group: Field | None = None  # the repeated-group field of this type the element belongs to
    name: str = ""
    repeat: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.field.name)  # plain attributes: read for every child element
        object.__setattr__(self, "repeat", self.field.is_list and self.field.array is None)


class ContentReader:
    """Reads elements of one complex type."""

    def __init__(self, shape: ComplexType) -> None:
        self.shape = shape
        self.members: dict[str, _Member] = {}
        self.by_local: dict[str, _Member] = {}
        self.attributes: dict[str, tuple[str, SimpleCodec, str | None]] = {}
        # Part 1 §3.2.4: an absent attribute with a default (or fixed) value has that value.
        self.defaults = [
            (use.name, use.fixed if use.fixed is not None else use.default, codec(use.type))
            for use in shape.attribute_uses
            if (use.default is not None or use.fixed is not None) and use.use == "optional"
        ]
        self.required_attributes = [a for a in shape.attribute_uses if a.required]
        self.value = codec(shape.simple) if shape.simple is not None else None
        self.lists = [f.name for f in shape.fields.values() if f.is_list and f.array is None]
        self.groups = [f for f in shape.fields.values() if f.group is not None]
        self.open = shape.open
        self.any_attribute = shape.any_attribute is not None
        # Only the members whose count can break the contract are counted after each element.
        self.counted = [
            (
                f.name,
                f.is_list and f.array is None,
                f.min_occurs,
                f.max_occurs,
                "element" if f.group is None else "group",
            )
            for f in shape.fields.values()
            if (f.min_occurs > 0 and (f.choice is None or not f.choice.required)) or (f.is_list and f.max_occurs)
        ]
        self.choices = shape.choices

    def compile(self) -> None:
        for use in self.shape.attribute_uses:
            key = f"{{{use.namespace}}}{use.name}" if use.namespace else use.name
            self.attributes[key] = (use.name, codec(use.type), use.fixed)
        for member in self.shape.fields.values():
            if member.group is not None:
                assert isinstance(member.shape, ComplexType)
                for tag, inner in _tags(member.shape).items():
                    self._add(tag, _Member(inner.field, inner.read, member))
            else:
                self._add(member.clark, _Member(member, _field_reader(member)))

    def _add(self, tag: str, member: _Member) -> None:
        self.members.setdefault(tag, member)
        self.by_local.setdefault(tag.rpartition("}")[2], member)

    # -- reading ------------------------------------------------------------------------------------------------

    def element(self, element: Any, report: Report) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if element.attrib:
            self._attributes(element, out, report)
        for name, text, simple in self.defaults:
            if name not in out:
                out[name] = _default(simple, str(text), element, report)
        for use in self.required_attributes:
            key = f"{{{use.namespace}}}{use.name}" if use.namespace else use.name
            if element.get(key) is None:
                report(element, f"lacks the required attribute {use.name}")
        if self.value is not None:
            try:
                out[VALUE_KEY] = self.value.read(element.text or "")
            except ValueProblem as exc:
                report(element, str(exc))
                out[VALUE_KEY] = element.text or ""
        elif self.shape.mixed and element.text and element.text.strip():
            out[VALUE_KEY] = element.text
        self.content(element, out, report)
        return out

    def _attributes(self, element: Any, out: dict[str, Any], report: Report) -> None:
        for key, text in element.attrib.items():
            declared = self.attributes.get(key)
            if declared is None:
                if key.startswith(f"{{{XSI}}}"):
                    continue
                if self.any_attribute:
                    out[key.rpartition("}")[2]] = text
                else:
                    report(element, "is not an attribute the contract declares", key.rpartition("}")[2])
                continue
            name, simple, fixed = declared
            try:
                out[name] = simple.read(text)
            except ValueProblem as exc:
                report(element, str(exc), name)
                out[name] = text  # warn mode: passed on as found
                continue
            if fixed is not None and text.strip() != fixed:
                report(element, f"must be {fixed} (a fixed value)", name)

    def content(self, element: Any, out: dict[str, Any], report: Report) -> None:
        for name in self.lists:
            out[name] = []
        group_item: dict[str, Any] | None = None
        group: Field | None = None
        members = self.members
        for child in element:
            tag = child.tag
            member = members.get(tag)
            if member is None:
                if not isinstance(tag, str):
                    continue  # a comment or processing instruction
                member = self._misplaced(child, report)
            if member is None:
                if self.open:
                    local = etree.QName(child).localname
                    _put(out, local, generic(child), repeat=local in out)
                else:
                    report(child, "is not an element the contract declares here")
                continue
            value = member.read(child, report)
            name = member.name
            if member.group is None:
                group = None
                if member.repeat:
                    out[name].append(value)
                else:
                    if name in out:
                        report(child, "occurs more than once; the contract allows it once")
                    out[name] = value
                continue
            if group is not member.group or group_item is None or (name in group_item and not member.repeat):
                group, group_item = member.group, _new_item(member.group)
                out[group.name].append(group_item)
            _put(group_item, name, value, repeat=member.repeat)
        self.check(element, out, report)
        for repeated in self.groups:
            assert isinstance(repeated.shape, ComplexType)
            for item in out[repeated.name]:
                reader(repeated.shape).check(element, item, report)

    def _misplaced(self, child: Any, report: Report) -> _Member | None:
        qname = etree.QName(child)
        member = self.by_local.get(qname.localname)
        if member is None:
            return None
        expected = member.field.namespace or "no namespace"
        got = qname.namespace or "no namespace"
        report(child, f"is in {got}; the contract puts it in {expected}")
        return member

    def check(self, element: Any, out: dict[str, Any], report: Report) -> None:
        """Cardinality and choices of the content just read (Part 1 §3.8.4, §3.9.4)."""
        for name, is_list, minimum, maximum, what in self.counted:
            count = len(out.get(name) or ()) if is_list else (name in out)
            if count < minimum:
                report(element, f"lacks the required {what} {name}" + _times(minimum, count))
            elif maximum is not None and count > maximum:
                report(element, f"has {count} {name} elements; at most {maximum} are allowed")
        for choice in self.choices:
            present = [i for i, names in enumerate(choice.branches) if any(_present(out, n) for n in names)]
            if len(present) > 1:
                shown = " and ".join(choice.branches[i][0] for i in present if choice.branches[i])
                report(element, f"holds {shown}, which the contract makes alternatives (xsd:choice)")
            elif not present and choice.required and all(choice.branches):
                names = " or ".join(b[0] for b in choice.branches if b)
                report(element, f"lacks one of {names}")


def _new_item(group: Field) -> dict[str, Any]:
    assert isinstance(group.shape, ComplexType)
    return {name: [] for name, inner in group.shape.fields.items() if inner.is_list}


def _times(minimum: int, count: int) -> str:
    return f" ({minimum} needed, {count} found)" if minimum > 1 else ""


def _present(out: dict[str, Any], name: str) -> bool:
    value = out.get(name)
    return name in out and value != []


def _tags(item: ComplexType) -> dict[str, _Member]:
    """The element tags a repeated group's items consist of, with how each is read."""
    inner = reader(item)
    return dict(inner.members)


def _field_reader(member: Field) -> Callable[[Any, Report], Any]:
    if member.array is not None:
        return _array_reader(member)
    shape = member.shape
    nillable = member.nillable
    fixed = member.element.fixed if member.element is not None else None
    default = fixed if fixed is not None else member.element.default if member.element is not None else None
    if isinstance(shape, SimpleType):
        simple = codec(shape)

        read = simple.read

        def read_simple(child: Any, report: Report) -> Any:
            if child.values() and child.get(XSI_NIL) in ("true", "1"):  # values(): the cheapest test for attributes
                if not nillable:
                    report(child, "is nil (xsi:nil), which the contract does not allow here")
                return None
            text = child.text
            if default is not None and not text and not len(child):
                return _default(simple, default, child, report)  # Part 1 §3.3.4: an empty element takes its default
            if len(child):
                report(child, "must be a simple value, not hold elements")
            try:
                value = read(text or "")
            except ValueProblem as exc:
                report(child, str(exc))
                value = text or ""
            if fixed is not None and value != _default(simple, fixed, child, report):
                report(child, f"must be {fixed} (a fixed value)")
            return value

        return read_simple
    return _complex_reader(shape, nillable)


def _complex_reader(shape: ComplexType, nillable: bool) -> Callable[[Any, Report], Any]:
    if shape.is_polymorphic:
        return _polymorphic_reader(shape, nillable)
    content = reader(shape)
    is_any = shape.name == ANY_TYPE

    def read_complex(child: Any, report: Report) -> Any:
        if child.get(XSI_NIL) in ("true", "1"):
            if not nillable:
                report(child, "is nil (xsi:nil), which the contract does not allow here")
            return None
        if is_any and child.get(XSI_TYPE) is not None:
            return _typed(child, report)
        return content.element(child, report)

    return read_complex


def _array_reader(member: Field) -> Callable[[Any, Report], Any]:
    """A SOAP-ENC array (SOAP 1.1 §5.4.2): the items are the element's children, whatever their names; each may be
    nil."""
    item = _field_reader(Field(name="item", shape=member.shape, nillable=True))

    def read_array(child: Any, report: Report) -> Any:
        if child.get(XSI_NIL) in ("true", "1"):
            return None
        entries = [entry for entry in child if isinstance(entry.tag, str)]
        problem = array_problem(child, len(entries))
        if problem is not None:
            report(child, problem)
        if child.text and child.text.strip():
            report(child, "must hold array items, not text")
        return [item(entry, report) for entry in entries]

    return read_array


def _typed(child: Any, report: Report) -> Any:
    """An element the contract types ``xsd:anyType`` whose ``xsi:type`` names a built-in simple type (an XSD one or
    its SOAP-ENC twin): that type's value (XML Schema Part 1 §2.6.1). Other types are kept as found."""
    named = _resolve(child, child.get(XSI_TYPE))
    namespace, _, name = named[1:].partition("}")
    if namespace not in (XSD, SOAP_ENC) or name not in builtins.NAMES or len(child):
        return generic(child)
    if namespace == SOAP_ENC and name in ("Array", "Struct"):
        return generic(child)
    return _simple(child, codec(_builtin(name)), report)


@cache
def _builtin(name: str) -> SimpleType:
    return SimpleType(id=f"{{{XSD}}}{name}", name=f"{{{XSD}}}{name}", builtin=name)


def _default(simple: SimpleCodec, text: str, element: Any, report: Report) -> Any:
    try:
        return simple.read(text)
    except ValueProblem as exc:
        report(element, f"has a default or fixed value the contract itself breaks: {exc}")
        return text


def _polymorphic_reader(declared: ComplexType, nillable: bool) -> Callable[[Any, Report], Any]:
    """An element whose type may be replaced by a derived one named with ``xsi:type`` (Part 1 §2.6.1)."""
    by_clark = {t.name: (name, t) for name, t in declared.variants.items() if t.name}

    def read(child: Any, report: Report) -> Any:
        if child.get(XSI_NIL) in ("true", "1"):
            if not nillable:
                report(child, "is nil (xsi:nil), which the contract does not allow here")
            return None
        named = child.get(XSI_TYPE)
        chosen: tuple[str, ComplexType] | None = None
        if named is not None:
            chosen = by_clark.get(_resolve(child, named))
            if chosen is None:
                report(child, f"names the type {named}, which is not {declared.type_name} or derived from it")
        if chosen is None:
            if declared.abstract:
                report(child, f"has the abstract type {declared.type_name}: it must name its type with xsi:type")
                chosen = (declared.type_name, declared)
            else:
                chosen = next(
                    ((n, t) for n, t in declared.variants.items() if t is declared), (declared.type_name, declared)
                )
        out = reader(chosen[1]).element(child, report)
        return {TYPE_KEY: chosen[0], **out}

    return read


def _resolve(element: Any, qname: str) -> str:
    prefix, _, local = qname.strip().rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    return f"{{{namespace}}}{local}" if namespace else local


def _put(out: dict[str, Any], name: str, value: Any, *, repeat: bool) -> None:
    if not repeat:
        out[name] = value
        return
    existing = out.get(name)
    if isinstance(existing, list):
        existing.append(value)
    elif name in out:
        out[name] = [existing, value]
    else:
        out[name] = [value]


def generic(element: Any) -> Any:
    """Plain data for content the contract leaves open (``xsd:any``), kept as found: text, or a dict of children
    (a name that repeats becomes a list) and attributes."""
    if element.get(XSI_NIL) in ("true", "1"):
        return None
    children = [child for child in element if isinstance(child.tag, str)]
    if not children and not element.attrib:
        return element.text or ""
    out: dict[str, Any] = {
        etree.QName(k).localname: v for k, v in element.attrib.items() if not k.startswith(f"{{{XSI}}}")
    }
    if element.text and element.text.strip():
        out[VALUE_KEY] = element.text
    for child in children:
        name = etree.QName(child).localname
        _put(out, name, generic(child), repeat=name in out)
    return out

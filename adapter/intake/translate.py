"""xmlschema's components → the contract model (:mod:`adapter.contract.xsd`). The only module reading them.

Only what the contract's messages reach is translated, plus every type derived from a translated one (an
instance may name it with ``xsi:type``) and every member of a translated substitution group. Each component is
translated once: recursive types become cycles between model objects.
"""

from __future__ import annotations

from typing import Any

from xmlschema.validators import XsdAnyElement, XsdElement, XsdGroup, XsdList, XsdUnion

from adapter.contract import builtins
from adapter.contract.xsd import (
    Attribute,
    ComplexType,
    Element,
    Facets,
    ModelGroup,
    Particle,
    SimpleType,
    Wildcard,
    XsdType,
    local_name,
)

XSD = builtins.XSD
_ANY_TYPE = f"{{{XSD}}}anyType"
_WSDL_ARRAY_TYPE = "{http://schemas.xmlsoap.org/wsdl/}arrayType"
_SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"


def _facet(name: str) -> str:
    return f"{{{XSD}}}{name}"


class Translator:
    """Translates components of one set of global maps; ``types`` and ``elements`` collect the results."""

    def __init__(self, maps: Any) -> None:
        self.maps = maps
        self.types: dict[str, XsdType] = {}
        self.elements: dict[str, Element] = {}
        self._done: dict[int, XsdType] = {}
        self._references: list[Element] = []  # particles pointing at a global element: substitutes set at the end
        self._anonymous = 0

    # -- types ---------------------------------------------------------------------------------------------

    def type(self, component: Any, hint: str = "") -> XsdType:
        known = self._done.get(id(component))
        if known is not None:
            return known
        name = component.name or ""
        if name == _ANY_TYPE or (name.startswith(f"{{{XSD}}}") and not component.is_complex()):
            return self._builtin(component, name)
        if name.startswith(f"{{{_SOAP_ENC}}}") and component.is_complex() and component.has_simple_content():
            return self._soap_enc_simple(component, name)
        if component.is_complex():
            return self._complex(component, hint)
        return self._simple(component, hint)

    def _soap_enc_simple(self, component: Any, name: str) -> SimpleType:
        """``soapenc:string``, ``soapenc:decimal``…: the XSD built-in plus the ``id``/``href`` attributes of SOAP 1.1
        §5.4.1 references, which the encoding itself resolves: a plain simple value, under its own name."""
        base = self._simple_of(component.content, local_name(name))
        model = SimpleType(id=name, name=name, builtin=base.builtin, facets=base.facets, base=base)
        model.variety, model.item, model.members = base.variety, base.item, base.members
        self._register(component, model)
        return model

    def _id(self, name: str) -> str:
        if name:
            return name
        self._anonymous += 1
        return f"#{self._anonymous}"

    def _register(self, component: Any, model: XsdType) -> None:
        self._done[id(component)] = model
        self.types[model.id] = model

    def _builtin(self, component: Any, name: str) -> XsdType:
        local = local_name(name)
        if name == _ANY_TYPE:
            any_type = ComplexType(id=name, name=name, mixed=True)
            self._register(component, any_type)
            any_type.content = ModelGroup("sequence", [Wildcard(("##any",), "lax", 0, None)])
            any_type.any_attribute = Wildcard(("##any",), "lax")
            return any_type
        simple = SimpleType(id=name, name=name, builtin=local, facets=Facets(white_space=builtins.white_space(local)))
        self._register(component, simple)
        item = builtins.LIST_ITEMS.get(local)
        if item is not None:
            simple.variety = "list"
            simple.builtin = "anySimpleType"
            simple.item = self._named_builtin(item)
        return simple

    def _named_builtin(self, local: str) -> SimpleType:
        model = self.type(self.maps.types[f"{{{XSD}}}{local}"])
        assert isinstance(model, SimpleType)
        return model

    def _simple(self, component: Any, hint: str) -> SimpleType:
        model = SimpleType(id=self._id(component.name or ""), name=component.name or "", hint=hint)
        self._register(component, model)
        if isinstance(component, XsdList):
            model.variety, model.builtin = "list", "anySimpleType"
            model.item = self._simple_of(component.item_type, hint)
            model.facets = Facets(white_space="collapse")
        elif isinstance(component, XsdUnion):
            model.variety, model.builtin = "union", "anySimpleType"
            model.members = tuple(self._simple_of(member, hint) for member in component.member_types)
        else:
            base = self._simple_of(component.base_type, hint)
            model.base = base
            model.variety, model.builtin, model.item, model.members = (
                base.variety,
                base.builtin,
                base.item,
                base.members,
            )
            model.facets = _merged(base.facets, getattr(component, "facets", {}))
        return model

    def _simple_of(self, component: Any, hint: str) -> SimpleType:
        model = self.type(component, hint)
        if isinstance(model, SimpleType):
            return model
        return self._named_builtin("anySimpleType")  # a complex base of a simple type: the schema is wrong

    def _complex(self, component: Any, hint: str) -> ComplexType:
        name = component.name or ""
        model = ComplexType(id=self._id(name), name=name, hint=hint if not name else "")
        self._register(component, model)
        model.abstract = bool(component.abstract)
        model.mixed = bool(component.mixed)
        base = component.base_type
        if base is not None and base.name != _ANY_TYPE:
            model.base = self.type(base)
            model.derivation = component.derivation
        content = component.content
        if component.has_simple_content():
            model.simple = self._simple_of(content, model.type_name)
        elif hasattr(content, "model") and len(content):
            model.content = self.group(content)
        for key, attribute in component.attributes.items():
            if key is None:
                model.any_attribute = _wildcard(attribute)
            else:
                model.attribute_uses.append(self._attribute(attribute, model.type_name))
        self._soap_array(component, model)
        return model

    def _soap_array(self, component: Any, model: ComplexType) -> None:
        """Keep ``wsdl:arrayType`` of a SOAP-ENC array (SOAP 1.1 §5.4.2, WSDL 1.1 §2.2), which XSD ignores."""
        elem = getattr(component, "elem", None)
        if elem is None:
            return
        for node in elem.iter(f"{{{XSD}}}attribute"):
            written = node.get(_WSDL_ARRAY_TYPE)
            if not written:
                continue
            model.array_type = written
            prefix, _, local = written.partition("[")[0].rpartition(":")
            namespace = component.schema.namespaces.get(prefix, "")
            item = self.maps.types.get(f"{{{namespace}}}{local}" if namespace else local)
            if item is not None:
                model.array_item = self.type(item, local)
            return

    def _attribute(self, attribute: Any, hint: str) -> Attribute:
        qualified = bool(getattr(attribute, "qualified", False)) or attribute.ref is not None
        component = attribute.type if attribute.type is not None else self.maps.types[f"{{{XSD}}}anySimpleType"]
        return Attribute(
            name=attribute.local_name,
            type=self._simple_of(component, attribute.local_name),
            namespace=(attribute.target_namespace or "") if qualified else "",
            use=attribute.use or "optional",
            default=attribute.default,
            fixed=attribute.fixed,
        )

    # -- particles -----------------------------------------------------------------------------------------

    def group(self, group: Any) -> ModelGroup:
        return ModelGroup(
            compositor=group.model,
            particles=[self.particle(particle) for particle in group],
            min_occurs=group.min_occurs,
            max_occurs=group.max_occurs,
            name=local_name(group.name) if group.name else "",
        )

    def particle(self, particle: Any) -> Particle:
        if isinstance(particle, XsdGroup):
            return self.group(particle)
        if isinstance(particle, XsdAnyElement) or not isinstance(particle, XsdElement):
            return _wildcard(particle)
        if particle.ref is not None:
            declared = self.global_element(particle.ref)
            element = Element(
                name=declared.name,
                type=declared.type,
                namespace=declared.namespace,
                min_occurs=particle.min_occurs,
                max_occurs=particle.max_occurs,
                nillable=declared.nillable,
                default=declared.default,
                fixed=declared.fixed,
                abstract=declared.abstract,
                ref=declared.clark,
            )
            self._references.append(element)
            return element
        return Element(
            name=particle.local_name,
            type=self.type(particle.type, particle.local_name),
            namespace=(particle.target_namespace or "") if particle.qualified else "",
            min_occurs=particle.min_occurs,
            max_occurs=particle.max_occurs,
            nillable=bool(particle.nillable),
            default=particle.default,
            fixed=particle.fixed,
        )

    def global_element(self, component: Any) -> Element:
        """A global element declaration (Part 1 §3.3.2), with its substitution group members."""
        clark = component.name
        known = self.elements.get(clark)
        if known is not None:
            return known
        element = Element(
            name=component.local_name,
            type=ComplexType(id="#pending"),
            namespace=component.target_namespace or "",
            nillable=bool(component.nillable),
            default=component.default,
            fixed=component.fixed,
            abstract=bool(component.abstract),
            ref=clark,
        )
        self.elements[clark] = element
        element.type = self.type(component.type, component.local_name)
        element.substitutes = tuple(self._substitutes(clark))
        return element

    def _substitutes(self, head: str) -> list[Element]:
        found: list[Element] = []
        pending = [head]
        while pending:
            for member in sorted(self.maps.substitution_groups.get(pending.pop(), ()), key=lambda e: e.name):
                translated = self.global_element(member)
                if translated not in found:
                    found.append(translated)
                    pending.append(member.name)
        return found

    # -- the end -------------------------------------------------------------------------------------------

    def finish(self) -> None:
        """Derived types and substitution groups, once everything reachable is translated."""
        self._add_derived_types()
        for element in self._references:
            assert element.ref is not None
            declared = self.elements[element.ref]
            element.type = declared.type  # a reference made while its declaration was being translated
            element.substitutes = declared.substitutes
        for model in self.types.values():
            base = model.base if isinstance(model, ComplexType) else None
            while isinstance(base, ComplexType):
                base.derived.append(model)  # type: ignore[arg-type]
                base = base.base

    def _add_derived_types(self) -> None:
        """Global complex types derived from a translated one, until none is left (Part 1 §2.6.1: ``xsi:type``)."""
        candidates = [t for t in self.maps.types.values() if t.is_complex() and t.name and id(t) not in self._done]
        while candidates:
            left = []
            for component in candidates:
                base = component.base_type
                if base is not None and id(base) in self._done and base.name != _ANY_TYPE:
                    self.type(component)
                else:
                    left.append(component)
            if len(left) == len(candidates):
                return
            candidates = [t for t in left if id(t) not in self._done]


def _wildcard(component: Any) -> Wildcard:
    namespace = component.namespace
    values = (namespace,) if isinstance(namespace, str) else tuple(sorted(namespace))
    return Wildcard(
        namespace=values or ("##any",),
        process_contents=component.process_contents,
        min_occurs=getattr(component, "min_occurs", 1),
        max_occurs=getattr(component, "max_occurs", 1),
    )


def _merged(base: Facets, own: dict[Any, Any]) -> Facets:
    """The facets of a restriction: the base's, overridden by its own; patterns accumulate (Part 2 §4.3.4.3)."""
    merged = Facets(**vars(base))
    for key, facet in own.items():
        if key is None:
            continue
        local = local_name(key)
        if local == "enumeration":
            merged.enumeration = tuple(str(elem.get("value")) for elem in facet)
        elif local == "pattern":
            merged.patterns = (*merged.patterns, tuple(facet.regexps))
            merged.regexes = (*merged.regexes, tuple(p.pattern for p in facet.patterns))
        elif local in ("length", "minLength", "maxLength", "totalDigits", "fractionDigits"):
            setattr(merged, _SNAKE[local], int(facet.value))
        elif local in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            setattr(merged, _SNAKE[local], str(facet.elem.get("value")).strip())
        elif local == "whiteSpace":
            merged.white_space = str(facet.value)
    return merged


_SNAKE = {
    "length": "length",
    "minLength": "min_length",
    "maxLength": "max_length",
    "totalDigits": "total_digits",
    "fractionDigits": "fraction_digits",
    "minInclusive": "min_inclusive",
    "maxInclusive": "max_inclusive",
    "minExclusive": "min_exclusive",
    "maxExclusive": "max_exclusive",
}

"""The contract model as JSON-ready data and back: the on-disk cache's format (no pickle: the cache is data).

Types are written once in a table by id and referred to by id; global elements by Clark name. Derived-type lists
and substitution groups are rebuilt on reading. :data:`FORMAT` changes whenever the layout does.
"""

from __future__ import annotations

from typing import Any

from adapter.contract.wsdl import Binding, Body, Definitions, Fault, Header, Message, Operation, Part, Port
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
)

FORMAT = 3
Data = dict[str, Any]

__all__ = ["FORMAT", "dump", "load"]


# -- writing ------------------------------------------------------------------------------------------------


def dump(definitions: Definitions) -> Data:
    return {
        "name": definitions.name,
        "tns": definitions.target_namespace,
        "types": {key: _type(value) for key, value in definitions.types.items()},
        "elements": {key: _global(value) for key, value in definitions.elements.items()},
        "bindings": {key: _binding(value) for key, value in definitions.bindings.items()},
        "ports": [[p.service, p.name, p.binding.name, p.address] for p in definitions.ports],
        "port_types": {key: list(value) for key, value in definitions.port_types.items()},
        "notes": definitions.notes,
    }


def _compact(data: Data) -> Data:
    """Without members at their default (absent, false or empty); a zero stays."""
    return {key: value for key, value in data.items() if not _default(value)}


def _default(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, (str, tuple, list, dict)) and not value)


def _type(model: XsdType) -> Data:
    if isinstance(model, SimpleType):
        return _compact(
            {
                "k": "s",
                "name": model.name,
                "hint": model.hint,
                "variety": model.variety if model.variety != "atomic" else None,
                "builtin": model.builtin,
                "facets": _compact({k: _facet(v) for k, v in vars(model.facets).items()}),
                "base": model.base.id if model.base is not None else None,
                "item": model.item.id if model.item is not None else None,
                "members": [member.id for member in model.members],
            }
        )
    return _compact(
        {
            "k": "c",
            "name": model.name,
            "hint": model.hint,
            "abstract": model.abstract,
            "mixed": model.mixed,
            "base": model.base.id if model.base is not None else None,
            "derivation": model.derivation,
            "content": _particle(model.content) if model.content is not None else None,
            "simple": model.simple.id if model.simple is not None else None,
            "attributes": [_attribute(a) for a in model.attribute_uses],
            "any_attribute": _particle(model.any_attribute) if model.any_attribute is not None else None,
            "array_item": model.array_item.id if model.array_item is not None else None,
            "array_type": model.array_type,
        }
    )


def _facet(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_facet(item) for item in value]
    return value


def _attribute(attribute: Attribute) -> Data:
    data = {"name": attribute.name, "t": attribute.type.id, "ns": attribute.namespace, "use": attribute.use}
    return _compact({**data, "default": attribute.default, "fixed": attribute.fixed})


def _particle(particle: Particle) -> Data:
    if isinstance(particle, Element):
        return _compact(
            {
                "e": particle.name,
                "t": particle.type.id,
                "ns": particle.namespace,
                "min": particle.min_occurs if particle.min_occurs != 1 else None,
                "max": particle.max_occurs if particle.max_occurs != 1 else None,
                "unbounded": particle.max_occurs is None,
                "nil": particle.nillable,
                "default": particle.default,
                "fixed": particle.fixed,
                "abstract": particle.abstract,
                "ref": particle.ref,
            }
        )
    if isinstance(particle, ModelGroup):
        return _compact(
            {
                "g": particle.compositor,
                "p": [_particle(child) for child in particle.particles],
                "min": particle.min_occurs if particle.min_occurs != 1 else None,
                "max": particle.max_occurs if particle.max_occurs != 1 else None,
                "unbounded": particle.max_occurs is None,
                "name": particle.name,
            }
        )
    return _compact(
        {
            "w": list(particle.namespace),
            "pc": particle.process_contents,
            "min": particle.min_occurs if particle.min_occurs != 1 else None,
            "max": particle.max_occurs if particle.max_occurs != 1 else None,
            "unbounded": particle.max_occurs is None,
        }
    )


def _global(element: Element) -> Data:
    data = _particle(element)
    data["subs"] = [member.clark for member in element.substitutes]
    return data


def _binding(binding: Binding) -> Data:
    return {
        "name": binding.name,
        "port_type": binding.port_type,
        "protocol": binding.protocol,
        "style": binding.style,
        "transport": binding.transport,
        "operations": [_operation(op) for op in binding.operations.values()],
        "username_token": binding.username_token,
        "password_digest": binding.password_digest,
    }


def _operation(operation: Operation) -> Data:
    return _compact(
        {
            "name": operation.name,
            "style": operation.style,
            "action": operation.soap_action,
            "input": _message(operation.input) if operation.input is not None else None,
            "output": _message(operation.output) if operation.output is not None else None,
            "faults": [
                _compact(
                    {
                        "name": f.name,
                        "message": f.message,
                        "part": _part(f.part) if f.part is not None else None,
                        "use": f.use,
                        "ns": f.namespace,
                    }
                )
                for f in operation.faults
            ],
        }
    )


def _message(message: Message) -> Data:
    body = message.body
    return {
        "name": message.name,
        "body": _compact(
            {"parts": [_part(p) for p in body.parts], "use": body.use, "ns": body.namespace, "enc": body.encoding_style}
        ),
        "headers": [
            _compact(
                {
                    "message": h.message,
                    "part": _part(h.part),
                    "use": h.use,
                    "ns": h.namespace,
                    "enc": h.encoding_style,
                    "optional": not h.required,
                }
            )
            for h in message.headers
        ],
    }


def _part(part: Part) -> Data:
    return _compact(
        {
            "name": part.name,
            "element": part.element.clark if part.element is not None else None,
            "type": part.type.id if part.type is not None else None,
        }
    )


# -- reading ------------------------------------------------------------------------------------------------


def load(data: Data) -> Definitions:
    """The model written by :func:`dump`; ``KeyError``/``TypeError``/``ValueError`` for data of another shape."""
    return _Reader(data).definitions()


class _Reader:
    def __init__(self, data: Data) -> None:
        self.data = data
        self.types: dict[str, XsdType] = {}
        self.elements: dict[str, Element] = {}

    def definitions(self) -> Definitions:
        data = self.data
        for key, item in data["types"].items():
            self.types[key] = SimpleType(id=key) if item["k"] == "s" else ComplexType(id=key)
        for key, item in data["elements"].items():
            self.elements[key] = self._element(item)
        for key, item in data["elements"].items():
            self.elements[key].substitutes = tuple(self.elements[name] for name in item.get("subs", ()))
        for key, item in data["types"].items():
            self._fill(self.types[key], item)
        _derive(self.types)
        bindings = {key: self._binding(item) for key, item in data["bindings"].items()}
        return Definitions(
            name=data["name"],
            target_namespace=data.get("tns", ""),
            ports=[Port(s, n, bindings[b], a) for s, n, b, a in data["ports"]],
            bindings=bindings,
            port_types={key: tuple(value) for key, value in data["port_types"].items()},
            elements=self.elements,
            types=self.types,
            notes=list(data.get("notes", ())),
        )

    def _fill(self, model: XsdType, item: Data) -> None:
        model.name = item.get("name", "")
        model.hint = item.get("hint", "")
        if isinstance(model, SimpleType):
            model.variety = item.get("variety", "atomic")
            model.builtin = item.get("builtin", "string")
            model.facets = _facets(item.get("facets", {}))
            model.base = self._simple(item.get("base"))
            model.item = self._simple(item.get("item"))
            model.members = tuple(self._simple(key) for key in item.get("members", ()))  # type: ignore[misc]
            return
        model.abstract = item.get("abstract", False)
        model.mixed = item.get("mixed", False)
        model.base = self.types[item["base"]] if "base" in item else None
        model.derivation = item.get("derivation")
        model.content = self._group(item["content"]) if "content" in item else None
        model.simple = self._simple(item.get("simple"))
        model.attribute_uses = [self._attribute(a) for a in item.get("attributes", ())]
        model.any_attribute = _wildcard(item["any_attribute"]) if "any_attribute" in item else None
        model.array_item = self.types[item["array_item"]] if "array_item" in item else None
        model.array_type = item.get("array_type", "")

    def _simple(self, key: str | None) -> SimpleType | None:
        if key is None:
            return None
        found = self.types[key]
        if not isinstance(found, SimpleType):
            raise TypeError(f"{key} is not a simple type")
        return found

    def _attribute(self, item: Data) -> Attribute:
        simple = self._simple(item["t"])
        assert simple is not None
        return Attribute(
            item["name"],
            simple,
            item.get("ns", ""),
            item.get("use", "optional"),
            item.get("default"),
            item.get("fixed"),
        )

    def _particle(self, item: Data) -> Particle:
        if "e" in item:
            element = self._element(item)
            if element.ref is not None and element.ref in self.elements:
                element.substitutes = self.elements[element.ref].substitutes
            return element
        if "g" in item:
            return self._group(item)
        return _wildcard(item)

    def _group(self, item: Data) -> ModelGroup:
        return ModelGroup(
            compositor=item["g"],
            particles=[self._particle(child) for child in item.get("p", ())],
            min_occurs=item.get("min", 1),
            max_occurs=_max(item),
            name=item.get("name", ""),
        )

    def _element(self, item: Data) -> Element:
        return Element(
            name=item["e"],
            type=self.types[item["t"]],
            namespace=item.get("ns", ""),
            min_occurs=item.get("min", 1),
            max_occurs=_max(item),
            nillable=item.get("nil", False),
            default=item.get("default"),
            fixed=item.get("fixed"),
            abstract=item.get("abstract", False),
            ref=item.get("ref"),
        )

    def _binding(self, item: Data) -> Binding:
        return Binding(
            name=item["name"],
            port_type=item["port_type"],
            protocol=item["protocol"],
            style=item["style"],
            transport=item["transport"],
            operations={op["name"]: self._operation(op) for op in item["operations"]},
            username_token=item.get("username_token", False),
            password_digest=item.get("password_digest", False),
        )

    def _operation(self, item: Data) -> Operation:
        return Operation(
            name=item["name"],
            style=item.get("style", "document"),
            soap_action=item.get("action", ""),
            input=self._message(item["input"]) if "input" in item else None,
            output=self._message(item["output"]) if "output" in item else None,
            faults=[
                Fault(
                    name=f["name"],
                    message=f.get("message", ""),
                    part=self._part(f["part"]) if "part" in f else None,
                    use=f.get("use", "literal"),
                    namespace=f.get("ns", ""),
                )
                for f in item.get("faults", ())
            ],
        )

    def _message(self, item: Data) -> Message:
        body = item["body"]
        return Message(
            name=item["name"],
            body=Body(
                [self._part(p) for p in body.get("parts", ())],
                body.get("use", "literal"),
                body.get("ns", ""),
                body.get("enc"),
            ),
            headers=[
                Header(
                    h["message"],
                    self._part(h["part"]),
                    h.get("use", "literal"),
                    h.get("ns", ""),
                    h.get("enc"),
                    not h.get("optional", False),
                )
                for h in item.get("headers", ())
            ],
        )

    def _part(self, item: Data) -> Part:
        element = self.elements[item["element"]] if "element" in item else None
        return Part(item["name"], element=element, type=self.types[item["type"]] if "type" in item else None)


def _max(item: Data) -> int | None:
    return None if item.get("unbounded") else item.get("max", 1)


def _wildcard(item: Data) -> Wildcard:
    return Wildcard(tuple(item.get("w", ("##any",))), item.get("pc", "strict"), item.get("min", 1), _max(item))


def _facets(item: Data) -> Facets:
    facets = Facets(**{k: v for k, v in item.items() if k not in ("patterns", "regexes", "enumeration")})
    if "enumeration" in item:
        facets.enumeration = tuple(item["enumeration"])
    facets.patterns = tuple(tuple(step) for step in item.get("patterns", ()))
    facets.regexes = tuple(tuple(step) for step in item.get("regexes", ()))
    return facets


def _derive(types: dict[str, XsdType]) -> None:
    """Rebuild each complex type's list of derived types (as :mod:`adapter.intake.translate` made it)."""
    for model in types.values():
        base = model.base if isinstance(model, ComplexType) else None
        while isinstance(base, ComplexType):
            base.derived.append(model)  # type: ignore[arg-type]
            base = base.base

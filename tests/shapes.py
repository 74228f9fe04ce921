"""Contract model types made by hand, for tests of the mapping core without a WSDL."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

from adapter.contract.builtins import Kind
from adapter.contract.members import Field
from adapter.contract.xsd import Attribute, ComplexType, Element, Facets, ModelGroup, Particle, SimpleType

_ids = itertools.count(1)
_BUILTINS = {
    Kind.STRING: "string",
    Kind.INTEGER: "int",
    Kind.DECIMAL: "decimal",
    Kind.FLOAT: "double",
    Kind.BOOLEAN: "boolean",
    Kind.DATE: "date",
    Kind.DATETIME: "dateTime",
    Kind.TIME: "time",
    Kind.BINARY: "base64Binary",
    Kind.ANY: "anySimpleType",
}


def Simple(kind: Kind, type_name: str = "", enumeration: Iterable[str] = (), **facets: object) -> SimpleType:  # noqa: N802
    name = f"{{urn:test}}{type_name}" if type_name else ""
    return SimpleType(
        id=name or f"#s{next(_ids)}",
        name=name,
        builtin=_BUILTINS[kind],
        facets=Facets(enumeration=tuple(enumeration) or None, **facets),  # type: ignore[arg-type]
    )


def Complex(  # noqa: N802
    type_name: str = "",
    fields: Mapping[str, Field] | None = None,
    attributes: Mapping[str, SimpleType] | None = None,
    required_attributes: Iterable[str] = (),
    value: SimpleType | None = None,
) -> ComplexType:
    required = set(required_attributes)
    particles: list[Particle] = [
        Element(
            name=f.name,
            type=f.shape,
            namespace=f.namespace or "",
            min_occurs=f.min_occurs,
            max_occurs=f.max_occurs,
            nillable=f.nillable,
        )
        for f in (fields or {}).values()
    ]
    return ComplexType(
        id=f"#c{next(_ids)}",
        name=f"{{urn:test}}{type_name}" if type_name else "",
        hint=type_name,
        content=ModelGroup("sequence", particles) if particles else None,
        simple=value,
        attribute_uses=[
            Attribute(name, simple, use="required" if name in required else "optional")
            for name, simple in (attributes or {}).items()
        ],
    )


__all__ = ["Complex", "Field", "Kind", "Simple"]

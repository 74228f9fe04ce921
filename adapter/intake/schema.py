"""Build a contract's schemas with xmlschema, behind the offline fence.

Every ``xsd:schema`` of the contract (inline in ``wsdl:types``, or reached by ``wsdl:import``) becomes one
``XMLSchema10`` in shared global maps, so references between sibling inline schemas resolve as they do in zeep
and in the services that published them. ``xsd:import``/``include`` locations go through
:class:`adapter.intake.documents.Documents`: local files inside the contract's folder and the bundled W3C schemas
only.

Measured choice: the schemas are read with ``validation="skip"`` (no check of each schema document against the
XSD meta-schema, which costs two thirds of the build on the 3 MB contracts) and then built with ``"lax"``, so that
a reference to a component that does not exist is still reported (``global component ... not found``). The
checks xmlschema runs after the build (Unique Particle Attribution and restriction validity, Part 1 §3.8.6 and
§3.9.6) are skipped: they cost most of the build on NetSuite's 46 schemas, the adapter validates nothing with
xmlschema at run time, and a contract that breaks them is still served as published.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree
from xmlschema.loaders import LocationSchemaLoader
from xmlschema.validators import XsdGlobals

from adapter.exceptions import ContractError
from adapter.intake.documents import Documents, Element
from adapter.intake.wsdl import XSD

log = logging.getLogger("adapter.intake")

_MISSING = re.compile(
    r"(?:global component|unknown (?:type|element|attribute)|missing base type) '?(\{[^}]*\}[^'\s]+|[^'\s]+)'?"
)


def build_schemas(documents: Documents, schemas: list[tuple[Element, Path]]) -> Any:
    """The global maps (``xmlschema.XsdGlobals``) of every schema, built; raises :class:`ContractError` for a
    reference to a type, element or group the contract does not define. Other schema errors are logged."""
    loader = _fenced_loader(documents)
    first: Any = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # xmlschema warns about imports it skips; the fence reports what matters
        for element, path in schemas or [(_empty_schema(), documents.main)]:
            source = _standalone(element)
            base_url = path.parent.as_uri() + "/"
            if first is None:
                first = xmlschema.XMLSchema10(
                    source,
                    validation="skip",
                    build=False,
                    base_url=base_url,
                    loader_class=loader,
                    use_fallback=False,
                    defuse="always",
                )
                loader.referrers[id(first)] = path
            else:
                schema = xmlschema.XMLSchema10(
                    source, validation="skip", build=False, base_url=base_url, global_maps=first.maps
                )
                loader.referrers[id(schema)] = path
        maps = first.maps
        for schema in maps.schemas:
            if schema.target_namespace != XSD:
                schema.validation = "lax"
        object.__setattr__(maps, "__class__", _UncheckedGlobals)  # see the module docstring
        maps.build()
    _check(maps, documents)
    return maps


class _UncheckedGlobals(XsdGlobals):
    """xmlschema's global maps without the post-build model checks (see the module docstring)."""

    __slots__ = ()

    def check(self, schemas: Any = None) -> None:
        return None


def _standalone(schema: Element) -> str:
    """An inline schema as a document of its own, with every namespace in scope declared on its root (a
    ``type="tns:X"`` may use a prefix declared on ``wsdl:definitions``)."""
    if schema.getparent() is None:
        return str(etree.tostring(schema, encoding="unicode"))
    copy = etree.Element(schema.tag, attrib=dict(schema.attrib), nsmap=schema.nsmap)
    copy.text = schema.text
    copy.extend(child.__copy__() for child in schema)
    return str(etree.tostring(copy, encoding="unicode"))


def _empty_schema() -> Element:
    return etree.Element(f"{{{XSD}}}schema", nsmap={"xsd": XSD})


def _fenced_loader(documents: Documents) -> Any:
    """A loader class whose every location is checked, recorded and read by ``documents``. It imports a location
    not loaded yet even when its namespace is (two inline schemas may each import part of one namespace)."""

    class FencedLoader(LocationSchemaLoader):
        referrers: dict[int, Path] = {}

        def get_locations(self, namespace: str, location: str | None = None) -> list[str]:
            found = super().get_locations(namespace, location)
            standard = documents.standard(namespace)
            if not found and standard is not None:
                found = [standard.as_uri()]
            return found

        def import_schema(
            self,
            target: Any,
            namespace: str,
            location: str,
            base_url: str | None = None,
            build: bool = False,
            partial: bool = False,
        ) -> Any:
            return super().import_schema(target, namespace, self._fence(target, location), base_url, build, partial)

        def include_schema(
            self, target: Any, location: str, base_url: str | None = None, build: bool = False, partial: bool = False
        ) -> Any:
            return super().include_schema(target, self._fence(target, location), base_url, build, partial)

        def load_schema(self, source: Any, *args: Any, **kwargs: Any) -> Any:
            schema = super().load_schema(source, *args, **kwargs)
            if isinstance(source, str):
                self.referrers.setdefault(id(schema), Path(_path_of(source)))
            return schema

        def _fence(self, target: Any, location: str) -> str:
            referrer = self.referrers.get(id(target)) or _referrer_of(target, documents)
            shown = _original_location(target, location)
            path = documents.resolve(location, referrer, shown)
            documents.read(path, referrer, shown)
            return path.as_uri()

    FencedLoader.referrers = {}
    return FencedLoader


def _path_of(url: str) -> str:
    return url[len("file://") :] if url.startswith("file://") else url


def _referrer_of(schema: Any, documents: Documents) -> Path | None:
    url = getattr(schema, "url", None)
    return Path(_path_of(url)) if url else documents.main


def _original_location(schema: Any, location: str) -> str:
    """The ``schemaLocation`` as written in the referring schema (xmlschema hands over the normalised URL)."""
    root = getattr(getattr(schema, "source", None), "root", None)
    if root is not None:
        for elem in root:
            written = elem.get("schemaLocation") if isinstance(elem.tag, str) else None
            if written and location.endswith(written.lstrip("./")):
                return str(written)
    return location


def _check(maps: Any, documents: Documents) -> None:
    errors = [error for schema in maps.schemas for error in schema.all_errors]
    for error in errors:
        message = str(getattr(error, "message", error))
        missing = _MISSING.search(message)
        if missing:
            raise ContractError(f"{documents.main.name}: {_missing(missing.group(1), error)}")
    for error in errors[:20]:
        log.debug("schema error tolerated: %s", getattr(error, "message", error))


def _missing(qname: str, error: Any) -> str:
    namespace, _, local = qname[1:].partition("}") if qname.startswith("{") else ("", "", qname)
    local = local.rpartition(":")[2]
    elem = getattr(error, "elem", None)
    kind = "type"
    if elem is not None:
        for attribute, what in (("ref", None), ("substitutionGroup", "element"), ("base", "type"), ("type", "type")):
            value = elem.get(attribute)
            if value is not None and value.rpartition(":")[2] == local:
                kind = what or _ref_kind(elem.tag)
                break
    where = f" (namespace {namespace})" if namespace else ""
    return f"{kind} {local!r}{where} is referenced but not defined in the contract"


def _ref_kind(tag: str) -> str:
    local = tag.rpartition("}")[2]
    return {"attributeGroup": "attribute group", "group": "group"}.get(local, local)

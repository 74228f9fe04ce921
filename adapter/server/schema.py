"""The contract's own XML Schema, as an lxml validator for the Body entries the adapter receives and sends.

Every ``xsd:schema`` inside ``wsdl:types`` is lifted out with the namespace declarations in scope where it stood
(a ``type="tns:IBAN"`` refers to a prefix declared on ``wsdl:definitions``). Several schemas that import one
another are written to a temporary folder so that libxml2 can resolve the imports; references to files next to the
contract resolve there, and nothing is ever fetched from a network.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from copy import deepcopy
from pathlib import Path
from urllib.parse import urlparse

from lxml import etree

from adapter import xml
from adapter.exceptions import ContractError
from adapter.settings import XmlLimits

XSD = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"


# libxml2's validity error kinds (its SCHEMAV_* names), in our words: a fault never carries libxml2's text.
_KINDS = (
    ("PATTERN", "does not match the contract's pattern"),
    ("MINLENGTH", "is shorter than the contract allows"),
    ("MAXLENGTH", "is longer than the contract allows"),
    ("LENGTH_VALID", "does not have the length the contract sets"),
    ("ENUMERATION", "is not one of the values the contract lists"),
    ("DIGITS", "has more digits than the contract allows"),
    ("INCLUSIVE", "is outside the range the contract allows"),
    ("EXCLUSIVE", "is outside the range the contract allows"),
    ("DATATYPE", "is not a value of its type"),
    ("COMPLEX_TYPE_3", "has an attribute the contract does not declare"),
    ("COMPLEX_TYPE_4", "lacks an attribute the contract requires"),
    ("CVC_ELT_1", "is not an element the contract declares"),
)
_PREFIX = re.compile(r"[^/\[\]:]+:")
log = logging.getLogger("adapter.server.schema")


class ContractSchema:
    """Validates elements against the schemas of one contract. Safe to share between threads."""

    def __init__(self, schema: etree.XMLSchema) -> None:
        self._schema = schema
        self._lock = threading.Lock()  # an lxml validator keeps its error log on itself

    def problem(self, element: etree._Element) -> str | None:
        """``None`` when ``element`` is valid, else the first problem: where (the element path, local names) and
        what, in the adapter's words; libxml2's own message goes to the log."""
        with self._lock:
            if self._schema.validate(element):
                return None
            errors = list(self._schema.error_log)
        if not errors:
            return "the document does not conform"
        first = errors[0]
        log.info("schema validation: %s", first.message)
        return f"{_PREFIX.sub('', first.path or '').lstrip('/')}: {_kind(first.type_name, first.message)}"


def _kind(type_name: str, message: str) -> str:
    if type_name == "SCHEMAV_ELEMENT_CONTENT":
        return "lacks a required element" if "Missing child" in message else "is not expected here"
    return next((words for key, words in _KINDS if key in type_name), "does not conform")


def load_schema(wsdl: Path, limits: XmlLimits) -> ContractSchema:
    """The schema of the WSDL at ``wsdl``; raises :class:`ContractError` when it cannot be built offline."""
    try:
        root = xml.parse(wsdl.read_bytes(), limits)
    except (OSError, xml.XmlError) as exc:
        raise ContractError(f"{wsdl.name}: cannot read the contract for its schema: {exc}") from None
    schemas = [_standalone(element, wsdl.parent) for element in root.iterfind(f"{{{WSDL}}}types/{{{XSD}}}schema")]
    if not schemas:
        raise ContractError(f"{wsdl.name}: the contract has no wsdl:types schema to validate messages with")
    try:
        if len(schemas) == 1:
            return ContractSchema(etree.XMLSchema(schemas[0]))
        return ContractSchema(_linked(schemas))
    except etree.XMLSchemaParseError as exc:
        raise ContractError(f"{wsdl.name}: its schema cannot be compiled: {exc}") from None


def _standalone(schema: etree._Element, folder: Path) -> etree._Element:
    """A copy of ``schema`` as a document of its own, with every namespace in scope declared on its root."""
    copy = etree.Element(schema.tag, attrib=dict(schema.attrib), nsmap=schema.nsmap)
    copy.text = schema.text
    for child in schema:
        copy.append(deepcopy(child))
    for reference in [*copy.iterfind(f"{{{XSD}}}import"), *copy.iterfind(f"{{{XSD}}}include")]:
        location = reference.get("schemaLocation")
        if location:
            reference.set("schemaLocation", _local(location, folder))
    return copy


def _local(location: str, folder: Path) -> str:
    if urlparse(location).scheme:
        raise ContractError(f"the contract's schema imports {location!r}: only files next to the contract are read")
    path = (folder / location).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise ContractError(f"the contract's schema imports {location!r}, outside the contract folder")
    return path.as_uri()


def _linked(schemas: list[etree._Element]) -> etree.XMLSchema:
    """One validator for several inline schemas: each in a file, imports between them pointed at those files."""
    namespaces = [schema.get("targetNamespace", "") for schema in schemas]
    if len(set(namespaces)) < len(namespaces):
        raise ContractError("two wsdl:types schemas share a target namespace: not supported for serving")
    with tempfile.TemporaryDirectory(prefix="adapter-schema-") as folder:
        files = {namespace: Path(folder) / f"schema{i}.xsd" for i, namespace in enumerate(namespaces)}
        for schema in schemas:
            for reference in schema.iterfind(f"{{{XSD}}}import"):
                target = files.get(reference.get("namespace", ""))
                if target is not None and not reference.get("schemaLocation"):
                    reference.set("schemaLocation", target.as_uri())
        for namespace, schema in zip(namespaces, schemas, strict=True):
            files[namespace].write_bytes(xml.tostring(schema))
        main = etree.Element(f"{{{XSD}}}schema", nsmap={"xsd": XSD})
        for namespace, path in files.items():
            etree.SubElement(main, f"{{{XSD}}}import", namespace=namespace, schemaLocation=path.as_uri())
        return etree.XMLSchema(main)

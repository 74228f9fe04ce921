"""A parsed WSDL 1.1 document: every service, port and portType, loaded offline once.

This is the intake of contracts. zeep parses; this module decides what counts as loaded (at least one SOAP port with
operations), and turns zeep's failures into :class:`ContractError` messages that name the file and the missing thing.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lxml import etree
from zeep import exceptions as zeep_exceptions
from zeep.wsdl import Document
from zeep.wsdl.bindings.http import HttpGetBinding, HttpPostBinding
from zeep.wsdl.bindings.soap import Soap11Binding, Soap12Binding

from adapter import xml
from adapter.exceptions import ContractError
from adapter.soap.facets import bounds, encoded_operations, enumerations
from adapter.soap.transport import OfflineTransport, zeep_settings

SOAP11 = "SOAP 1.1"
SOAP12 = "SOAP 1.2"
_KINDS: list[tuple[type, str]] = [
    (Soap12Binding, SOAP12),  # before 1.1: zeep's Soap12Binding is not a Soap11Binding, but be explicit
    (Soap11Binding, SOAP11),
    (HttpGetBinding, "HTTP GET"),
    (HttpPostBinding, "HTTP POST"),
]


@dataclass(frozen=True)
class PortInfo:
    """One ``wsdl:port`` of one ``wsdl:service``, as ``adapter inspect`` lists it."""

    service: str
    name: str
    binding: str
    kind: str  # "SOAP 1.1", "SOAP 1.2", "HTTP GET", "HTTP POST" or "unknown"
    port_type: str
    address: str
    operations: tuple[str, ...]

    @property
    def is_soap(self) -> bool:
        return self.kind in (SOAP11, SOAP12)


@dataclass
class Wsdl:
    """A loaded contract. ``document`` is zeep's; everything else is plain data."""

    path: Path
    document: Any
    transport: OfflineTransport
    ports: list[PortInfo]
    port_types: dict[str, tuple[str, ...]]  # portType local name → its operations
    notes: list[str] = field(default_factory=list)  # what zeep warned about while loading
    cache: dict[Any, Any] = field(default_factory=dict)  # per-port operations, built on first use

    @property
    def operation_count(self) -> int:
        """Operations declared over all portTypes (a service's abstract interface, whatever its bindings)."""
        return sum(len(operations) for operations in self.port_types.values())

    @property
    def soap_ports(self) -> list[PortInfo]:
        return [port for port in self.ports if port.is_soap]

    @cached_property
    def enumerations(self) -> Mapping[str, tuple[str, ...]]:
        return enumerations(self.transport.documents.values(), self.transport.parse)

    @cached_property
    def bounds(self) -> Mapping[str, Mapping[str, str]]:
        return bounds(self.transport.documents.values(), self.transport.parse)

    @cached_property
    def encoded(self) -> frozenset[tuple[str, str]]:
        """``(binding, operation)`` pairs that use SOAP encoding (rpc/encoded)."""
        return encoded_operations(self.transport.documents.values(), self.transport.parse)

    def find_port(self, service: str | None, port: str | None) -> PortInfo:
        """The port a mapping names; by default the first SOAP port (of ``service`` when given)."""
        candidates = [p for p in self.ports if service is None or p.service == service]
        if service is not None and not candidates:
            raise ContractError(f"{self.path.name}: no service {service!r}; services: {_names(self.services)}")
        if port is None:
            soap = [p for p in candidates if p.is_soap and p.operations]
            if not soap:
                raise ContractError(f"{self.path.name}: service {service!r} has no SOAP port with operations")
            return soap[0]
        for candidate in candidates:
            if candidate.name == port:
                if not candidate.is_soap:
                    raise ContractError(
                        f"{self.path.name}: port {port!r} is an {candidate.kind} binding, not SOAP; "
                        f"SOAP ports: {_names(p.name for p in self.soap_ports)}"
                    )
                return candidate
        where = f" in service {service!r}" if service else ""
        raise ContractError(f"{self.path.name}: no port {port!r}{where}; ports: {_names(p.name for p in candidates)}")

    @property
    def services(self) -> list[str]:
        return list(dict.fromkeys(p.service for p in self.ports))

    def zeep_port(self, info: PortInfo) -> Any:
        return self.document.services[info.service].ports[info.name]


def load_wsdl(path: Path) -> Wsdl:
    """Load the contract at ``path`` offline. Raises :class:`ContractError` naming the file and what is wrong."""
    if not path.is_file():
        raise ContractError(f"{path}: contract file not found")
    transport = OfflineTransport(path.parent)
    with _translated(path, transport), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loader: Any = transport  # zeep annotates the class, it wants an instance
        document = Document(str(path), loader, settings=zeep_settings())
    notes = [str(w.message) for w in caught]
    wsdl = Wsdl(path=path, document=document, transport=transport, ports=_ports(document), port_types={}, notes=notes)
    wsdl.port_types = _port_types(document)
    _require_operations(wsdl)
    return wsdl


def _ports(document: Any) -> list[PortInfo]:
    ports = []
    for service in document.services.values():
        for port in service.ports.values():
            binding = port.binding
            ports.append(
                PortInfo(
                    service=service.name,
                    name=port.name,
                    binding=etree.QName(binding.name).localname,
                    kind=next((kind for cls, kind in _KINDS if isinstance(binding, cls)), "unknown"),
                    port_type=etree.QName(binding.port_name).localname,
                    address=(port.binding_options or {}).get("address") or "",
                    operations=tuple(binding._operations),
                )
            )
    return ports


def _port_types(document: Any) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for definition in document._definitions.values():
        for qname, port_type in definition.port_types.items():
            found.setdefault(etree.QName(qname).localname, tuple(port_type.operations))
    return found


def _require_operations(wsdl: Wsdl) -> None:
    """A contract that loads with nothing to call is an error, not a success."""
    if any(port.operations for port in wsdl.soap_ports):
        return
    name = wsdl.path.name
    if not wsdl.ports:
        what = "declares no wsdl:service" if not wsdl.port_types else "binds its portTypes to no wsdl:service port"
        raise ContractError(f"{name} {what}: there is nothing to call")
    if not wsdl.soap_ports:
        kinds = ", ".join(sorted({p.kind for p in wsdl.ports}))
        raise ContractError(f"{name} has no SOAP port (only {kinds}); the adapter calls SOAP services")
    detail = "; ".join(dict.fromkeys(wsdl.notes)) or "the bindings name operations their portTypes do not declare"
    raise ContractError(f"{name}: its SOAP ports have no operations ({detail})")


def _names(names: Any) -> str:
    return ", ".join(names) or "none"


_NO_DEFINITION = re.compile(r"No definition '(\{[^}]*\})?([^']+)' in '(\w+)' found")
_UNRESOLVED = re.compile(r"Unable to resolve (\w+) (\{[^}]*\})?(\S+)")


@contextmanager
def _translated(path: Path, transport: OfflineTransport) -> Iterator[None]:
    """zeep's and lxml's loading errors → one :class:`ContractError` that names the file and the missing thing."""
    name = path.name
    try:
        yield
    except ContractError as exc:
        raise ContractError(exc.detail if exc.detail.startswith(name) else f"{name}: {exc.detail}") from None
    except (zeep_exceptions.DTDForbidden, zeep_exceptions.EntitiesForbidden):
        raise ContractError(f"{_last(transport) or name}: {xml.DTD_REFUSED}") from None
    except zeep_exceptions.XMLParseError as exc:
        where = _where(exc.filename, exc.sourceline, transport) or name
        raise ContractError(f"{where}: {exc.message}") from None
    except zeep_exceptions.XMLSyntaxError as exc:
        raise ContractError(f"{_last(transport) or name}: not well-formed XML: {exc.message}") from None
    except (zeep_exceptions.Error, LookupError, etree.LxmlError, KeyError, ValueError) as exc:
        raise ContractError(f"{name}: {_explain(exc, transport)}") from None
    except (NotImplementedError, AttributeError, TypeError, AssertionError) as exc:
        # zeep's own limits (e.g. an xsd:include without schemaLocation) surface as these.
        raise ContractError(f"{name}: zeep cannot read this contract ({type(exc).__name__}: {exc})") from None


def _explain(exc: BaseException, transport: OfflineTransport) -> str:
    text = getattr(exc, "message", None) or str(exc)
    missing = _NO_DEFINITION.search(text)
    if missing:
        namespace, local, kind = missing.groups()
        what = kind.rstrip("s").replace("port_type", "portType")
        ns = f" (namespace {namespace.strip('{}')})" if namespace else ""
        return f"{what} {local!r}{ns} is referenced but not defined in the contract"
    unresolved = _UNRESOLVED.search(text)
    if unresolved:
        kind, namespace, local = unresolved.groups()
        ns = f" (namespace {namespace.strip('{}')})" if namespace else ""
        reason = "no schema for that namespace is imported" if "No schema available" in text else "it is not defined"
        return f"{kind} {local.rstrip('.')!r}{ns} is referenced but {reason}"
    return f"cannot load contract: {text}"


def _where(filename: str | None, line: int | None, transport: OfflineTransport) -> str:
    if not filename:
        return ""
    shown = transport._shown(Path(filename)) if Path(filename).is_absolute() else filename
    return f"{shown}:{line}" if line else shown


def _last(transport: OfflineTransport) -> str:
    return transport._shown(next(reversed(transport.documents))) if transport.documents else ""

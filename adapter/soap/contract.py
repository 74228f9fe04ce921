"""A Contract: one WSDL port, its operations, and their message shapes.

Loaded offline with zeep's hardened settings (see :mod:`adapter.soap.wsdl`); operations expose plain shapes
(:mod:`adapter.mapping.shapes`) so that mapping never touches zeep types. A :class:`ContractStore` keeps parsed
contracts while their files are unchanged, so that checking many mappings, or reloading them, parses each once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zeep

from adapter.mapping.shapes import Complex, Field
from adapter.soap.shapes import ShapeBuilder
from adapter.soap.transport import zeep_settings
from adapter.soap.wsdl import SOAP12, PortInfo, Wsdl, load_wsdl

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"

__all__ = [
    "SOAP11_ENV",
    "SOAP12_ENV",
    "Contract",
    "ContractStore",
    "Message",
    "Operation",
    "load_contract",
    "zeep_settings",
]


@dataclass
class Message:
    """An operation's input or output as the mapping sees it.

    ``shape`` describes the plain data: for a document/literal wrapped message, the wrapper element's children. When
    ``unwrap`` is true the plain data is read from the Body's first child, otherwise from the Body itself.
    """

    shape: Complex
    unwrap: bool
    element: str  # the Body child's local name, for messages and diagnostics


@dataclass
class Operation:
    """One WSDL operation of the selected port."""

    name: str
    soap_version: str  # "1.1" or "1.2"
    style: str  # "document" or "rpc"
    soap_action: str
    input: Message
    output: Message | None
    faults: dict[str, Field] = field(default_factory=dict)  # detail element local name → its field
    use: str = "literal"  # "literal" or "encoded" (SOAP 1.1 §5)

    @property
    def input_shape(self) -> Complex:
        return self.input.shape

    @property
    def output_shape(self) -> Complex | None:
        return self.output.shape if self.output is not None else None

    @property
    def binding_style(self) -> str:
        """``document/literal wrapped``, ``document/literal bare``, ``rpc/literal`` or ``rpc/encoded``."""
        text = f"{self.style}/{self.use}"
        if self.style == "document":
            text += " wrapped" if self.input.unwrap and self.input.element == self.name else " bare"
        return text


@dataclass
class Contract:
    """A loaded WSDL, bound to one service port."""

    path: Path
    service: str
    port: str
    address: str
    soap_version: str
    operations: dict[str, Operation]
    client: Any  # zeep.AsyncClient: builds request envelopes (with WS-Security) for this port
    binding: Any  # zeep binding of the port
    wsdl: Wsdl | None = None  # the whole document: every service and port

    @property
    def envelope_ns(self) -> str:
        return SOAP12_ENV if self.soap_version == "1.2" else SOAP11_ENV


def load_contract(
    path: Path,
    *,
    service: str | None = None,
    port: str | None = None,
    wsse: Any = None,
    wsdl: Wsdl | None = None,
) -> Contract:
    """Load the WSDL at ``path`` (or use the parsed ``wsdl``) and select a port: the named one, or the first SOAP
    port (of ``service`` when given). Raises :class:`ContractError`."""
    wsdl = wsdl or load_wsdl(path)
    info = wsdl.find_port(service, port)
    zeep_port = wsdl.zeep_port(info)
    client = zeep.AsyncClient(wsdl.document, transport=wsdl.transport, settings=wsdl.document.settings, wsse=wsse)
    return Contract(
        path=path,
        service=info.service,
        port=info.name,
        address=info.address,
        soap_version="1.2" if info.kind == SOAP12 else "1.1",
        operations=port_operations(wsdl, info),
        client=client,
        binding=zeep_port.binding,
        wsdl=wsdl,
    )


def port_operations(wsdl: Wsdl, info: PortInfo) -> dict[str, Operation]:
    """The operations of one port with their shapes, built once per document and port."""
    key = ("operations", info.service, info.name)
    cached: dict[str, Operation] | None = wsdl.cache.get(key)
    if cached is None:
        builder = wsdl.cache.get("builder")
        if builder is None:
            builder = wsdl.cache["builder"] = ShapeBuilder(wsdl.enumerations, wsdl.bounds)
        version = "1.2" if info.kind == SOAP12 else "1.1"
        binding = wsdl.zeep_port(info).binding
        encoded = {op for binding_name, op in wsdl.encoded if binding_name == info.binding}
        cached = {
            name: _operation(name, op, version, builder, "encoded" if name in encoded else "literal")
            for name, op in binding._operations.items()
        }
        wsdl.cache[key] = cached
    return cached


class ContractStore:
    """Parsed contracts by file, reused while the file and every document it imports are unchanged."""

    def __init__(self) -> None:
        self._loaded: dict[Path, tuple[dict[Path, tuple[int, int]], Wsdl]] = {}

    def wsdl(self, path: Path) -> Wsdl:
        key = path.resolve()
        known = self._loaded.get(key)
        if known is not None and all(_stamp(p) == stamp for p, stamp in known[0].items()):
            return known[1]
        wsdl = load_wsdl(path)
        stamps = {p: _stamp(p) for p in [key, *wsdl.transport.documents]}
        self._loaded[key] = (stamps, wsdl)
        return wsdl

    def contract(
        self, path: Path, *, service: str | None = None, port: str | None = None, wsse: Any = None
    ) -> Contract:
        return load_contract(path, service=service, port=port, wsse=wsse, wsdl=self.wsdl(path))


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


def _operation(name: str, op: Any, version: str, builder: ShapeBuilder, use: str) -> Operation:
    faults: dict[str, Field] = {}
    for fault in op.faults.values():
        for part in fault.abstract.parts.values():
            if part.element is not None:
                faults[part.element.name] = builder.element(part.element)
    return Operation(
        name=name,
        soap_version=version,
        style=op.style or "document",
        soap_action=op.soapaction or "",
        input=_message(op.input, builder),
        output=_message(op.output, builder) if op.output is not None else None,
        faults=faults,
        use=use,
    )


def _message(message: Any, builder: ShapeBuilder) -> Message:
    body = getattr(message, "body", None)
    if body is None:
        return Message(shape=Complex(), unwrap=False, element="")
    wrapped_parts = getattr(message, "_is_body_wrapped", False)
    shape = builder.shape(body.type)
    if not isinstance(shape, Complex):  # a single part with a simple type: keep it under its own name
        only = builder.element(body)
        return Message(shape=Complex(fields={only.name: only}), unwrap=False, element=body.name)
    return Message(shape=shape, unwrap=not wrapped_parts, element=body.name)

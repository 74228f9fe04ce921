"""The messages of a served operation, read and written by the contract model: the facade's decoder and encoder.

The Body entry of a request and its declared header blocks (``soap:header``) are read by
:mod:`adapter.exchange.decoder`, which validates them in the same walk: every simple value against its type and
facets, cardinality, choices, ``xsi:nil`` only where nillable, derived types named with ``xsi:type`` (XML Schema
Part 1 §2.6.1; an abstract type without one is refused). A request that breaks the contract is a Client fault
naming the path and the rule, before any backend call. Plain data is the facade's: a list type is a list, a
derived type says its name in ``_type``, dates keep their lexical form and offset, header blocks sit under
``_header``.

The reply's Body entry, its header blocks and a declared fault's detail are written by
:mod:`adapter.exchange.encoder`: every value through its type's codec (facets checked), a list joined with spaces,
a derived type with ``xsi:type``. A reply the contract does not allow is a Server fault that says only
``Invalid backend reply``; the log has the path and the rule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from adapter.contract.members import Field
from adapter.contract.port import HEADER_KEY, BoundOperation, MessageShape
from adapter.contract.xsd import ComplexType, namespace_of
from adapter.exceptions import BackendProtocolError, ContractError, RequestError
from adapter.exchange.decoder import ContractViolation, Report, decode, reader
from adapter.exchange.encoder import EncodeProblem, write_value, writer

XSI = "http://www.w3.org/2001/XMLSchema-instance"
log = logging.getLogger("adapter.server")


class ContractBroken(RequestError):
    """A request whose Body entry or header blocks break the contract: a Client fault naming where and how."""

    title = "Request breaks the contract"


@dataclass(eq=False)
class ServedMessages:
    """The input, output and declared faults of one served operation, as the contract model has them."""

    name: str
    input: MessageShape
    output: MessageShape
    faults: dict[str, Field] = field(default_factory=dict)
    nsmap: dict[str | None, str] = field(default_factory=dict)

    @classmethod
    def of(cls, operation: BoundOperation, namespace: str) -> ServedMessages:
        """The messages of ``operation``; raises :class:`ContractError` for one that cannot be served."""
        if operation.output is None:
            raise ContractError(f"{operation.name} needs one input and one output Body element to be served")
        nsmap: dict[str | None, str] = {"xsi": XSI}
        if namespace:
            nsmap["tns"] = namespace
        return cls(operation.name, operation.input, operation.output, dict(operation.faults), nsmap)

    @property
    def header_tags(self) -> set[str]:
        """The header blocks a request may carry for this operation (``{namespace}name``)."""
        headers = self.input.headers
        return {member.clark for member in headers.fields.values()} if headers is not None else set()

    # -- the request ------------------------------------------------------------------------------------------

    def read(self, entry: Any, header: Any) -> dict[str, Any]:
        """The plain data of a request: its Body entry's content, and ``_header`` with the declared header blocks.
        Raises :class:`ContractBroken` for the first violation of the contract."""
        report = Report(strict=True)
        try:
            if self.input.root is not None:
                data = decode(entry, self.input.body, report, nillable=False)
            else:  # a Body element of a simple type: plain data holds it by name (adapter.contract.port)
                data = {}
                reader(self.input.body).content(entry.getparent(), data, report)
            if self.input.headers is not None:
                blocks = _header_blocks(header, entry, self.input.headers, report)
                if blocks:
                    data[HEADER_KEY] = blocks
        except ContractViolation as exc:
            raise ContractBroken(f"the request does not conform to the contract: {exc.problem}") from None
        return data if isinstance(data, dict) else {}

    # -- the reply --------------------------------------------------------------------------------------------

    def write(self, data: dict[str, Any]) -> tuple[Any, list[Any]]:
        """The reply's Body entry and header blocks for plain data of the output; raises
        :class:`BackendProtocolError` (logged with the path and the rule) for data the contract does not allow."""
        content = {key: value for key, value in data.items() if key != HEADER_KEY}
        root = self.output.root
        holder = etree.Element("holder", nsmap=self.nsmap)
        blocks: list[Any] = []
        try:
            if root is not None:
                write_value(holder, root.clark, self.output.body, content, "", nillable=False)
            else:  # a Body element of a simple type, held by name in plain data
                writer(self.output.body).content(holder, content, "")
            headers = data.get(HEADER_KEY)
            if self.output.headers is not None and headers:
                block_holder = etree.Element("holder", nsmap=self.nsmap)
                writer(self.output.headers).content(block_holder, headers, HEADER_KEY)
                blocks = list(block_holder)
        except EncodeProblem as exc:
            raise _broken(f"the {self.name} reply", exc) from None
        return holder[0], blocks

    def detail(self, name: str, data: Any) -> Any:
        """The detail entry of the declared fault ``name`` (its element's local name) for plain data ``data``."""
        declared = self.faults[name]
        namespace = namespace_of(declared.clark)
        holder = etree.Element("holder", nsmap={"xsi": XSI, **({"tns": namespace} if namespace else {})})
        try:
            write_value(holder, declared.clark, declared.shape, data if data is not None else {}, name, nillable=False)
        except EncodeProblem as exc:
            raise _broken(f"the {name} fault detail of {self.name}", exc) from None
        return holder[0]


def _header_blocks(header: Any, entry: Any, declared: ComplexType, report: Report) -> dict[str, Any]:
    """The declared header blocks of a request, read and checked (a required one missing is reported on the Body
    entry); blocks the contract does not declare (WS-Security's, say) are not read here."""
    content = reader(declared)
    out: dict[str, Any] = {}
    for child in header if header is not None else ():
        member = content.members.get(child.tag) if isinstance(child.tag, str) else None
        if member is None:
            continue
        if member.name in out:
            report(child, "occurs more than once; the contract allows it once")
        out[member.name] = member.read(child, report)
    for name, block in declared.fields.items():
        if block.min_occurs > 0 and name not in out:
            report(entry, f"comes without the SOAP header block {name} the contract requires")
    return out


def _broken(what: str, problem: EncodeProblem) -> BackendProtocolError:
    log.error("%s breaks the contract at %s: %s", what, problem.path or "(root)", problem.message)
    return BackendProtocolError(f"{what} does not conform to the contract: {problem}")


__all__ = ["ContractBroken", "ServedMessages"]

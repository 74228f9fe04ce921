"""A served contract as Spyne applications (one per SOAP version, one method per contract operation) over a REST
backend.

Nothing here is written per contract. Spyne dispatches a request to its operation and writes the reply or fault
envelope; the Body entry, header blocks and fault details are read and written by the contract model
(:mod:`adapter.server.messages`: the facade's decoder and encoder). A call goes in three steps, so that the endpoint
can run the first and last off the event loop when they are large and the middle one never holds a thread:
:meth:`ServedService.read` (Spyne dispatches, the model reads and validates), :meth:`ServedService.call` (the
compiled mapping makes the REST call, :mod:`adapter.mapping.restplan`, awaited on the one HTTP client),
:meth:`ServedService.reply` (the reply becomes the output, or a declared fault, written by the model, and Spyne
writes the envelope).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from spyne import Application, ServiceBase, rpc
from spyne.util.appreg import unregister_application

from adapter.contract.port import Contract
from adapter.exceptions import DeclaredFault
from adapter.mapping import restplan
from adapter.mapping.restcompiler import CompiledService
from adapter.outbound.client import Reply
from adapter.rest.client import RestBackend
from adapter.server import driver
from adapter.server.messages import ServedMessages
from adapter.server.protocol import BodyEntry, ServedSoap11, ServedSoap12, SoapFault
from adapter.soap.bindings import ServiceBindings

_PROTOCOLS = {"1.1": ServedSoap11, "1.2": ServedSoap12}


@dataclass(frozen=True)
class Exchange:
    """A request and the backend's raw reply to it."""

    incoming: driver.Incoming
    soap_input: dict[str, Any]
    reply: Reply

    @property
    def size(self) -> int:
        return len(self.reply.body)


class ServedService:
    """Answers a contract's operations through a REST backend, with Spyne dispatching and writing the envelopes."""

    def __init__(
        self, contract: Contract, bindings: ServiceBindings, compiled: CompiledService, backend: RestBackend
    ) -> None:
        self.bindings = bindings
        self.compiled = compiled
        self.backend = backend
        namespace = bindings.namespace
        self.messages = {name: ServedMessages.of(contract.operations[name], namespace) for name in bindings.operations}
        self.header_tags = frozenset(tag for messages in self.messages.values() for tag in messages.header_tags)
        self.servers = {version: driver.SpyneServer(self._application(version)) for version in bindings.versions}

    def read(self, version: str, envelope: etree._Element, entry: etree._Element, header: Any) -> driver.Incoming:
        """The request in a vetted ``envelope``: dispatched by Spyne, its Body ``entry`` and ``header`` blocks read
        and validated by the contract model; raises :class:`AdapterError` (a Client fault)."""
        incoming = driver.read(self.servers[version], envelope)
        incoming.request = self.messages[incoming.operation].read(entry, header)
        return incoming

    async def call(self, incoming: driver.Incoming) -> Exchange:
        """Make the operation's REST call; raises :class:`AdapterError` (a Client fault for an input the call cannot
        carry, a Server fault when the backend fails)."""
        soap_input = incoming.request or {}
        http_call = restplan.http_call(self.compiled.calls[incoming.operation], soap_input)
        return Exchange(incoming, soap_input, await self.backend.send(http_call, incoming.operation))

    def reply(self, exchange: Exchange) -> driver.Written:
        """The reply envelope for the backend's reply: the output, or a declared fault; raises :class:`AdapterError`
        for a reply that no rule maps or that does not make the contract's output."""
        name = exchange.incoming.operation
        messages = self.messages[name]
        document = self.backend.document(exchange.reply)
        try:
            output = restplan.soap_output(self.compiled.calls[name], document, exchange.soap_input)
        except DeclaredFault as exc:
            return driver.write(exchange.incoming, fault=SoapFault(exc, _detail(messages, exc)))
        entry, headers = messages.write(output)
        return driver.write(exchange.incoming, output=entry, headers=headers)

    def _application(self, version: str) -> Application:
        methods = {f"op_{index}": self._spyne_method(name) for index, name in enumerate(self.bindings.operations)}
        service = type(self.bindings.service, (ServiceBase,), methods)
        dispatch = {
            bound.input: f"{{{self.bindings.namespace}}}{name}" for name, bound in self.bindings.operations.items()
        }
        protocol = _PROTOCOLS[version]
        app = Application(
            [service],
            tns=self.bindings.namespace,
            name=self.bindings.service,
            in_protocol=protocol(dispatch),
            out_protocol=protocol(dispatch),
        )
        unregister_application(app)  # Spyne keeps a process-wide registry; nothing here uses it
        return app

    def _spyne_method(self, name: str) -> Any:
        """The operation's signature for Spyne: a Body entry in, a Body entry out (both read and written by the
        contract model). Spyne never calls the function: the answer is made by :meth:`call` and :meth:`reply`,
        which need no thread of their own."""
        options = {
            "_returns": BodyEntry,
            "_body_style": "bare",
            "_operation_name": name,
            "_out_message_name": self.bindings.operations[name].output,  # "{namespace}name": the reply's Body entry
        }

        def call(ctx: Any, request: Any) -> Any:
            raise NotImplementedError(name)

        return rpc(BodyEntry, **options)(_named(call, name))


def _named(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    function.__name__ = function.__qualname__ = name  # Spyne keys methods by their function's name
    return function


def _detail(messages: ServedMessages, error: DeclaredFault) -> Any:
    """The declared fault's detail entry; a detail the contract does not allow turns the fault into a Server fault."""
    if error.fault is None or error.fault not in messages.faults:
        return None
    return messages.detail(error.fault, error.data)

"""A served contract as Spyne applications (one per SOAP version, one method per contract operation) over a REST
backend.

Nothing here is written per contract. The methods, their input and output classes and the fault detail classes are
made from the contract (:mod:`adapter.server.types`). A call goes in three steps, so that the endpoint can run the
first and last off the event loop when they are large and the middle one never holds a thread:
:meth:`ServedService.read` (Spyne reads the parsed envelope), :meth:`ServedService.call` (the compiled mapping makes
the REST call, :mod:`adapter.mapping.restplan`, awaited on the one HTTP client), :meth:`ServedService.reply` (the
reply becomes the output class, or a declared fault, and Spyne writes it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from spyne import Application, ServiceBase, rpc
from spyne.util.appreg import unregister_application

from adapter.contract.port import Contract
from adapter.contract.xsd import ComplexType as Complex
from adapter.exceptions import DeclaredFault
from adapter.mapping import restplan
from adapter.mapping.restcompiler import CompiledService
from adapter.outbound.client import Reply
from adapter.rest.client import RestBackend
from adapter.server import driver
from adapter.server.protocol import Detail, ServedSoap11, ServedSoap12, SoapFault
from adapter.server.schema import ContractSchema
from adapter.server.types import Model, TypeBuilder, from_plain, to_plain
from adapter.soap.bindings import BoundOperation, ServiceBindings

_PROTOCOLS = {"1.1": ServedSoap11, "1.2": ServedSoap12}


@dataclass(frozen=True)
class _Method:
    """One operation's Spyne classes and shapes."""

    bound: BoundOperation
    input_model: Model | None  # None: an input element without content
    input_shape: Complex
    output_model: Model
    output_shape: Complex
    faults: dict[str, tuple[Model, Complex, str]]  # detail element name → class, shape, namespace


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
    """Answers a contract's operations through a REST backend, with Spyne reading and writing the envelopes."""

    def __init__(
        self,
        contract: Contract,
        bindings: ServiceBindings,
        compiled: CompiledService,
        backend: RestBackend,
        schema: ContractSchema,
    ) -> None:
        self.bindings = bindings
        self.compiled = compiled
        self.backend = backend
        self.schema = schema
        types = TypeBuilder()
        self.methods = {name: _method(bound, contract, types) for name, bound in bindings.operations.items()}
        self.servers = {version: driver.SpyneServer(self._application(version)) for version in bindings.versions}

    def read(self, version: str, envelope: etree._Element) -> driver.Incoming:
        """The request in a vetted ``envelope``, read and validated by Spyne; raises :class:`AdapterError`."""
        return driver.read(self.servers[version], envelope)

    async def call(self, incoming: driver.Incoming) -> Exchange:
        """Make the operation's REST call; raises :class:`AdapterError` (a Client fault for an input the call cannot
        carry, a Server fault when the backend fails)."""
        method = self.methods[incoming.operation]
        request = incoming.request
        soap_input = to_plain(request, method.input_model, method.input_shape) if request is not None else {}
        http_call = restplan.http_call(self.compiled.calls[incoming.operation], soap_input)
        return Exchange(incoming, soap_input, await self.backend.send(http_call, incoming.operation))

    def reply(self, exchange: Exchange) -> driver.Written:
        """The reply envelope for the backend's reply: the output, or a declared fault; raises :class:`AdapterError`
        for a reply that no rule maps or that does not make the contract's output."""
        name = exchange.incoming.operation
        method = self.methods[name]
        document = self.backend.document(exchange.reply)
        try:
            output = restplan.soap_output(self.compiled.calls[name], document, exchange.soap_input)
        except DeclaredFault as exc:
            return driver.write(exchange.incoming, fault=SoapFault(exc, _detail(method, exc)))
        return driver.write(exchange.incoming, output=from_plain(output, method.output_model, method.output_shape))

    def _application(self, version: str) -> Application:
        methods = {f"op_{index}": self._spyne_method(name) for index, name in enumerate(self.methods)}
        service = type(self.bindings.service, (ServiceBase,), methods)
        dispatch = {method.bound.input: f"{{{self.bindings.namespace}}}{name}" for name, method in self.methods.items()}
        protocol = _PROTOCOLS[version]
        app = Application(
            [service],
            tns=self.bindings.namespace,
            name=self.bindings.service,
            in_protocol=protocol(self.schema, dispatch),
            out_protocol=protocol(self.schema, dispatch),
        )
        unregister_application(app)  # Spyne keeps a process-wide registry; nothing here uses it
        return app

    def _spyne_method(self, name: str) -> Any:
        """The operation's signature for Spyne (input class → output class). Spyne never calls the function: the
        answer is made by :meth:`call` and :meth:`reply`, which need no thread of their own."""
        method = self.methods[name]
        options = {
            "_returns": method.output_model,
            "_body_style": "bare",
            "_operation_name": name,
            "_out_message_name": method.bound.output,  # "{namespace}name": the reply's Body entry
        }
        if method.input_model is None:

            def empty(ctx: Any) -> Any:
                raise NotImplementedError(name)

            return rpc(**options)(_named(empty, name))

        def call(ctx: Any, request: Any) -> Any:
            raise NotImplementedError(name)

        return rpc(method.input_model, **options)(_named(call, name))


def _named(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    function.__name__ = function.__qualname__ = name  # Spyne keys methods by their function's name
    return function


def _method(bound: BoundOperation, contract: Contract, types: TypeBuilder) -> _Method:
    operation = contract.operations[bound.name]
    namespace, _, element = bound.input[1:].partition("}")
    input_shape = operation.input_shape
    empty = not (input_shape.fields or input_shape.attributes or input_shape.value)
    out_namespace, _, out_element = bound.output[1:].partition("}")
    output_shape = operation.output_shape or Complex(id="#empty")
    faults = {}
    for name, field in operation.faults.items():
        if isinstance(field.shape, Complex):
            fault_ns = bound.faults.get(name, "")[1:].partition("}")[0]
            faults[name] = (types.element(name, fault_ns, field.shape), field.shape, fault_ns)
    return _Method(
        bound=bound,
        input_model=None if empty else types.element(element, namespace, input_shape),
        input_shape=input_shape,
        output_model=types.element(out_element, out_namespace, output_shape),
        output_shape=output_shape,
        faults=faults,
    )


def _detail(method: _Method, error: DeclaredFault) -> Detail | None:
    if error.fault is None or error.fault not in method.faults:
        return None
    model, shape, namespace = method.faults[error.fault]
    return Detail(model, from_plain(error.data or {}, model, shape), error.fault, namespace)

"""A served contract as Spyne applications: one per SOAP version, with one method per contract operation.

Nothing here is written per contract. The methods, their input and output classes and the fault detail classes are
made from the contract (:mod:`adapter.server.types`); each method turns its request into plain data, lets the
compiled mapping make the REST call and read its reply (:mod:`adapter.mapping.restplan`), and turns the result back
into the output class, or into a :class:`SoapFault`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from spyne import Application, ServiceBase, rpc
from spyne.server.wsgi import WsgiApplication
from spyne.util.appreg import unregister_application

from adapter.exceptions import AdapterError, DeclaredFault
from adapter.mapping import restplan
from adapter.mapping.restcompiler import CompiledService
from adapter.mapping.shapes import Complex
from adapter.rest.client import RestBackend
from adapter.server.protocol import Detail, ServedSoap11, ServedSoap12, SoapFault
from adapter.server.schema import ContractSchema
from adapter.server.types import Model, TypeBuilder, from_plain, to_plain
from adapter.soap.bindings import BoundOperation, ServiceBindings
from adapter.soap.contract import Contract

log = logging.getLogger("adapter.server")
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


class ServedService:
    """Answers a contract's operations through a REST backend; ``applications[version]`` is Spyne serving them
    (a WSGI app per SOAP version the contract binds)."""

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
        self.applications = {version: self._wsgi(version) for version in bindings.versions}

    def answer(self, name: str, request: Any) -> Any:
        """The output instance for one request instance of operation ``name``; raises :class:`SoapFault`."""
        method = self.methods[name]
        try:
            soap_input = to_plain(request, method.input_model, method.input_shape) if request is not None else {}
            call = self.compiled.calls[name]
            reply = self.backend.send(restplan.http_call(call, soap_input))
            output = restplan.soap_output(call, reply, soap_input)
            return from_plain(output, method.output_model, method.output_shape)
        except DeclaredFault as exc:
            raise SoapFault(exc, _detail(method, exc)) from None
        except AdapterError as exc:
            if exc.status >= 500:
                log.warning("%s: %s (%s)", name, exc.title, exc.detail)
            raise SoapFault(exc) from None
        except Exception:
            log.exception("%s: unexpected error", name)
            raise SoapFault(AdapterError("unexpected error")) from None

    def _answer(self, ctx: Any, name: str, request: Any) -> Any:
        try:
            return self.answer(name, request)
        except SoapFault as fault:
            # Answered by Spyne's error path all the same; raised, Spyne would log every business fault with a
            # traceback. Server-side failures are logged in answer().
            ctx.out_error = fault
            return None

    def _wsgi(self, version: str) -> WsgiApplication:
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
        return WsgiApplication(app, max_content_length=2**31)  # the endpoint has capped the size already

    def _spyne_method(self, name: str) -> Any:
        method = self.methods[name]
        options = {
            "_returns": method.output_model,
            "_body_style": "bare",
            "_operation_name": name,
            "_out_message_name": method.bound.output,  # "{namespace}name": the reply's Body entry
        }
        if method.input_model is None:

            def empty(ctx: Any) -> Any:
                return self._answer(ctx, name, None)

            return rpc(**options)(_named(empty, name))

        def call(ctx: Any, request: Any) -> Any:
            return self._answer(ctx, name, request)

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
    output_shape = operation.output_shape or Complex()
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

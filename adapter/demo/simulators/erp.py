"""An SAP-flavoured ERP publishing sales orders over SOAP: ``wsdl/erp/sales_orders.wsdl``.

:func:`create_app` returns one WSGI app that answers SOAP 1.2 (``application/soap+xml``) and
SOAP 1.1 (``text/xml``) on any path, and serves the hand-written contract on ``GET ?wsdl``. Its
data lives in an :class:`ErpState`, seeded with three customers, three materials and four orders.

It behaves like an RFC function module behind SOAMANAGER: business errors are rows of the RETURN
table (:class:`Message`, ``TYPE`` "E"), never SOAP faults; a fault means the request broke the
contract. Numbers are matched in SAP's internal format only (``0000100042``, not ``100042``).
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from spyne import Application, Fault, ServiceBase
from spyne.interface import InterfaceDocumentsBase
from spyne.interface.wsdl import Wsdl11
from spyne.protocol.soap import Soap11, Soap12
from spyne.server.wsgi import WsgiApplication

from adapter.demo import files
from adapter.demo.simulators import erp_models as m
from adapter.demo.simulators._spyne import bare_operation, is_wsdl_request, serve_contract

__all__ = [
    "CONTRACT",
    "Customer",
    "ErpState",
    "Material",
    "Message",
    "MessageKind",
    "Order",
    "OrderItem",
    "create_app",
]

CONTRACT = files.contract("erp/sales_orders.wsdl")
"""The contract this simulator implements, served on ``GET ?wsdl``."""

CONTRACT_ADDRESS = "http://localhost:8002/sap/bc/srt/rfc/sap/zsalesorder"
DEFAULT_ORDER_TYPE = "TA"  # SAP's standard order ("Terminauftrag")
FIRST_ORDER = 4711
_CENT = Decimal("0.01")
_MILLI = Decimal("0.001")
_MAX_AMOUNT = Decimal("9999999999999.99")  # curr15.2


@dataclass(frozen=True)
class Customer:
    """Customer master data (KNA1): KUNNR, NAME1, ORT01, PSTLZ, LAND1, WAERS."""

    number: str
    name: str
    city: str
    postcode: str
    country: str
    currency: str


@dataclass(frozen=True)
class Material:
    """A material with its net price per sales unit: MATNR, ARKTX, NETPR, VRKME."""

    number: str
    description: str
    price: Decimal
    unit: str


@dataclass(frozen=True)
class OrderItem:
    """A sales order item (VBAP); ``net_value`` is quantity x price, rounded half up to cents."""

    position: str
    material: Material
    quantity: Decimal

    @property
    def net_value(self) -> Decimal:
        return (self.quantity * self.material.price).quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass
class Order:
    """A sales order (VBAK) with its items; ``status`` is one of ``erp_models.STATUS_VALUES``."""

    number: str
    customer: str
    order_type: str
    date: date
    currency: str
    status: str
    items: tuple[OrderItem, ...]

    @property
    def net_value(self) -> Decimal:
        return sum((item.net_value for item in self.items), Decimal("0.00"))


@dataclass(frozen=True)
class Message:
    """One row of a RETURN table (BAPIRET2)."""

    type: str
    id: str
    number: str
    text: str


class MessageKind(Enum):
    """Every RETURN row the simulator writes: TYPE, ID (message class), NUMBER and text.

    302, 303 and 305 mean "does not exist"; 40x "the request content is not acceptable"; 42x
    "the document's status does not allow this". The contract's documentation has the same table.
    """

    ORDER_NOT_FOUND = ("E", "V1", "302", "Sales document {} does not exist")
    CUSTOMER_NOT_FOUND = ("E", "V1", "303", "Customer {} does not exist")
    MATERIAL_NOT_FOUND = ("E", "M3", "305", "Material {} does not exist")
    NO_ITEMS = ("E", "V1", "401", "Sales order contains no items")
    QUANTITY_NOT_POSITIVE = ("E", "V1", "402", "Item {}: order quantity must be greater than zero")
    CURRENCY_NOT_ALLOWED = ("E", "V1", "403", "Currency {} is not allowed for customer {}")
    AMOUNT_TOO_LARGE = ("E", "V1", "404", "Net value of the sales order exceeds {}")
    ALREADY_CANCELLED = ("E", "V1", "421", "Sales document {} is already cancelled")
    ORDER_COMPLETED = ("E", "V1", "422", "Sales document {} is completed and cannot be cancelled")
    CREATED = ("S", "V1", "311", "Sales order {} created")
    CANCELLED = ("S", "V1", "312", "Sales order {} cancelled")

    def __call__(self, *args: object) -> Message:
        type_, id_, number, text = self.value
        return Message(type_, id_, number, text.format(*args))


CUSTOMERS = (
    Customer("0000100042", "Müller Maschinenbau GmbH", "Stuttgart", "70173", "DE", "EUR"),
    Customer("0000100043", "Schneider Hydraulik AG", "München", "80331", "DE", "EUR"),
    Customer("0000100044", "Becker Fördertechnik KG", "Hamburg", "20095", "DE", "EUR"),
)
MATERIALS = (
    Material("MAT-1001", "Hydraulic pump HX-200", Decimal("1249.90"), "ST"),
    Material("MAT-1002", "Pressure relief valve DV-50", Decimal("89.50"), "ST"),
    Material("MAT-1003", "Hydraulic oil HLP 46", Decimal("4.35"), "L"),
)
# (VBELN, KUNNR, AUDAT, STATUS, [(MATNR, KWMENG)]): 0000100042 has one order, 0000100043 three
# (open, in process, completed), 0000100044 none.
_SEED_ORDERS = (
    ("0000004711", "0000100042", date(2025, 1, 15), "A", [("MAT-1001", "2"), ("MAT-1002", "4")]),
    ("0000004712", "0000100043", date(2025, 2, 3), "A", [("MAT-1003", "200")]),
    ("0000004713", "0000100043", date(2025, 2, 10), "B", [("MAT-1002", "10")]),
    ("0000004714", "0000100043", date(2024, 11, 20), "C", [("MAT-1001", "1"), ("MAT-1003", "12.5")]),
)


def _position(index: int) -> str:
    return f"{10 * index:06d}"  # POSNR 000010, 000020, ...


def _items(materials: dict[str, Material], lines: Iterable[tuple[str, Decimal]]) -> tuple[OrderItem, ...]:
    # quantum13.3: SAP always writes the three decimals, 2 is "2.000".
    return tuple(
        OrderItem(_position(index), materials[matnr], quantity.quantize(_MILLI))
        for index, (matnr, quantity) in enumerate(lines, start=1)
    )


def _seed_orders() -> dict[str, Order]:
    materials = {material.number: material for material in MATERIALS}
    orders = {}
    for vbeln, kunnr, audat, status, lines in _SEED_ORDERS:
        items = _items(materials, [(matnr, Decimal(qty)) for matnr, qty in lines])
        orders[vbeln] = Order(vbeln, kunnr, DEFAULT_ORDER_TYPE, audat, "EUR", status, items)
    return orders


@dataclass
class ErpState:
    """The simulated ERP's data and business rules, safe to share between request threads.

    Methods return copies of orders, never the stored ones, and business errors as
    :class:`Message` rows.
    """

    customers: dict[str, Customer] = field(default_factory=lambda: {c.number: c for c in CUSTOMERS})
    materials: dict[str, Material] = field(default_factory=lambda: {x.number: x for x in MATERIALS})
    orders: dict[str, Order] = field(default_factory=_seed_orders)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def create_order(
        self,
        customer: str,
        order_type: str | None,
        currency: str | None,
        lines: list[tuple[str, Decimal]],
    ) -> tuple[Order | None, list[Message]]:
        """Create an open order dated today from (MATNR, KWMENG) lines; nothing on any E row."""
        with self._lock:
            errors = self._check_order(customer, currency, lines)
            if errors:
                return None, errors
            number = f"{max((int(n) for n in self.orders), default=FIRST_ORDER - 1) + 1:010d}"
            order = Order(
                number,
                customer,
                order_type or DEFAULT_ORDER_TYPE,  # an empty AUART takes the XSD default too
                date.today(),
                currency or self.customers[customer].currency,
                "A",
                _items(self.materials, lines),
            )
            if order.net_value > _MAX_AMOUNT:
                return None, [MessageKind.AMOUNT_TOO_LARGE(_MAX_AMOUNT)]
            self.orders[number] = order
            return replace(order), [MessageKind.CREATED(number)]

    def _check_order(self, customer: str, currency: str | None, lines: list[tuple[str, Decimal]]) -> list[Message]:
        # Like a BAPI, report every problem at once rather than the first one.
        errors = []
        known = self.customers.get(customer)
        if known is None:
            errors.append(MessageKind.CUSTOMER_NOT_FOUND(customer))
        elif currency and currency != known.currency:
            errors.append(MessageKind.CURRENCY_NOT_ALLOWED(currency, customer))
        if not lines:
            errors.append(MessageKind.NO_ITEMS())
        for index, (matnr, quantity) in enumerate(lines, start=1):
            if matnr not in self.materials:
                errors.append(MessageKind.MATERIAL_NOT_FOUND(matnr))
            if quantity <= 0:
                errors.append(MessageKind.QUANTITY_NOT_POSITIVE(_position(index)))
        return errors

    def get_order(self, number: str) -> tuple[Order | None, list[Message]]:
        """The order with document number ``number`` (internal format), or an E row."""
        with self._lock:
            order = self.orders.get(number)
            if order is None:
                return None, [MessageKind.ORDER_NOT_FOUND(number)]
            return replace(order), []

    def list_orders(self, customer: str, status: str | None = None) -> tuple[list[Order], list[Message]]:
        """A customer's orders by document number, only those in ``status`` if given."""
        with self._lock:
            if customer not in self.customers:
                return [], [MessageKind.CUSTOMER_NOT_FOUND(customer)]
            found = [o for o in self.orders.values() if o.customer == customer and status in (None, o.status)]
            return [replace(order) for order in sorted(found, key=lambda o: o.number)], []

    def cancel_order(self, number: str) -> list[Message]:
        """Set an open or in-process order's status to X (cancelled)."""
        with self._lock:
            order = self.orders.get(number)
            if order is None:
                return [MessageKind.ORDER_NOT_FOUND(number)]
            if order.status == "X":
                return [MessageKind.ALREADY_CANCELLED(number)]
            if order.status == "C":
                return [MessageKind.ORDER_COMPLETED(number)]
            order.status = "X"
            return [MessageKind.CANCELLED(number)]

    def get_customer(self, number: str) -> tuple[Customer | None, list[Message]]:
        """The customer with number ``number`` (internal format), or an E row."""
        customer = self.customers.get(number)
        return customer, [] if customer else [MessageKind.CUSTOMER_NOT_FOUND(number)]


# --- Spyne: from the state to the contract's types ---------------------------------------------


def _return(messages: list[Message]) -> Any:
    rows = [m.BAPIRET2(TYPE=x.type, ID=x.id, NUMBER=x.number, MESSAGE=x.text) for x in messages]
    return m.TABLE_OF_BAPIRET2(item=rows)


def _header(order: Order) -> Any:
    return m.ORDER_HEADER(
        VBELN=order.number,
        KUNNR=order.customer,
        AUART=order.order_type,
        AUDAT=order.date,
        WAERK=order.currency,
        NETWR=order.net_value,
        STATUS=order.status,
    )


def _item(item: OrderItem) -> Any:
    return m.ORDER_ITEM(
        POSNR=item.position,
        MATNR=item.material.number,
        ARKTX=item.material.description,
        KWMENG=item.quantity,
        VRKME=item.material.unit,
        NETPR=item.material.price,
        NETWR=item.net_value,
    )


def _customer(customer: Customer) -> Any:
    return m.CUSTOMER(
        KUNNR=customer.number,
        NAME1=customer.name,
        ORT01=customer.city,
        PSTLZ=customer.postcode,
        LAND1=customer.country,
        WAERS=customer.currency,
    )


_rfc = bare_operation


def _service(state: ErpState) -> type[ServiceBase]:
    class ZSalesOrder(ServiceBase):
        @_rfc("Z_SALESORDER_CREATE", m.Z_SALESORDER_CREATE, m.Z_SALESORDER_CREATEResponse)
        def create(ctx: Any, request: Any) -> Any:
            header, table = request.ORDER_HEADER_IN, request.ORDER_ITEMS_IN
            lines = [(row.MATNR, row.KWMENG) for row in table.item or []]
            order, messages = state.create_order(header.KUNNR, header.AUART, header.WAERK, lines)
            vbeln = order.number if order else None
            return m.Z_SALESORDER_CREATEResponse(VBELN=vbeln, RETURN=_return(messages))

        @_rfc("Z_SALESORDER_GET", m.Z_SALESORDER_GET, m.Z_SALESORDER_GETResponse)
        def get(ctx: Any, request: Any) -> Any:
            order, messages = state.get_order(request.VBELN)
            items = [_item(item) for item in order.items] if order else []
            return m.Z_SALESORDER_GETResponse(
                ORDER_HEADER=_header(order) if order else None,
                ORDER_ITEMS=m.TABLE_OF_ORDER_ITEM(item=items),
                RETURN=_return(messages),
            )

        @_rfc("Z_SALESORDER_LIST", m.Z_SALESORDER_LIST, m.Z_SALESORDER_LISTResponse)
        def list(ctx: Any, request: Any) -> Any:
            orders, messages = state.list_orders(request.KUNNR, request.STATUS)
            headers = m.TABLE_OF_ORDER_HEADER(item=[_header(order) for order in orders])
            return m.Z_SALESORDER_LISTResponse(ORDERS=headers, RETURN=_return(messages))

        @_rfc("Z_SALESORDER_CANCEL", m.Z_SALESORDER_CANCEL, m.Z_SALESORDER_CANCELResponse)
        def cancel(ctx: Any, request: Any) -> Any:
            messages = state.cancel_order(request.VBELN)
            return m.Z_SALESORDER_CANCELResponse(RETURN=_return(messages))

        @_rfc("Z_CUSTOMER_GET", m.Z_CUSTOMER_GET, m.Z_CUSTOMER_GETResponse)
        def customer(ctx: Any, request: Any) -> Any:
            found, messages = state.get_customer(request.KUNNR)
            customer = _customer(found) if found else None
            return m.Z_CUSTOMER_GETResponse(CUSTOMER=customer, RETURN=_return(messages))

    return ZSalesOrder


# --- Spyne: protocols and the WSGI app ---------------------------------------------------------

_LXML_ERROR_PREFIX = re.compile(r"^.*?:\d+:\d+:ERROR:\w+:\w+: ")


class _RfcSoap:
    """What SAP's SOAP runtime does and Spyne 2.14 does not, for both SOAP versions.

    - Local elements unqualified (``elementFormDefault="unqualified"``): Spyne has no per-element
      form and qualifies every element with its type's namespace; here only body entries keep it.
    - Schema-validation faults as plain Client faults with a readable text: Spyne hands its
      builders a bytes faultstring, which Soap12's cannot take at all and Soap11's parses as HTML.
    """

    ns_soap_env: str

    def to_parent(self, ctx: Any, cls: Any, inst: Any, parent: Any, ns: Any, *args: Any, **kwargs: Any) -> Any:
        # Spyne writes every element through here with its parent; a streaming writer has no tag.
        tag = getattr(parent, "tag", None)
        if tag is not None and tag != f"{{{self.ns_soap_env}}}Body":
            ns = ""  # lxml writes "{}NAME" as NAME, in no namespace
        return super().to_parent(ctx, cls, inst, parent, ns, *args, **kwargs)  # type: ignore[misc]

    def schema_validation_error_to_parent(self, ctx: Any, cls: Any, inst: Any, parent: Any, ns: Any, **_: Any) -> Any:
        text = inst.faultstring
        text = text.decode() if isinstance(text, bytes) else str(text)
        fault = Fault("Client.SchemaValidationError", _LXML_ERROR_PREFIX.sub("", html.unescape(text)))
        return self.fault_to_parent(ctx, Fault, fault, parent, ns)  # type: ignore[attr-defined]


class _Soap11(_RfcSoap, Soap11):
    pass


class _Soap12(_RfcSoap, Soap12):
    def fault_to_http_response_code(self, fault: Any) -> str:
        # SOAP 1.2 part 2 §7.5.2.2: a Sender fault is 400 Bad Request; Spyne answers 500 to all.
        if str(fault.faultcode).startswith("Client"):
            return "400 Bad Request"
        return "500 Internal Server Error"


class _UnqualifiedDocuments(InterfaceDocumentsBase):
    """The schema Spyne validates requests with: local elements unqualified, as in the contract."""

    def __init__(self, interface: Any) -> None:
        super().__init__(interface, wsdl11=Wsdl11(interface, element_form_default="unqualified"))


def _wsgi(service: type[ServiceBase], protocol: type[_RfcSoap]) -> WSGIApplication:
    app = Application(
        [service],
        tns=m.TNS,
        name="ZSalesOrderService",
        in_protocol=protocol(validator="lxml"),  # type: ignore[call-arg]
        out_protocol=protocol(),
        documents_container=_UnqualifiedDocuments,
    )
    return WsgiApplication(app)  # type: ignore[no-any-return]


def create_app(*, state: ErpState | None = None) -> WSGIApplication:
    """The ERP simulator as one WSGI app: SOAP 1.2 or 1.1 by Content-Type, the contract on ?wsdl.

    ``state`` defaults to a fresh, seeded :class:`ErpState`; pass one to inspect or change data.
    """
    service = _service(state if state is not None else ErpState())
    soap12, soap11 = _wsgi(service, _Soap12), _wsgi(service, _Soap11)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if is_wsdl_request(environ):
            return serve_contract(CONTRACT, CONTRACT_ADDRESS, environ, start_response)
        # SOAP 1.2 part 2 §7.1.4 names application/soap+xml; the rest is SOAP 1.1's (text/xml).
        media_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        target = soap12 if media_type == "application/soap+xml" else soap11
        return target(environ, start_response)

    return app

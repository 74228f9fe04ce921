"""Spyne types of the ERP sales order contract, ``wsdl/erp/sales_orders.wsdl``.

One class per contract type, with the contract's names and member order, so that what Spyne reads
and writes is that contract element for element. The request and response wrappers, anonymous in
the contract, are named after their elements: Spyne needs a type name; it never reaches the wire.

Every member is mandatory and not nillable unless wrapped in :func:`optional`, as in the contract
(Spyne's own defaults are ``minOccurs="0" nillable="true"``). Element form is not decided here:
Spyne qualifies every element with its type's namespace, and ``adapter.demo.simulators.erp`` makes local
elements unqualified as it writes them.
"""

from __future__ import annotations

from typing import Any

from spyne import ComplexModel, Date, Decimal, Unicode

TNS = "urn:sap-com:document:sap:rfc:functions"

STATUS_VALUES = ("A", "B", "C", "X")
"""ORDER_STATUS: A open, B in process, C completed, X cancelled."""

_MANDATORY: dict[str, Any] = {"__namespace__": TNS, "min_occurs": 1, "nillable": False}


def optional(spyne_type: Any) -> Any:
    """``spyne_type`` as an optional member (``minOccurs="0"``)."""
    return spyne_type.customize(min_occurs=0)


def _char(length: int) -> Any:
    return Unicode(max_len=length, type_name=f"char{length}", **_MANDATORY)


def _numeric(length: int) -> Any:
    # SAP NUMC: digits only, leading zeros kept, so a string and not an integer.
    return Unicode(pattern=rf"\d{{1,{length}}}", type_name=f"numeric{length}", **_MANDATORY)


char1 = _char(1)
char3 = _char(3)
char4 = _char(4)
char10 = _char(10)
char18 = _char(18)
char20 = _char(20)
char35 = _char(35)
char40 = _char(40)
char220 = _char(220)
cuky5 = Unicode(max_len=5, type_name="cuky5", **_MANDATORY)
unit3 = Unicode(max_len=3, type_name="unit3", **_MANDATORY)
numeric3 = _numeric(3)
numeric6 = _numeric(6)
quantum13_3 = Decimal(total_digits=13, fraction_digits=3, type_name="quantum13.3", **_MANDATORY)
curr15_2 = Decimal(total_digits=15, fraction_digits=2, type_name="curr15.2", **_MANDATORY)
date10 = Date(type_name="date10", **_MANDATORY)
ORDER_STATUS = Unicode(max_len=1, values=STATUS_VALUES, type_name="ORDER_STATUS", **_MANDATORY)


class _Structure(ComplexModel):
    """A contract structure: in the contract's namespace, mandatory and not nillable where used."""

    __namespace__ = TNS

    class Attributes(ComplexModel.Attributes):
        min_occurs = 1
        nillable = False


def _table(row: Any) -> Any:
    """The ``item`` member of an SAP table type: ``minOccurs="0" maxOccurs="unbounded"``."""
    return row.customize(min_occurs=0, max_occurs="unbounded")


class BAPIRET2(_Structure):
    TYPE = char1
    ID = char20
    NUMBER = numeric3
    MESSAGE = char220


class TABLE_OF_BAPIRET2(_Structure):
    item = _table(BAPIRET2)


class ORDER_HEADER_IN(_Structure):
    KUNNR = char10
    AUART = optional(char4).customize(default="TA")
    WAERK = optional(cuky5)


class ORDER_ITEM_IN(_Structure):
    MATNR = char18
    KWMENG = quantum13_3


class TABLE_OF_ORDER_ITEM_IN(_Structure):
    item = _table(ORDER_ITEM_IN)


class ORDER_HEADER(_Structure):
    VBELN = char10
    KUNNR = char10
    AUART = char4
    AUDAT = date10
    WAERK = cuky5
    NETWR = curr15_2
    STATUS = ORDER_STATUS


class TABLE_OF_ORDER_HEADER(_Structure):
    item = _table(ORDER_HEADER)


class ORDER_ITEM(_Structure):
    POSNR = numeric6
    MATNR = char18
    ARKTX = char40
    KWMENG = quantum13_3
    VRKME = unit3
    NETPR = curr15_2
    NETWR = curr15_2


class TABLE_OF_ORDER_ITEM(_Structure):
    item = _table(ORDER_ITEM)


class CUSTOMER(_Structure):
    KUNNR = char10
    NAME1 = char35
    ORT01 = char35
    PSTLZ = char10
    LAND1 = char3
    WAERS = cuky5


class Z_SALESORDER_CREATE(_Structure):
    ORDER_HEADER_IN = ORDER_HEADER_IN
    ORDER_ITEMS_IN = TABLE_OF_ORDER_ITEM_IN


class Z_SALESORDER_CREATEResponse(_Structure):
    VBELN = optional(char10)
    RETURN = TABLE_OF_BAPIRET2


class Z_SALESORDER_GET(_Structure):
    VBELN = char10


class Z_SALESORDER_GETResponse(_Structure):
    ORDER_HEADER = optional(ORDER_HEADER)
    ORDER_ITEMS = TABLE_OF_ORDER_ITEM
    RETURN = TABLE_OF_BAPIRET2


class Z_SALESORDER_LIST(_Structure):
    KUNNR = char10
    STATUS = optional(ORDER_STATUS)


class Z_SALESORDER_LISTResponse(_Structure):
    ORDERS = TABLE_OF_ORDER_HEADER
    RETURN = TABLE_OF_BAPIRET2


class Z_SALESORDER_CANCEL(_Structure):
    VBELN = char10


class Z_SALESORDER_CANCELResponse(_Structure):
    RETURN = TABLE_OF_BAPIRET2


class Z_CUSTOMER_GET(_Structure):
    KUNNR = char10


class Z_CUSTOMER_GETResponse(_Structure):
    CUSTOMER = optional(CUSTOMER)
    RETURN = TABLE_OF_BAPIRET2

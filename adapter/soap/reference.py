"""zeep as the reference the adapter's own envelopes are compared with (the differential test): plain data in, the
envelope zeep builds out. The one module that reads zeep internals (``Binding._create``, zeep 4.3, pinned in
``pyproject.toml``); nothing on the serving path uses it.
"""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal
from pathlib import Path
from typing import Any

import zeep
from lxml import etree

from adapter.contract.port import HEADER_KEY, MessageShape
from adapter.contract.xsd import TYPE_KEY, VALUE_KEY, ComplexType, XsdType
from adapter.soap.transport import OfflineTransport, zeep_settings


class ZeepReference:
    """One contract loaded by zeep, offline behind the same fence as the adapter's own intake."""

    def __init__(self, path: Path) -> None:
        transport: Any = OfflineTransport(path.parent)
        self.client = zeep.Client(str(path), transport=transport, settings=zeep_settings())

    def envelope(
        self, service: str, port: str, operation: str, payload: dict[str, Any], message: MessageShape
    ) -> bytes:
        """The request envelope zeep builds for ``payload`` (the adapter's plain data of ``message``)."""
        binding = self.client.wsdl.services[service].ports[port].binding
        kwargs = {name: self.value(value, _member(message.shape, name)) for name, value in payload.items()}
        headers = kwargs.pop(HEADER_KEY, None)
        if headers is not None:  # zeep keys header values by part name, the adapter by header block name
            parts = {header.name: header.part.name for header in message.message.headers}
            kwargs["_soapheaders"] = {parts.get(name, name): value for name, value in headers.items()}
        envelope, _ = binding._create(operation, (), kwargs, client=self.client)
        return bytes(etree.tostring(envelope, encoding="utf-8"))

    def value(self, value: Any, shape: XsdType | None) -> Any:
        """Plain data → what zeep renders the same: simple content under ``_value_1``, decimals in plain notation,
        a derived type (``_type``) as an instance of zeep's type."""
        if isinstance(value, list):
            return [self.value(item, shape) for item in value]
        if isinstance(value, Decimal):
            return format(value, "f")
        if not isinstance(value, dict):
            return value
        chosen = shape.variants.get(value[TYPE_KEY]) if isinstance(shape, ComplexType) and TYPE_KEY in value else None
        fields = {
            ("_value_1" if k == VALUE_KEY else k): self.value(v, _member(chosen or shape, k))
            for k, v in value.items()
            if k != TYPE_KEY
        }
        if chosen is not None and chosen.name:
            return self.client.get_type(chosen.name)(**fields)
        return fields


def _member(shape: XsdType | None, name: str) -> XsdType | None:
    if not isinstance(shape, ComplexType):
        return None
    found = shape.fields.get(name)
    return found.shape if found is not None else None


def base64_bytes(text: str) -> bytes | str:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text

"""What both Spyne simulators need: bare-style operations and their hand-written contract on ``?wsdl``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment
from wsgiref.util import request_uri

from spyne import rpc


def bare_operation(name: str, request: Any, response: Any) -> Any:
    """An ``@rpc`` whose request and response classes are the Body entries themselves, named ``<name>`` and
    ``<name>Response``: Spyne's wrapped style would add an ``<Op>Result`` level no contract here has. Spyne routes
    on the entry's QName, not on the SOAPAction."""
    return rpc(
        request, _returns=response, _body_style="bare", _operation_name=name, _out_message_name=f"{name}Response"
    )


def is_wsdl_request(environ: WSGIEnvironment) -> bool:
    return environ.get("REQUEST_METHOD") == "GET" and environ.get("QUERY_STRING", "").lower() == "wsdl"


def serve_contract(
    contract: Path, published: str, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """The hand-written contract with its published address replaced by where this server answers, as real
    systems (SAP among them) describe themselves."""
    here = request_uri(environ, include_query=False)
    data = contract.read_text(encoding="utf-8").replace(published, here).encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]

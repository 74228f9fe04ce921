"""The cold path: read the documents, build the schemas, assemble the model. Imports xmlschema."""

from __future__ import annotations

from pathlib import Path

from xmlschema.exceptions import XMLSchemaException

from adapter.contract.wsdl import Definitions
from adapter.exceptions import ContractError
from adapter.intake.assemble import assemble
from adapter.intake.documents import Documents
from adapter.intake.policy import username_token
from adapter.intake.schema import build_schemas
from adapter.intake.wsdl import read_definitions


def build(path: Path) -> tuple[Definitions, dict[Path, bytes]]:
    """The model of the contract at ``path`` and the files read; :class:`ContractError` names the main file first."""
    documents = Documents(path)
    name = path.name
    try:
        raw = read_definitions(documents)
        maps = build_schemas(documents, raw.schemas)
        definitions = assemble(name, raw, maps)
        _policies(definitions, documents)
    except ContractError as exc:
        raise ContractError(exc.detail if exc.detail.startswith(name) else f"{name}: {exc.detail}") from None
    except (XMLSchemaException, SyntaxError, ValueError) as exc:
        raise ContractError(f"{name}: its schemas cannot be read: {str(exc).splitlines()[0]}") from None
    require_operations(definitions)
    return definitions, documents.files


def _policies(definitions: Definitions, documents: Documents) -> None:
    """What each binding's WS-SecurityPolicy asks for (:mod:`adapter.intake.policy`), kept in the model."""
    texts = list(documents.files.values())
    for binding in definitions.bindings.values():
        token = username_token(texts, documents.parse_or_none, binding.name)
        if token is not None:
            binding.username_token, binding.password_digest = True, token.digest


def require_operations(definitions: Definitions) -> None:
    """A contract that loads with nothing to call is an error, not a success."""
    if any(port.operations for port in definitions.soap_ports):
        return
    name = definitions.name
    if not definitions.ports:
        declared = bool(definitions.port_types)
        what = "binds its portTypes to no wsdl:service port" if declared else "declares no wsdl:service"
        raise ContractError(f"{name} {what}: there is nothing to call")
    if not definitions.soap_ports:
        kinds = ", ".join(sorted({p.kind for p in definitions.ports}))
        raise ContractError(f"{name} has no SOAP port (only {kinds}); the adapter calls SOAP services")
    detail = (
        "; ".join(dict.fromkeys(definitions.notes)) or "the bindings name operations their portTypes do not declare"
    )
    raise ContractError(f"{name}: its SOAP ports have no operations ({detail})")

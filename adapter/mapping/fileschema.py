"""The JSON Schema of mapping files, both kinds: a JSON facade's (:mod:`.model`) and a served contract's
(:mod:`.southbound`). ``adapter schema`` prints it; it is committed as ``docs/mapping.schema.json`` for editors."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from adapter.mapping.model import MappingFile
from adapter.mapping.southbound import ServedMappingFile


def json_schema() -> dict[str, Any]:
    """The JSON Schema of mapping files (draft 2020-12): a JSON facade's (``routes``) or a served contract's
    (``endpoint``, ``operations``; :mod:`adapter.mapping.southbound`)."""
    schema = TypeAdapter(MappingFile | ServedMappingFile).json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "SOAP adapter mapping file"
    schema["description"] = "A JSON facade over a SOAP contract (routes), or a SOAP contract served over REST."
    return schema

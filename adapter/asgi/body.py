"""HTTP helpers shared by the JSON facade and the served SOAP contracts (both Starlette)."""

from __future__ import annotations

from starlette.requests import Request

from adapter.exceptions import PayloadTooLarge


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with :class:`PayloadTooLarge` (413) past ``limit`` bytes: at once when the
    Content-Length says so, otherwise while it streams, so a body without a length is never read whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the request exceeds {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)

"""ASGI plumbing shared by the JSON facade (:mod:`adapter.api`) and the served SOAP contracts (:mod:`adapter.server`):
the capped body reader, request ids and the access log. Pure ASGI callables on Starlette's types."""

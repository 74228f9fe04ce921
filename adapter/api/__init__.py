"""The JSON facade: everything that imports FastAPI/Starlette on the JSON side (routes, authentication, problem+json,
OpenAPI). :func:`adapter.app.create_app` puts it together with the served SOAP contracts."""

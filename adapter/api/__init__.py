"""The JSON facade: everything that imports FastAPI/Starlette."""

from adapter.api.app import create_app

__all__ = ["create_app"]

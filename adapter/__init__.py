"""A JSON/REST facade over legacy SOAP contracts, and SOAP contracts served over modern REST backends."""

__version__ = "0.1.0"

__all__ = ["__version__"]

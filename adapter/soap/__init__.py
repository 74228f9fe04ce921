"""Outbound SOAP: everything that imports zeep (contracts, shapes, envelopes, calls, WS-Security)."""

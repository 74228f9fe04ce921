"""Outbound REST for served contracts: everything that calls a JSON backend over HTTP (httpx)."""

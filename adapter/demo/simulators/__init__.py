"""Legacy systems to talk to: Spyne services that implement the contracts in ``wsdl/`` with in-memory state.

Used by ``adapter demo``, the tests and the benchmarks.
"""

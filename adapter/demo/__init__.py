"""The demo: legacy SOAP simulators, and ``adapter demo``, which runs them with the adapter wired to them.

Nothing in the product imports this package (``.importlinter``): only :mod:`adapter.cli` (for ``adapter demo``), the
tests and the benchmarks do. Its contracts and mappings are the repository's ``wsdl/`` and ``mappings/``, shipped in
the wheel as package data (:mod:`adapter.demo.files`).
"""

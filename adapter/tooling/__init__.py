"""Integrator tooling behind the CLI: inspect, scaffold, try, golden examples and reloading.

Everything here works offline on a laptop: contracts come from :mod:`adapter.soap`, mappings from
:mod:`adapter.mapping` and :mod:`adapter.project`; nothing calls a backend.
"""

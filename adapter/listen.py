"""Listening ports, tried before anything starts: a port in use is one line naming the option to change, not a
banner followed by a traceback (uvicorn binds only after it has logged its start and run the app's start-up)."""

from __future__ import annotations

import errno
import socket

from adapter.exceptions import ConfigError


def ensure_free(host: str, port: int, *, what: str = "the adapter", option: str = "--port or ADAPTER_PORT") -> None:
    """Raise :class:`ConfigError` (one line) unless ``host:port`` can be listened on now."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise ConfigError(f"{host} is not an address to listen on ({what}); set another host") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no obstacle
        try:
            probe.bind(address)
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host}:{port} for {what}: {_reason(exc)}; {_advice(exc, option)}"
            ) from None


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return "the port is in use"
    if exc.errno == errno.EACCES:
        return "the port needs privileges"
    if exc.errno == errno.EADDRNOTAVAIL:
        return "the address is not one of this machine"
    return exc.strerror or type(exc).__name__


def _advice(exc: OSError, option: str) -> str:
    if exc.errno == errno.EADDRNOTAVAIL:
        return "choose another host"
    return f"stop what holds it or choose another ({option})"

"""Structured logs: one JSON object a line, on stderr, for operators' log pipelines.

Nothing secret is ever put in a record: no headers (API keys, tokens), no bodies, no passwords; route parameters that
a mapping marks ``sensitive`` (account numbers, names) are masked.

Every record logged while a request is served carries that request's ``requestId`` (and ``traceId`` when tracing
knows one), whichever logger wrote it, the backend call's included: the ASGI layer :func:`bind`s them in a context
variable and :func:`install` makes every new record read it.
"""

from __future__ import annotations

import atexit
import contextvars
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from adapter.deferred import EndOfTurn

# The process id of every direct line: read once, and again in a forked child (a system call a line otherwise).
_PID = [os.getpid()]
os.register_at_fork(after_in_child=lambda: _PID.__setitem__(0, os.getpid()))
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


@dataclass(frozen=True)
class RequestContext:
    """What identifies the request being served, for every log record written on its behalf."""

    request_id: str
    trace_id: str | None = None


_CURRENT: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("adapter_request", default=None)


def bind(context: RequestContext) -> contextvars.Token[RequestContext | None]:
    """Make ``context`` the current request's, until :func:`unbind` with the returned token."""
    return _CURRENT.set(context)


def unbind(token: contextvars.Token[RequestContext | None]) -> None:
    _CURRENT.reset(token)


def current() -> RequestContext | None:
    """The request being served in this task (or thread it handed work to), if any."""
    return _CURRENT.get()


def install() -> None:
    """Make every new log record carry the current request's ids (idempotent; a process-wide record factory, as
    logging itself is process-wide)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "adapter_context", False):
        return

    def with_request(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        context = _CURRENT.get()
        if context is not None:
            record.requestId = context.request_id
            if context.trace_id is not None:
                record.traceId = context.trace_id
        return record

    marked: Callable[..., logging.LogRecord] = with_request
    marked.adapter_context = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(marked)


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "pid", "message", ...extra}``; exceptions as a single ``exception`` string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,  # which worker, with `adapter serve --workers N`
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure(level: str = "info") -> None:
    """Send the adapter's logs to stderr as JSON lines (idempotent)."""
    install()
    root = logging.getLogger("adapter")
    root.setLevel(level.upper())
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = JsonLinesHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.propagate = False
        atexit.register(handler.drain)  # a line :func:`info` queued in the loop's last iteration


_Entry = tuple[str, str, dict[str, Any], RequestContext | None, float]


class JsonLinesHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`configure` installs: a ``StreamHandler`` that also takes the lines :func:`info` makes
    without a ``LogRecord``. Inside an event loop those are made and written together when the loop's current turn
    ends (:mod:`adapter.deferred`): one write for every request finished in that turn. A record logged the usual way
    (a warning) first writes the lines gathered so far, so the order of lines is the order of the calls."""

    def __init__(self, stream: Any = None) -> None:
        super().__init__(stream)
        self._lines: EndOfTurn[_Entry] = EndOfTurn(self.write)

    def queue(self, name: str, message: str, fields: dict[str, Any]) -> None:
        self._lines.add((name, message, fields, _CURRENT.get(), time.time()))

    def drain(self) -> None:
        """Write this thread's gathered lines now."""
        self._lines.run()

    def write(self, entries: list[_Entry]) -> None:
        text = "".join(_line(*entry) + self.terminator for entry in entries)
        self.acquire()
        try:
            self.stream.write(text)  # as StreamHandler.emit does, then its flush
            self.flush()
        except Exception:  # as StreamHandler.emit: report on stderr, never fail the request
            name, message, fields = entries[0][:3]
            record = logging.makeLogRecord({"name": name, "msg": message, "levelno": logging.INFO, **fields})
            self.handleError(record)
        finally:
            self.release()

    def emit(self, record: logging.LogRecord) -> None:
        self.drain()
        super().emit(record)


def info(logger: logging.Logger, message: str, fields: dict[str, Any]) -> None:
    """``logger.info(message, extra=fields)``. Where the record would only reach the JSON handler :func:`configure`
    installed, its line is made without a ``LogRecord`` and the caller lookup, and written by
    :class:`JsonLinesHandler` (queued to the end of the loop's iteration): the same line. ``fields`` must not change
    after the call. Anywhere else (a test's handler, a filter, another record factory), the record goes through
    logging as usual."""
    if not logger.isEnabledFor(logging.INFO):
        return
    handler = _json_handler(logger)
    if handler is None:
        logger.handle(logger.makeRecord(logger.name, logging.INFO, __file__, 0, message, (), None, "info", fields))
        return
    handler.queue(logger.name, message, fields)


def _json_handler(logger: logging.Logger) -> JsonLinesHandler | None:
    """The handler :func:`configure` installed on ``adapter``, when it is the only place a record of ``logger``
    (a child of ``adapter`` without handlers or filters of its own) goes."""
    parent = logger.parent
    if logger.handlers or logger.filters or not logger.propagate or parent is None or parent.name != "adapter":
        return None
    if parent.filters or parent.propagate or parent.disabled or len(parent.handlers) != 1:
        return None
    handler = parent.handlers[0]
    if type(handler) is not JsonLinesHandler or type(handler.formatter) is not JsonFormatter:
        return None
    if handler.filters or handler.level > logging.INFO or not _is_ours(logging.getLogRecordFactory()):
        return None
    return handler


def _is_ours(factory: Callable[..., logging.LogRecord]) -> bool:
    return getattr(factory, "adapter_context", False) is True


def _line(name: str, message: str, fields: dict[str, Any], context: RequestContext | None, created: float) -> str:
    """What :class:`JsonFormatter` writes for an info record of ``name`` with ``fields`` as its extra, made at
    ``created`` while ``context`` was the current request's."""
    entry: dict[str, Any] = {
        "ts": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
        "level": "info",
        "logger": name,
        "pid": _PID[0] if logging.logProcesses else None,
        "message": message,
    }
    if context is not None:
        entry["requestId"] = context.request_id
        if context.trace_id is not None:
            entry["traceId"] = context.trace_id
    entry.update(fields)
    return orjson.dumps(entry, default=str).decode()


def mask(value: object) -> str:
    """``DE89370400440532013000`` → ``DE89…3000``; short values vanish entirely."""
    text = str(value)
    return f"{text[:4]}…{text[-4:]}" if len(text) >= 12 else "***"

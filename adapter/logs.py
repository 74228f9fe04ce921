"""Structured logs: one JSON object a line, on stderr, for operators' log pipelines.

Nothing secret is ever put in a record: no headers (API keys, tokens), no bodies, no passwords; route parameters that
a mapping marks ``sensitive`` (account numbers, names) are masked.

Every record logged while a request is served carries that request's ``requestId`` (and ``traceId`` when tracing
knows one), whichever logger wrote it, the backend call's included: the ASGI layer :func:`bind`s them in a context
variable and :func:`install` makes every new record read it.
"""

from __future__ import annotations

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
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.propagate = False


def info(logger: logging.Logger, message: str, fields: dict[str, Any]) -> None:
    """``logger.info(message, extra=fields)``. Where the record would only reach the JSON handler :func:`configure`
    installed, its line is written straight to that handler's stream: the same line, without a ``LogRecord`` and
    the caller lookup (the access log writes one per request). Anywhere else (a test's handler, a filter, another
    record factory), the record goes through logging as usual."""
    if not logger.isEnabledFor(logging.INFO):
        return
    handler = _json_handler(logger)
    if handler is None:
        logger.handle(logger.makeRecord(logger.name, logging.INFO, __file__, 0, message, (), None, "info", fields))
        return
    line = _line(logger.name, message, fields) + handler.terminator
    handler.acquire()
    try:
        handler.stream.write(line)  # as StreamHandler.emit does, then its flush
        handler.flush()
    except Exception:  # as StreamHandler.emit: report on stderr, never fail the request
        handler.handleError(
            logger.makeRecord(logger.name, logging.INFO, __file__, 0, message, (), None, "info", fields)
        )
    finally:
        handler.release()


def _json_handler(logger: logging.Logger) -> logging.StreamHandler[Any] | None:
    """The handler :func:`configure` installed on ``adapter``, when it is the only place a record of ``logger``
    (a child of ``adapter`` without handlers or filters of its own) goes."""
    parent = logger.parent
    if logger.handlers or logger.filters or not logger.propagate or parent is None or parent.name != "adapter":
        return None
    if parent.filters or parent.propagate or parent.disabled or len(parent.handlers) != 1:
        return None
    handler = parent.handlers[0]
    if type(handler) is not logging.StreamHandler or type(handler.formatter) is not JsonFormatter:
        return None
    if handler.filters or handler.level > logging.INFO or not _is_ours(logging.getLogRecordFactory()):
        return None
    return handler


def _is_ours(factory: Callable[..., logging.LogRecord]) -> bool:
    return getattr(factory, "adapter_context", False) is True


def _line(name: str, message: str, fields: dict[str, Any]) -> str:
    """What :class:`JsonFormatter` writes for an info record of ``name`` with ``fields`` as its extra."""
    entry: dict[str, Any] = {
        "ts": datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="milliseconds"),
        "level": "info",
        "logger": name,
        "pid": os.getpid() if logging.logProcesses else None,
        "message": message,
    }
    context = _CURRENT.get()
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

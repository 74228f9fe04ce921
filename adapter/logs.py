"""Structured logs: one JSON object a line, on stderr, for operators' log pipelines.

Nothing secret is ever put in a record: no headers (API keys, tokens), no bodies, no passwords; route parameters that
a mapping marks ``sensitive`` (account numbers, names) are masked.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", ...extra}``; exceptions as a single ``exception`` string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure(level: str = "info") -> None:
    """Send the adapter's logs to stderr as JSON lines (idempotent)."""
    root = logging.getLogger("adapter")
    root.setLevel(level.upper())
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.propagate = False


def mask(value: object) -> str:
    """``DE89370400440532013000`` → ``DE89…3000``; short values vanish entirely."""
    text = str(value)
    return f"{text[:4]}…{text[-4:]}" if len(text) >= 12 else "***"

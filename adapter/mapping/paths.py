"""Source paths: plain dotted names read directly, anything else through JMESPath (jmespath.org).

Plain paths (``body.amount.currency``) are the common case; they are read without JMESPath, they tell an absent
value from a null one, and the checker can follow them through the contract's shapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError


class _Missing:
    """An absent value, as opposed to ``None`` (JSON null, xsi:nil)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()

# Dashes are allowed after the first step, for HTTP header names (``headers.x-request-id``): JMESPath has no
# arithmetic, so such a path could not mean anything else.
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$")


class PathSyntaxError(ValueError):
    """A source path that is neither a dotted name nor valid JMESPath."""


@dataclass(frozen=True)
class SourcePath:
    text: str
    steps: tuple[str, ...] | None = None  # set for plain dotted paths
    _expression: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def compile(cls, text: str) -> SourcePath:
        if _PLAIN.match(text):
            return cls(text=text, steps=tuple(text.split(".")))
        try:
            return cls(text=text, _expression=jmespath.compile(text))
        except JMESPathError as exc:
            raise PathSyntaxError(f"invalid path {text!r}: {str(exc).splitlines()[0]}") from None

    def get(self, data: Any) -> Any:
        """The value at this path in ``data``, or :data:`MISSING`."""
        if self.steps is None:
            found = self._expression.search(data)
            return MISSING if found is None else found
        current = data
        for step in self.steps:
            if not isinstance(current, dict) or step not in current:
                return MISSING
            current = current[step]
        return current

    @property
    def root(self) -> str | None:
        """The first step of a plain path (``body``, ``query``...)."""
        return self.steps[0] if self.steps else None

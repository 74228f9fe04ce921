"""Progress on the terminal for long work (a 3 MB contract, 1,500 operations, many mapping files).

Shown on stderr only when stderr is a terminal, so that piped output and CI logs stay clean.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Advance = Callable[[], None]


def _noop() -> None:
    return None


@contextmanager
def progress(label: str, total: int | None = None) -> Iterator[Advance]:
    """Yields ``advance()``; a bar of ``total`` steps, or a spinner with elapsed time when ``total`` is ``None``."""
    if not sys.stderr.isatty():
        yield _noop
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)

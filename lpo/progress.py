"""Progress for long jobs: one Rich bar per step, shared by the CLI and the stages.

Stages call `step(description, total)` and advance it; they never print. When no
console is attached (tests, a Prefect worker) the bars are simply not drawn.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)
_enabled = False


def enable(on: bool = True) -> None:
    global _enabled
    _enabled = on


@contextlib.contextmanager
def step(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    if not _enabled or not console.is_terminal:
        yield lambda n=1: None
        return
    with Progress(TextColumn("  {task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as p:
        tid = p.add_task(description, total=total)
        yield lambda n=1: p.advance(tid, n)

"""The rich consoles every command prints on (the terminal's width, or 140 into a pipe) and the progress bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress


def console(stderr: bool = False) -> Console:
    """A rich console: the terminal's width, or into a file or a pipe $COLUMNS (140 if unset); rich
    respects NO_COLOR and writes no colour codes where there is no terminal."""
    import os

    out = Console(stderr=stderr)
    if out.is_terminal or "COLUMNS" in os.environ:
        return out
    return Console(stderr=stderr, width=140)


def progress_bar(console: Console) -> Progress:
    """A transient bar with a count, a free-text field `info` and the time remaining."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # no animation into a log or a pipe
    )

"""The rich consoles every command prints on (the terminal's width, or 140 into a pipe) and the progress bar."""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, TextIO, cast

from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress

PIPE_WIDTH = 140  # into a file or a pipe, where there is no terminal to measure
MIN_WIDTH, MAX_WIDTH = 20, 10_000  # a $COLUMNS outside these is a mistake (0 would print nothing)
_LINE_END = re.compile(r" +\n")


def beside(*outputs: object) -> Console:
    """The console a command's tables go to: stdout, or stderr when one of its outputs (--csv, --json) is
    stdout ('-'), which then carries nothing but the data."""
    from ..io.files import STDOUT

    return console(stderr=any(o is not None and str(o) == STDOUT for o in outputs))


def console(stderr: bool = False) -> Console:
    """A rich console: the terminal's width, or into a file or a pipe $COLUMNS (140 if unset or not a
    sane width). Into a file or a pipe the spaces rich pads each line with are dropped; rich respects
    NO_COLOR and TERM=dumb, and writes no colour codes where there is no terminal."""
    stream = sys.stderr if stderr else sys.stdout
    columns = _columns()
    out = Console(stderr=stderr, width=columns)
    if stream is None:  # `2>&-`: rich writes nowhere
        return out
    if out.is_terminal:  # both set: rich takes a nonsense $COLUMNS as is, and a dumb terminal as 80 columns
        width, height = _terminal_size(stream)
        out.size = (columns or width, height)
        return out
    return Console(file=cast(TextIO, Trimmed(stream)), width=columns or PIPE_WIDTH)


def _columns() -> int | None:
    """$COLUMNS when it is a width a table can be laid out in; None when unset or nonsense (0, -1, abc)."""
    text = os.environ.get("COLUMNS", "").strip()
    return int(text) if text.isdecimal() and MIN_WIDTH <= int(text) <= MAX_WIDTH else None


def _terminal_size(stream: TextIO) -> tuple[int, int]:
    """The terminal's (columns, lines), 80 by 25 where it cannot be asked."""
    try:
        size = os.get_terminal_size(stream.fileno())
        return max(MIN_WIDTH, size.columns), max(1, size.lines)
    except (OSError, ValueError, AttributeError):
        return 80, 25


class Trimmed:
    """A text stream that drops the spaces at the end of each line (rich pads every line of a table to its
    width): in a file or a pipe they are noise to diff and grep. Spaces at the end of a write are held
    until the next write shows whether a newline follows them."""

    def __init__(self, stream: TextIO):
        self.stream, self.held = stream, ""

    def write(self, text: str) -> int:
        text = self.held + text
        body = text.rstrip(" ")
        self.held = text[len(body) :]
        self.stream.write(_LINE_END.sub("\n", body))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # rich draws ASCII boxes for an ASCII-only stream
        return getattr(self.stream, "encoding", None) or "utf-8"


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

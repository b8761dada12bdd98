"""The typer app every command registers on (commands.py, inspect_commands.py), and the run conditions a command
records from its context (the command line it was given, the BLAS threads, the seed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from ..measure.conditions import Conditions

app = typer.Typer(
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Measure why backpropagation replaced numerical differentiation: the same MLP gradient "
    "computed several ways, every operation counted, every way timed.",
)


def conditions_of(ctx: typer.Context, threads: int, seed: int | None) -> Conditions:
    from ..measure.conditions import Conditions

    return Conditions.noted(threads, seed, tuple(ctx.obj or ()), ctx.meta.get("threads_asked"))

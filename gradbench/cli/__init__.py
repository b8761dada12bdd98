"""The command line: a thin adapter over the studies and their renderers (app.py holds the typer app,
commands.py and inspect_commands.py the commands, arguments.py their options, exits.py the one exit path)."""

from __future__ import annotations

import sys

from . import commands, inspect_commands  # noqa: F401  (each registers its commands on the app)
from .app import app
from .exits import run


def main(argv: list[str] | None = None) -> None:
    """Entry point: a bare `gradbench` asks for help; every failure leaves as one line (exits.py)."""
    argv = sys.argv[1:] if argv is None else argv
    run(app, argv or ["--help"])

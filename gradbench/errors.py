"""The exceptions every layer raises, each with its own exit status (cli/exits.py maps them)."""

from __future__ import annotations


class GradbenchError(Exception):
    """A problem with the user's input or environment: printed as one line, exit status 2."""


class UserCodeError(Exception):
    """The user's function or gradient raised: its own traceback is the useful one (exits.py prints it)."""

    def __init__(self, which: str, error: BaseException):
        super().__init__(f"{which} raised {type(error).__name__}: {error}")
        self.error = error


class CheckFailed(Exception):
    """A check the user asked for failed (a performance bound, a regression past --fail-on): exit status 1."""


class Interrupted(Exception):
    """Ctrl-C, after what was finished is on disk: its message says what was kept; exit status 130."""

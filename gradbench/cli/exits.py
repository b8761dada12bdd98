"""The one error path: every way a command can end, turned into an exit status and at most one line on
stderr. 0 done; 1 a check the user asked for failed; 2 bad input or a failed write; 130 interrupted.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from contextlib import suppress
from typing import NoReturn

import typer
from typer.exceptions import TyperException

from ..errors import CheckFailed, GradbenchError, Interrupted, UserCodeError


def run(app: typer.Typer, argv: list[str]) -> NoReturn:
    """Run the app on argv and exit with its status; nothing escapes as a traceback."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file-size limit: write() fails (EFBIG), reported
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `gradbench ... | head`: end quietly, as cat does
    if sys.stdout is None:  # `gradbench ... >&-`: nowhere to print, said before any work, as cat does
        leave(2, "error: cannot write the output: stdout is closed")
    for stream in (sys.stdout, sys.stderr):  # PYTHONIOENCODING=ascii, LANG=C: '±' prints as '?', never fails
        with suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    try:
        code = app(args=argv, prog_name="gradbench", standalone_mode=False, obj=argv)
    except TyperException as e:  # click's usage errors: bad option, bad value, missing argument
        leave(2, f"error: {e.format_message()}")
    except GradbenchError as e:
        leave(2, f"error: {e}")
    except UserCodeError as e:  # the user's own traceback is the useful one: theirs, without our frames
        traceback.print_exception(e.error, file=sys.stderr, limit=-_user_frames(e.error))
        leave(2, f"error: {e}")
    except CheckFailed as e:
        leave(1, f"check failed: {e}")
    except Interrupted as e:  # what was finished is on disk, and the message says where
        leave(130, str(e))
    except (KeyboardInterrupt, typer.Abort, typer.Exit, SystemExit) as e:  # typer turns Ctrl-C into exit 130
        status = getattr(e, "exit_code", getattr(e, "code", 130))
        leave(status, "interrupted; nothing was written" if status == 130 else None)
    except OSError as e:  # writing to stdout failed: a full disk, a file-size limit
        leave(2, f"error: cannot write the output: {e.strerror or e}")
    status = code if isinstance(code, int) else 0  # typer returns 130 for a Ctrl-C it caught itself
    leave(status, "interrupted; nothing was written" if status == 130 else None)


def _user_frames(error: BaseException) -> int:
    """How many of the traceback's innermost frames are outside gradbench (the user's)."""
    package = os.path.dirname(os.path.dirname(__file__))  # gradbench/, not cli/
    frames = traceback.extract_tb(error.__traceback__)
    return max(1, sum(1 for f in frames if not f.filename.startswith(package)))


def leave(status: int, line: str | None) -> NoReturn:
    if line and sys.stderr is not None:  # `2>&-`: the status is all there is to say
        print(f"gradbench: {line}", file=sys.stderr)
    sys.exit(status)

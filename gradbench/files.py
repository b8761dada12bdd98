"""Writing results safely, in one place: check the path before any work, write a temporary file beside
the target, fsync it, rename it into place (as git and SQLite do).

An interrupted or failed write leaves the old file untouched and no partial file behind.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .spec import GradbenchError

STDOUT = "-"
PathLike = str | os.PathLike[str]


def check_writable(path: PathLike | None) -> None:
    """Refuse, before anything runs, an output path that cannot be written."""
    if path is None or str(path) == STDOUT:
        return
    p = Path(path)
    if p.is_dir():
        raise GradbenchError(f"cannot write {p}: it is a directory")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise GradbenchError(f"cannot write {p}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise GradbenchError(f"cannot write {p}: permission denied")


def check_outputs(*paths: str | None) -> None:
    """Refuse, before any work, outputs that cannot be written or that collide on stdout."""
    for p in paths:
        check_writable(p)
    if sum(p == STDOUT for p in paths) > 1:
        raise GradbenchError("--csv and --json cannot both go to stdout: send one of them to a file")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: PathLike) -> Iterator[str]:
    """A temporary path beside `path` to write to; renamed onto `path` when the block succeeds, removed
    when it fails. The file gets the permissions a plain open() would give (0666 less the umask)."""
    p = Path(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent if str(p.parent) else ".", prefix=f".{p.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, p)
    except OSError as e:
        raise GradbenchError(f"cannot write {p}: {e.strerror or e}; {p} was left as it was") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_with(path: PathLike, write: Callable[[str], None]) -> None:
    """Call write(temporary path) and rename the result onto `path`."""
    check_writable(path)
    with atomic_path(path) as tmp:
        write(tmp)


def write_text(path: PathLike, text: str) -> None:
    """Text to `path` atomically, or to stdout for '-'."""
    if str(path) == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            f.write(text)

    write_with(path, write)


def write_json(path: PathLike, doc: Any) -> None:
    """A JSON document, indented, written atomically ('-' for stdout)."""
    write_text(path, json.dumps(doc, indent=2) + "\n")

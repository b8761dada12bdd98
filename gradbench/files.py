"""Writing results safely: check the path before any work, write to a temporary file, rename.

An interrupted or failed write leaves the old file untouched and no partial file behind.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from .spec import GradbenchError

STDOUT = "-"


def check_writable(path: str | os.PathLike | None) -> None:
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


def atomic_write(path: str | os.PathLike, text: str) -> None:
    """Write text to path via a temporary file in the same directory and an atomic rename."""
    if str(path) == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    p = Path(path)
    check_writable(p)
    fd, tmp = tempfile.mkstemp(dir=p.parent if str(p.parent) else ".", prefix=f".{p.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        os.replace(tmp, p)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise GradbenchError(f"cannot write {p}: {e.strerror or e}") from None
        raise


def write_json(path: str | os.PathLike, doc) -> None:
    """A JSON document, indented, written atomically ('-' for stdout)."""
    atomic_write(path, json.dumps(doc, indent=2) + "\n")

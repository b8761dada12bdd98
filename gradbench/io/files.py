"""Writing results safely, in one place: check the path before any work, write a temporary file beside
the target, fsync it, rename it into place (as git and SQLite do).

An interrupted or failed write leaves the old file untouched and no partial file behind. An output the
check found absent (no --force) is linked into place, never renamed over: a file that appeared there in
the meantime (a second run writing the same path) is kept and this one refused. The default output
directory, results/ in the working directory, is made when missing; any other must exist.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from ..errors import GradbenchError

STDOUT = "-"
PathLike = str | os.PathLike[str]
DEFAULT_DIR = "results"  # where the commands write by default (sweep, plot), relative to the working directory
_FRESH: set[Path] = set()  # outputs check_writable found absent, without --force: never to be replaced


def meta_path(path: PathLike) -> str:
    """Where the metadata of a CSV lives: beside it, PATH.meta.json."""
    return f"{path}.meta.json"


def real(path: PathLike) -> Path:
    """The file a path names, symlinks followed: writing through a link updates what it points to."""
    return Path(os.path.realpath(path))


STREAMS = ("/dev/", "/proc/", "/sys/")  # a process's streams and the kernel's files, not a place for results


def _names_a_stream(path: PathLike) -> bool:
    """Whether `path`, or a link on the way to its target, names /dev, /proc or /sys (/dev/stdout is a
    link to whatever the shell redirected stdout to: renaming onto it would replace that file)."""
    p = os.path.abspath(path)
    for _ in range(40):
        if p.startswith(STREAMS):
            return True
        if not os.path.islink(p):
            return False
        p = os.path.join(os.path.dirname(p), os.readlink(p))
    return True  # a loop of links


def _probe(directory: Path) -> None:
    """Create and remove a file where the output will go: the only sure test that it can be written."""
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".gradbench.", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise GradbenchError(f"cannot write in {directory}: {e.strerror or e}") from None


def check_writable(path: PathLike | None, force: bool = False, inputs: tuple[PathLike, ...] = ()) -> None:
    """Refuse, before anything runs, an output that cannot be written, would replace a file without
    --force, is not a regular file ('-' is stdout), or is one of the command's inputs."""
    if path is None or str(path) == STDOUT:
        return
    if not str(path).strip():
        raise GradbenchError("an output path is empty: give a file name, or '-' for stdout")
    if _names_a_stream(path):
        raise GradbenchError(f"cannot write {path}: not a regular file; use '-' for stdout")
    p, target = Path(path), real(path)
    if p.is_dir():
        raise GradbenchError(f"cannot write {p}: it is a directory")
    if any(target == real(i) for i in inputs):
        raise GradbenchError(f"cannot write {p}: it is an input of this command; write the output elsewhere")
    if p.exists():  # through any links: what would be written is what p names now
        if not p.is_file():
            raise GradbenchError(f"cannot write {p}: not a regular file (a FIFO or device); use '-' for stdout")
        if not force:
            raise GradbenchError(f"{p} exists: pass --force to replace it")
    parent = target.parent
    if _made_when_missing(parent):
        parent = parent.parent  # results/ is made where it will be: that is what must be writable
    if not parent.is_dir():
        raise GradbenchError(f"cannot write {p}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise GradbenchError(f"cannot write {p}: permission denied")
    _probe(parent)
    if force:
        _FRESH.discard(target)
    else:
        _FRESH.add(target)


def _made_when_missing(directory: Path) -> bool:
    """Whether `directory` is the default output directory, missing, in a working directory that exists."""
    return directory == real(DEFAULT_DIR) and not os.path.lexists(directory) and directory.parent.is_dir()


def make_parent(path: PathLike) -> None:
    """Make the default output directory if `path` is to be written in it and it is missing (any other
    directory was checked to exist)."""
    if _made_when_missing(real(path).parent):
        real(path).parent.mkdir(exist_ok=True)


def check_outputs(
    outputs: dict[str, str | None],
    force: bool = False,
    inputs: tuple[PathLike, ...] = (),
    sidecars: tuple[str, ...] = (),
) -> None:
    """Refuse, before any work, outputs (option -> path) that cannot be written or would collide: two on
    stdout, two on one file. `sidecars` names the options whose PATH.meta.json is written too."""
    given = {option: path for option, path in outputs.items() if path is not None}
    on_stdout = [option for option, path in given.items() if path == STDOUT]
    if len(on_stdout) > 1:
        raise GradbenchError(f"{' and '.join(on_stdout)} cannot both go to stdout: send one of them to a file")
    files = {option: real(path) for option, path in given.items() if path != STDOUT}
    for option, target in files.items():
        clash = [o for o, t in files.items() if t == target and o != option]
        if clash:
            raise GradbenchError(f"{option} and {clash[0]} name the same file {given[option]}: give each its own")
        check_writable(given[option], force, inputs)
        if option in sidecars:
            check_writable(meta_path(given[option]), force, inputs)


@contextmanager
def locked(path: PathLike, what: str) -> Iterator[None]:
    """Hold an exclusive lock on `path` (a hidden .NAME.lock beside it) for the block: a second writer is
    refused at once with the holder's pid, never left waiting. The lock dies with its process."""
    import fcntl

    target = real(path)
    make_parent(target)
    fd = os.open(target.parent / f".{target.name}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise GradbenchError(f"another {what} (pid {holder}) holds {path}: wait for it, or write elsewhere") from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


def whole_lines(path: PathLike) -> tuple[str, int]:
    """The file's text up to its last newline, and the bytes after it: a last line not written whole
    (a kill or a full disk mid-write). Reads only; cut_to() drops the tail once the rest is checked."""
    data = Path(path).read_bytes()
    keep = data.rfind(b"\n") + 1
    try:
        return data[:keep].decode(), len(data) - keep
    except UnicodeDecodeError as e:
        raise GradbenchError(f"{path} is not a sweep CSV: it is not text ({e.reason})") from None


def cut_to(path: PathLike, size: int) -> None:
    """Truncate the file to `size` bytes, durably."""
    with open(path, "rb+") as f:
        f.truncate(size)
        os.fsync(f.fileno())


def append(fd: int, data: bytes, path: PathLike) -> None:
    """Append `data` whole, then fsync; a write that fails (a full disk, a file-size limit) is undone, so
    the file still ends on a whole record, and reported as one line."""
    size = os.fstat(fd).st_size
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]  # os.write may write less than asked: go on from there
        os.fsync(fd)
    except BaseException as e:  # a failed write, or Ctrl-C in the middle of one: undone either way
        with suppress(OSError):
            os.ftruncate(fd, size)
        if isinstance(e, OSError):
            raise GradbenchError(f"cannot write {path}: {e.strerror or e}; it holds what was finished before") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: PathLike) -> Iterator[str]:
    """A temporary path beside `path` to write to; moved onto `path` when the block succeeds, removed
    when it fails. The file gets the permissions a plain open() would give (0666 less the umask)."""
    p = real(path)
    make_parent(p)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        _into_place(tmp, p, path)
    except OSError as e:
        raise GradbenchError(f"cannot write {path}: {e.strerror or e}; {path} was left as it was") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _into_place(tmp: str, target: Path, path: PathLike) -> None:
    """Rename `tmp` onto `target`; for an output checked absent, without replacing whatever is there now."""
    if target not in _FRESH:
        os.replace(tmp, target)
        return
    try:
        _link(tmp, target)
    except FileExistsError:
        raise GradbenchError(f"{path} appeared while this command ran: it was kept and this output not "
                             "written; pass --force to replace it") from None  # fmt: skip
    _FRESH.discard(target)


def _link(tmp: str, target: Path) -> None:
    """`tmp` at `target` unless something is there (FileExistsError): a hard link, or where the file system
    has none, an exclusive create that claims the name, then a rename onto the claim."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        os.replace(tmp, target)


def write_with(path: PathLike, write: Callable[[str], None]) -> None:
    """Call write(temporary path) and rename the result onto `path` (checked before the work began)."""
    with atomic_path(path) as tmp:
        write(tmp)


def write_text(path: PathLike, text: str) -> None:
    """Text to `path` atomically, or to stdout for '-'."""
    if str(path) == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)

    write_with(path, write)


def write_json(path: PathLike, doc: Any) -> None:
    """A JSON document, indented, written atomically ('-' for stdout)."""
    write_text(path, json.dumps(doc, indent=2) + "\n")


def read_json_object(path: PathLike, what: str, advice: str = "") -> dict[str, Any]:
    """A JSON file that must hold an object: anything else (missing, unreadable, not UTF-8, not JSON, a
    list) is one line naming the file, with `advice` after it."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GradbenchError(f"cannot read {path}: no such file{advice}") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise GradbenchError(f"cannot read {path}: {type(e).__name__}: {e}{advice}") from None
    if not isinstance(doc, dict):
        raise GradbenchError(f"{path} is not {what} (not a JSON object){advice}")
    return doc

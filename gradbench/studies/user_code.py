"""The user's own code, loaded and called in one place: `check`, `compare --function`, the Taylor test and
the Jacobian and Hessian-vector checks all go through here, so every one of them gets the same guards.

- Loading: `module:name` (the current directory is on the path, as `python -m` and pytest have it) or
  `path/to/file.py:name` (as uvicorn takes it); a bad reference is one line, an error while importing
  is the user's, with their traceback.
- x0: a .npy or text file; its header is read before its data, so a file that claims more than memory
  holds is refused, not loaded.
- Calls: what the user's code prints goes to stderr (so `--json -` stays JSON), `sys.exit()` inside it is
  an error, not a silent exit 0, and a value of the wrong kind (None, a string, a shape that does not
  match) is one line naming what came back.
- Complex safety: a function that drops the imaginary part (`float()`, `np.real`, an `abs`) is found by
  one probe, and said plainly, before the complex step is trusted.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import GradbenchError, UserCodeError
from ..io.machine import available_memory
from ..io.units import size

_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def load_callable(ref: str, option: str) -> Callable[..., Any]:
    """'package.module:name' or 'path/to/file.py:name' -> the function; refused with one line if it
    cannot be found."""
    module, colon, name = ref.rpartition(":")
    if not colon or not module or not _NAME.fullmatch(name):
        raise GradbenchError(f"{option} must be module:function or path/to/file.py:function, got {ref!r}")
    if module.endswith(".py"):
        loaded = _import_file(Path(module), option)
    elif _NAME.fullmatch(module):
        loaded = _import_module(module, option)
    else:
        raise GradbenchError(f"{option}: {module!r} is neither a module name (mypkg.model) nor a .py file")
    obj = loaded
    for part in name.split("."):
        obj = getattr(obj, part, None)
    if obj is None:
        raise GradbenchError(f"{option}: {module!r} has no {name!r}")
    if not callable(obj):
        raise GradbenchError(f"{option}: {ref} is not a function")
    return obj


def _import_module(module: str, option: str) -> Any:
    from importlib import import_module

    if "" not in sys.path and os.getcwd() not in sys.path:  # as `python -m` and pytest have it
        sys.path.insert(0, os.getcwd())
    try:
        return import_module(module)
    except ModuleNotFoundError as e:
        if e.name and module.startswith(e.name):  # the module itself is missing, not one it imports
            raise GradbenchError(f"{option}: no module {e.name!r} here or on PYTHONPATH") from None
        raise UserCodeError(f"importing {module}", e) from e
    except (Exception, SystemExit) as e:  # an error in their module: theirs, with its traceback
        raise UserCodeError(f"importing {module}", e) from e


def _import_file(path: Path, option: str) -> Any:
    from importlib.util import module_from_spec, spec_from_file_location

    if not path.is_file():
        raise GradbenchError(f"{option}: no file {path}")
    spec = spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise GradbenchError(f"{option}: cannot import {path}")
    loaded = module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))  # its own imports of its neighbours work
    try:
        spec.loader.exec_module(loaded)
    except (Exception, SystemExit) as e:
        raise UserCodeError(f"importing {path}", e) from e
    return loaded


def load_point(path: str) -> np.ndarray:
    """x0 from a .npy file (or a text file of numbers), kept in its own dtype (float32 stays float32)."""
    try:
        if path.endswith(".npy"):
            _refuse_too_large(path)
            x = np.load(path, allow_pickle=False)
        else:
            x = np.loadtxt(path, ndmin=1)
    except (OSError, ValueError, EOFError) as e:
        raise GradbenchError(f"--x0: cannot read {path}: {e or 'it is empty'}") from None
    if np.size(x) == 0:
        raise GradbenchError(f"--x0: {path} holds no numbers")
    if x.dtype not in (np.float32, np.float64) or not np.all(np.isfinite(x)):
        raise GradbenchError(f"--x0: {path} must hold finite float32 or float64 numbers, got {x.dtype}")
    return np.asarray(x)


def _refuse_too_large(path: str) -> None:
    """Map the .npy instead of reading it (its header only is read): a file whose header claims more than
    it holds fails to map, one that holds more than memory is refused, before anything is allocated."""
    mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    need = mapped.size * mapped.dtype.itemsize
    if need > available_memory():
        raise GradbenchError(f"--x0: {path} holds shape {mapped.shape} ({size(need)}); more than memory")


@contextlib.contextmanager
def output_to_stderr() -> Iterator[None]:
    """While the user's code runs, what it prints (print, or C code writing to fd 1) goes to stderr:
    our stdout may be carrying `--json -`."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 (a closed stdout): Python-level redirection is all there is to do
        saved = -1
    if saved >= 0:
        os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        if saved >= 0:
            os.dup2(saved, 1)
            os.close(saved)


def user_call(which: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Call the user's code; an exception in it is theirs (UserCodeError keeps it and its traceback), and
    so is sys.exit(): a check that exits 0 with nothing checked would be a silent wrong verdict."""
    try:
        return fn(*args)
    except GradbenchError:
        raise
    except SystemExit as e:
        raise UserCodeError(which, RuntimeError(f"it called sys.exit({e.code!r})")) from e
    except Exception as e:
        raise UserCodeError(which, e) from e


def working_dtype(x: np.ndarray) -> np.dtype:
    """The dtype a check differences x in: float32 kept (its tolerances are float32's), anything else
    (ints, float16, object) float64."""
    return np.dtype(x.dtype if x.dtype in (np.float32, np.float64) else np.float64)


def as_scalar(value: Any, which: str = "your function") -> Any:
    """The user's f(x), refused (one line) when it is not one number: a gradient is of f: R^N -> R."""
    if value is None or isinstance(value, str | bytes):
        raise GradbenchError(f"{which} must return a number; it returned {type(value).__name__}")
    size = value.numel() if hasattr(value, "numel") else np.size(value)  # a torch tensor, or anything NumPy
    if size != 1:
        raise GradbenchError(f"{which} must return a scalar; it returned shape {tuple(np.shape(value))}")
    kind = getattr(getattr(value, "dtype", None), "kind", "f" if isinstance(value, int | float | complex) else "?")
    if kind not in "biufc" and not hasattr(value, "numel"):
        raise GradbenchError(f"{which} must return a number; it returned {type(value).__name__}")
    return value


def as_array(value: Any, shape: tuple[int, ...], which: str, dtype: np.dtype) -> np.ndarray:
    """The user's gradient (or Jacobian, or H v) as an array of `shape` in x's dtype, refused (one line)
    when it is not that."""
    if value is None or isinstance(value, str | bytes):
        raise GradbenchError(f"{which} must return an array; it returned {type(value).__name__}")
    try:
        a = np.asarray(value.detach() if hasattr(value, "detach") else value)
    except (TypeError, ValueError):
        raise GradbenchError(f"{which} must return numbers; it returned {type(value).__name__}") from None
    if a.dtype.kind not in "biuf":
        raise GradbenchError(f"{which} must return real numbers; it returned dtype {a.dtype}")
    if a.size != int(np.prod(shape)):
        if len(shape) == 1:
            raise GradbenchError(f"{which} has {a.size} entries, x has {shape[0]}: they must match")
        raise GradbenchError(f"{which} has shape {a.shape}; it must be {shape} (outputs x inputs)")
    return a.astype(dtype, copy=False).reshape(shape)


def as_vector(value: Any, n: int, which: str = "your gradient", dtype: Any = np.float64) -> np.ndarray:
    return as_array(value, (n,), which, np.dtype(dtype))


def complex_safe(f: Callable[[np.ndarray], Any], x: np.ndarray) -> str | None:
    """None when f carries an imaginary perturbation through (the complex step may be trusted); else why
    not, in words. One probe: f(x + i h v) must have an imaginary part, and its value must be f's at x."""
    v = np.random.default_rng(0).standard_normal(x.shape)
    z = x.astype(np.complex128) + 1e-20j * v
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        try:
            value = complex(np.asarray(f(z)).reshape(()))
        except np.exceptions.ComplexWarning:
            return "it discards the imaginary part of its input (a float() or an assignment into a real array)"
        except (Exception, SystemExit) as e:
            return f"it fails on complex input ({type(e).__name__}: {e})"
    if value.imag == 0.0:
        return "its value has no imaginary part (it uses abs, np.real, float() or a comparison on x)"
    return None

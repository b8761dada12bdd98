"""The conditions of a run: the machine, the versions, the BLAS threads pinned for it, the seed and the
command line, recorded with every result so that it can be judged and repeated (as pyperf does).

The command line travels as an argument (the CLI passes what it was given), never through a global.
"""

from __future__ import annotations

import os
import platform
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


@dataclass(frozen=True)
class Conditions:
    """What the caller fixed for a run: BLAS threads, seed, and the command that asked for it."""

    threads: int = 1
    seed: int | None = None
    command: tuple[str, ...] = field(default=())

    @classmethod
    def noted(cls, threads: int, seed: int | None, command: tuple[str, ...], asked: int | None) -> Conditions:
        """The conditions, saying on stderr when --threads asked for more than the cores (capped)."""
        if asked is not None:
            print(f"gradbench: --threads {asked}: {threads} cores here; used {threads}", file=sys.stderr)
        return cls(threads, seed, command)


@contextmanager
def pinned(threads: int) -> Iterator[None]:
    """BLAS limited to `threads` threads, and NumPy's overflow/invalid/divide warnings silenced for the
    block: a non-finite gradient or loss is reported once, by name and cause, not by a warning per array."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    quiet = np.errstate(over="ignore", invalid="ignore", divide="ignore")
    with threadpool_limits(limits=threads, user_api="blas"), quiet:
        yield


def metadata(conditions: Conditions) -> dict[str, Any]:
    """Everything needed to judge or repeat a measurement (read inside `pinned`, BLAS shows its limit)."""
    import numpy as np
    from threadpoolctl import threadpool_info

    from ..io.machine import cpu
    from ..model.tuning import current
    from ..version import __version__

    blas = [
        {k: info.get(k) for k in ("internal_api", "version", "num_threads", "threading_layer", "architecture")}
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]
    return {
        "gradbench": __version__,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": shlex.join(["gradbench", *conditions.command]),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas,
        "blas_threads": conditions.threads,
        "cpu": (chip := cpu())["name"],
        "cpu_id": {k: v for k, v in chip.items() if k != "name"},  # vendor, family, model, vector units
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "seed": conditions.seed,
        "tuning": current().as_dict(),  # the machine's calibrated constants (model/tuning.py)
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,  # other jobs on the machine
    }

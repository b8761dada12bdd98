"""One record per measured method, feeding every output (table, CSV, JSON, plot), and the metadata
that goes with every result: machine, versions, BLAS and its threads, seed, date, command line."""

from __future__ import annotations

import os
import platform
import shlex
import sys
from dataclasses import asdict, dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class Row:
    method: str
    layers: int
    hidden: int
    inputs: int
    outputs: int
    batch: int
    activation: str
    dtype: str
    seed: int
    n_params: int
    forward_passes: int
    backward_passes: int
    matmuls: int | None  # None: not counted (the torch peer's counter sees only FLOPs)
    adds: int | None
    multiplies: int | None
    funcs: int | None
    matmul_flops: int
    flops: int
    counts_from: str  # "run": counted while it ran; "model": the cost model (the run was sampled);
    # "torch.utils.flop_counter": the peer's own counter (matmul FLOPs only)
    time_s: float  # median seconds per full gradient
    time_q1_s: float
    time_q3_s: float
    time_min_s: float
    time_max_s: float
    rounds: int
    estimated: bool  # time extrapolated from a random sample of the perturbations
    sampled: int  # gradient entries timed (= n_params unless estimated)
    time_ratio: float  # time / backprop's time
    predicted_ratio: float  # FLOPs / backprop's FLOPs (matmul FLOPs for the torch peer)
    rel_error: float  # max|g - g_bp| / max(max|g|, max|g_bp|), over the entries computed

    def as_dict(self) -> dict:
        return asdict(self)


COMMAND_LINE: list[str] = sys.argv[1:]  # set by the CLI's entry point to the arguments it was given

SPEC_COLUMNS = ("layers", "hidden", "inputs", "outputs", "batch", "activation", "dtype", "seed")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def metadata(seed: int | None = None, threads: int | None = None) -> dict:
    """Everything needed to judge or repeat a measurement."""
    import numpy as np
    from threadpoolctl import threadpool_info

    blas = [
        {k: info.get(k) for k in ("internal_api", "version", "num_threads", "threading_layer")}
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]
    from . import __version__

    return {
        "gradbench": __version__,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": shlex.join(["gradbench", *COMMAND_LINE]),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas,
        "blas_threads": threads,
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "seed": seed,
    }

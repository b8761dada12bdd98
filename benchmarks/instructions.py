"""Instructions per gradient, ours against the straight-line NumPy floor, by callgrind: a count that does
not move with a second job on the machine (time does). Needs valgrind.

    python benchmarks/instructions.py [--layers 3 --hidden 10 --batch 1 --gradients 2000]

Each program is run twice under callgrind, with 0 and with K gradients after the same setup; the
difference over K is the instructions of one gradient, startup and imports cancelled out.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PROGRAM = """
import sys
from gradbench import MLP, Spec, gradient
from gradbench.model import tuning
from gradbench.studies.bench import straight_line
# A fixed tuning, not the machine's: a calibration is timed, so its instructions differ between the two
# runs and would not cancel (one run calibrating where the other read the cache doubled the count once).
tuning.use(tuning.Tuning(**tuning.DEFAULT))
model = MLP.build(Spec(layers={layers}, hidden={hidden}, batch={batch}))
floor = straight_line(model)
which, k = sys.argv[1], int(sys.argv[2])
f = floor if which == "floor" else (lambda: gradient(model, "{method}"))
for _ in range(3):
    f()  # warm: plans recorded, workspaces allocated, in both runs alike
for _ in range(k):
    f()
"""


def instructions(script: Path, which: str, k: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, str(script),
                        which, str(k)], check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": "0"})  # fmt: skip  # str hashes, so dict probes, fixed
        summary = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.M)
        assert summary, "no totals in the callgrind output"
        return int(summary[1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--hidden", type=int, default=10)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--gradients", type=int, default=2000)
    p.add_argument("--method", default="backprop")
    a = p.parse_args()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(PROGRAM.format(layers=a.layers, hidden=a.hidden, batch=a.batch, method=a.method))
    script = Path(f.name)
    per = {}
    for which in ("ours", "floor"):
        per[which] = (instructions(script, which, a.gradients) - instructions(script, which, 0)) / a.gradients
    print(
        f"{a.method} at {a.layers}x{a.hidden}x{a.batch}: {per['ours']:,.0f} instructions per gradient, "
        f"floor {per['floor']:,.0f}: ratio {per['ours'] / per['floor']:.3f}"
    )


if __name__ == "__main__":
    main()
